"""Digest build time for 10,000 users (issue 5), in process, on its own SQLite database.

    python bench/digest_bench.py                  # 10,000 users; what `make bench` runs
    python bench/digest_bench.py --users 2000     # a quick run
    python bench/digest_bench.py --json bench/out/digest-results.json --docs

What it builds in `bench/out/digest-data/` (gitignored, rebuilt on every run: a minute):
`twinwise migrate` on an empty file; 500 verified member organisations with 20 users each
(10,000 people, every one with an email address, no digest setting: weekly, the default);
5,000 published reports spread over the offices (TLP clear 15%, green 40%, amber 25% shared
with 2 other offices, amber-strict 15%, red 5%; 15% anonymous) about 50 counterparts;
per user 3 watches and 8 unread notifications about reports (what the fan-out would have
left after a busy week: each points at a report that user could see when it was made),
plus a pattern notice for every tenth user.

What it times, with Django's locmem mail backend (the real send path, kept in memory):
`peers.services.digests_send(frequency="weekly")` — every person's digest is built at send
time through the access policy (notifications re-checked with `visible()`, reports
presented by `case_present_many`), rendered, "sent" and marked. Total wall time, digests per
second, and the per-person build time (p50/p95 over a sample of 200 people timed alone);
queries per digest counted on that sample.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "out" / "digest-data"
DOC = PROJECT_DIR / "docs" / "performance.md"
START, END = "<!-- bench:digest:start -->", "<!-- bench:digest:end -->"
SEED = 20261128
ORGS = 500
CASES = 5_000
COUNTERPARTS = 50
NOTES_PER_USER = 8
WATCHES_PER_USER = 3
SAMPLE = 200


def setup(users: int) -> None:
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    DATA_DIR.mkdir(parents=True)
    os.environ["TWINWISE_DATA_DIR"] = str(DATA_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "twinwise.settings.dev"
    os.environ["TWINWISE_DEBUG"] = "false"
    os.environ["TWINWISE_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(users: int) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from twinwise.accounts.models import Organisation, User
    from twinwise.cases.models import Case, CaseRecipientOrganisation
    from twinwise.core import taxonomy
    from twinwise.directory.models import Counterpart, Country
    from twinwise.peers.models import Notification, Watch

    rng = random.Random(SEED)
    started = time.perf_counter()
    per_org = max(1, users // ORGS)
    topics = list(taxonomy.ids("topics"))
    types = list(taxonomy.ids("case_types"))
    now = timezone.now()
    with transaction.atomic():
        Country.objects.bulk_create(
            [
                Country(iso2="CN", name="China", region="asia", china_side="mainland"),
                Country(iso2="DE", name="Germany", region="europe"),
            ]
        )
        counterparts = Counterpart.objects.bulk_create(
            [
                Counterpart(
                    kind="consulate",
                    country_id="CN",
                    name=f"Consulate {i}",
                    search_text=f"|consulate {i}|",
                )
                for i in range(COUNTERPARTS)
            ]
        )
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    slug=f"org-{i}",
                    name=f"Office {i}",
                    country_id="DE",
                    population=rng.randint(20_000, 2_000_000),
                    verified=True,
                )
                for i in range(ORGS)
            ]
        )
        people = User.objects.bulk_create(
            [
                User(
                    username=f"user{i}",
                    email=f"user{i}@example.org",
                    password="!",
                    organisation=orgs[i % ORGS],
                    role="admin" if i < ORGS else "officer",
                )
                for i in range(per_org * ORGS)
            ]
        )
        levels = (
            ["clear"] * 15 + ["green"] * 40 + ["amber"] * 25 + ["amber-strict"] * 15 + ["red"] * 5
        )
        cases = Case.objects.bulk_create(
            [
                Case(
                    organisation=orgs[rng.randrange(ORGS)],
                    title=f"Report {i}: a demand",
                    case_type=rng.choice(types),
                    topics=rng.sample(topics, 2),
                    counterpart=rng.choice(counterparts),
                    counterpart_kind="consulate",
                    counterpart_name="Consulate",
                    tlp=rng.choice(levels),
                    anonymous=rng.random() < 0.15,
                    state="published",
                    published_at=now,
                    summary="What happened.",
                )
                for i in range(CASES)
            ]
        )
        CaseRecipientOrganisation.objects.bulk_create(
            [
                CaseRecipientOrganisation(case=c, organisation=o)
                for c in cases
                if c.tlp == "amber"
                for o in {orgs[rng.randrange(ORGS)] for _ in range(2)}
                if o.pk != c.organisation_id
            ]
        )
        # What each person may see, approximately as the fan-out would have checked it.
        by_org: dict[int, list] = {}
        for c in cases:
            by_org.setdefault(c.organisation_id, []).append(c)
        open_cases = [c for c in cases if c.tlp in ("clear", "green")]
        watches, notes = [], []
        for n, person in enumerate(people):
            own = by_org.get(person.organisation_id, [])
            pool = open_cases + own
            for k in range(WATCHES_PER_USER):
                watches.append(
                    Watch(user=person, kind="topic", topic=topics[(n + k) % len(topics)])
                )
            for case in rng.sample(pool, NOTES_PER_USER):
                notes.append(Notification(user=person, kind="case", case=case))
            if n % 10 == 0:
                notes.append(
                    Notification(
                        user=person,
                        kind="pattern",
                        counterpart=rng.choice(counterparts),
                        counts={"case_type": "demand", "organisations": 3, "cases": 4, "days": 90},
                    )
                )
        Watch.objects.bulk_create(watches, batch_size=5000, ignore_conflicts=True)
        Notification.objects.bulk_create(notes, batch_size=5000, ignore_conflicts=True)
    from twinwise.core.db import refresh_statistics

    refresh_statistics()
    return {
        "users": len(people),
        "organisations": ORGS,
        "cases": CASES,
        "notifications": Notification.objects.count(),
        "build_s": time.perf_counter() - started,
    }


def measure() -> dict:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from twinwise.accounts.models import User
    from twinwise.peers import services

    mail.outbox = []
    sample = list(User.objects.order_by("?")[:SAMPLE])
    timings, queries = [], []
    for person in sample:
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            services.digest_build(user=person)
            timings.append((time.perf_counter() - t) * 1000)
        queries.append(len(ctx.captured_queries))
    started = time.perf_counter()
    sent = services.digests_send(frequency="weekly")
    total = time.perf_counter() - started
    timings.sort()
    return {
        "sent": sent,
        "emails_in_outbox": len(mail.outbox),
        "total_s": round(total, 1),
        "digests_per_s": round(sent / total, 1) if total else None,
        "build_ms_p50": round(statistics.median(timings), 1),
        "build_ms_p95": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "queries_per_digest": statistics.median(queries),
        "example_subject": mail.outbox[0].subject if mail.outbox else "",
    }


def markdown(data: dict, results: dict) -> str:
    return "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs "
            f"(shared), SQLite, `python bench/digest_bench.py --users {data['users']}`.",
            "",
            "| what | value |",
            "|---|---|",
            f"| people with a due weekly digest | {data['users']:,} in {data['organisations']} offices |",
            f"| unsent notifications | {data['notifications']:,} over {data['cases']:,} reports |",
            f"| digests sent (`digests_send`, build + render + send + mark) | {results['sent']:,} in {results['total_s']} s ({results['digests_per_s']}/s) |",
            f"| one digest built alone, p50 / p95 | {results['build_ms_p50']} ms / {results['build_ms_p95']} ms |",
            f"| queries per digest (median) | {results['queries_per_digest']} |",
            f"| data set built in | {data['build_s']:.0f} s |",
        ]
    )


def write_docs(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    if START not in doc:
        doc = (
            doc.rstrip("\n")
            + "\n\n## Digest build for 10,000 users (peer learning)\n\n"
            + (
                "`python bench/digest_bench.py` (part of `make bench`); method in its docstring.\n\n"
                f"{START}\n{END}\n"
            )
        )
    head, rest = doc.split(START, 1)
    _old, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--json", type=Path)
    p.add_argument("--docs", action="store_true", help="write the results into docs/performance.md")
    args = p.parse_args(argv)
    setup(args.users)
    data = build(args.users)
    print(f"built: {data}", flush=True)
    results = measure()
    print(json.dumps(results, indent=2))
    table = markdown(data, results)
    print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"data": data, "results": results}, indent=2))
    if args.docs:
        write_docs(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
