"""In-process timing of the case list's search (`case_search`) on the generated case database.

    python bench/generate_cases.py                 # first: 1,000,000 cases (reused if present)
    python bench/cases_bench.py                    # then: p50/p95 per query mix
    python bench/cases_bench.py --runs 50 --json bench/out/cases-results.json

Django is set up against `bench/out/cases-data/` (TWINWISE_DATA_DIR) and `case_search()` is
called directly — no HTTP server (the registry benchmark measures the HTTP stack's
overhead, ~10 ms per request). Per actor and query mix: warm-up calls, then `--runs` timed
calls (wall clock around `parse_case_query` + `case_search`, facets and one page of 25
rows included); then one to three more calls under cProfile, to split the time into SQL (inside the
sqlite3 cursor's execute and fetch calls) and Python (the rest). Finally
EXPLAIN QUERY PLAN of the slowest single query seen.

Actors: an officer of a mid-sized verified organisation (median number of own cases among
verified organisations), signed in with two factors (`Actor.from_user(user, strong=True)`),
and an anonymous visitor.
"""

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_cases import data_dir, django_setup, read_marker

MIXES = (
    ("unfiltered list", {}),
    ("one topic", {"topic": "tibet"}),
    ("case type + year", {"case_type": "demand", "year": "2024"}),
    ('q="Konsulat"', {"q": "Konsulat"}),
    ('q="film" + topic', {"q": "film", "topic": "culture"}),
    ("mine=1", {"mine": "1"}),
    # The text mixes without relevance ranking (added after the first 1M run: the ranked
    # ones never finished).
    ('q="Konsulat" sort=newest', {"q": "Konsulat", "sort": "newest"}),
    ('q="film" + topic sort=newest', {"q": "film", "topic": "culture", "sort": "newest"}),
    # Words as real reports would use them (a city, a two-word name), and paging through a
    # frequent word's results (its matches cached since the first page: "_warm").
    ('q="Chengdu"', {"q": "Chengdu"}),
    ('q="Dalai Lama"', {"q": "Dalai Lama"}),
    ('q="Konsulat" page 2 (warm)', {"q": "Konsulat", "page": "2", "_warm": True}),
)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def member_user():
    from django.db.models import Count

    from twinwise.accounts.models import Organisation, User

    orgs = list(
        Organisation.objects.filter(verified=True)
        .annotate(n=Count("cases"))
        .order_by("n", "id")
        .values_list("id", "n")
    )
    org_id, n = orgs[len(orgs) // 2]
    user = User.objects.select_related("organisation").get(
        organisation_id=org_id, role="officer", username__endswith="-1"
    )
    return user, n


class Interrupted(Exception):
    pass


def _guarded(fn, limit_s: float):
    """fn() with the SQLite connection interrupted after `limit_s` seconds."""
    import threading

    from django.db import OperationalError, connection

    connection.ensure_connection()
    timer = threading.Timer(limit_s, connection.connection.interrupt)
    timer.start()
    try:
        return fn()
    except OperationalError as error:
        if "interrupt" in str(error):
            raise Interrupted from error
        raise
    finally:
        timer.cancel()


def _sqlite_seconds(profile) -> float:
    """Seconds spent in the sqlite3 module's cursor calls (C functions, so tottime)."""
    stats = pstats.Stats(profile).stats
    return sum(
        tottime
        for (_file, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.items()
        if "sqlite3.Cursor" in name or "SQLiteCursorWrapper.execute" in name
    )


def run_mix(
    actor,
    params: dict,
    runs: int,
    warmup: int,
    budget_s: float,
    limit_s: float,
    min_runs: int = 3,
) -> dict:
    """Timed calls until `runs` or the mix's time budget (at least `min_runs`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from twinwise.cases.search import case_search, parse_case_query

    def once():
        # Text matches are cached per index snapshot; clear them so every timed text search
        # pays for its full-text query, as the first search for a word after a write does.
        from twinwise.cases.index import case_index

        cache = case_index().cache
        for key in [k for k in cache if k[0] == "text" and not warm]:
            del cache[key]
        return _guarded(lambda: case_search(actor=actor, query=parse_case_query(asked)), limit_s)

    warm = params.get("_warm", False)
    asked = {k: v for k, v in params.items() if not k.startswith("_")}

    result = {"runs": 0, "interrupted": False}
    try:
        t = time.perf_counter()
        page = once()
        first = time.perf_counter() - t
        for _ in range(warmup - 1 if first < 1 else 0):  # one warm-up call when slow
            once()
        times, cpu = [], []
        started = time.perf_counter()
        while len(times) < runs and (len(times) < 3 or time.perf_counter() - started < budget_s):
            t, c = time.perf_counter(), time.thread_time()
            page = once()
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
    except Interrupted:
        result.update(interrupted=True, limit_s=limit_s)
        return result
    # The split: captured runs under cProfile. SQL time is the time spent inside the
    # sqlite3 cursor's execute *and* fetch calls (SQLite computes a grouped or sorted result
    # partly while it is fetched, so Django's query log, which times execute only, misses
    # part of it); Python is the rest of the wall time.
    sql_ms, wall_ms, queries = [], [], []
    for _ in range(3 if pct(times, 0.5) < 1000 else 1):
        profile = cProfile.Profile()
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            profile.enable()
            once()
            profile.disable()
            wall_ms.append((time.perf_counter() - t) * 1000)
        sql_ms.append(_sqlite_seconds(profile) * 1000)
        queries = ctx.captured_queries
    slowest = max(queries, key=lambda q: float(q["time"])) if queries else None
    result.update(
        total=page.total,
        rows=len(page.rows),
        runs=len(times),
        p50_ms=round(pct(times, 0.5), 1),
        p95_ms=round(pct(times, 0.95), 1),
        max_ms=round(max(times), 1),
        cpu_p50_ms=round(pct(cpu, 0.5), 1),
        cpu_p95_ms=round(pct(cpu, 0.95), 1),
        queries=len(queries),
        sql_ms_median=round(statistics.median(sql_ms), 1),
        python_ms_median=round(
            statistics.median(w - s for w, s in zip(wall_ms, sql_ms, strict=True)), 1
        ),
        slowest_query_ms=round(float(slowest["time"]) * 1000, 1) if slowest else 0,
        slowest_sql=slowest["sql"] if slowest else "",
        query_ms=[round(float(q["time"]) * 1000, 1) for q in queries],
    )
    return result


def _memory_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def build_index() -> dict:
    """The case index's first build (what a worker pays once after a restart)."""
    from twinwise.cases.index import case_index

    t = time.perf_counter()
    case_index()
    seconds = time.perf_counter() - t
    rss, peak = _memory_mb()
    return {"seconds": seconds, "rss_mb": rss, "peak_mb": peak}


def after_a_write(actor, user, runs: int = 10) -> dict:
    """Save one of the member's cases, then list: the index patches itself (ADR 0009)."""
    from twinwise.cases.models import Case
    from twinwise.cases.search import case_search, parse_case_query

    own = list(Case.objects.filter(organisation_id=user.organisation_id)[:runs])
    times, cpu = [], []
    for case in own:
        case.save()  # renews the stamp and updated_at, as any edit does
        t, c = time.perf_counter(), time.thread_time()
        case_search(actor=actor, query=parse_case_query({}))
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    return {
        "runs": len(times),
        "cpu_p95_ms": round(pct(cpu, 0.95), 1),
        "p50_ms": round(pct(times, 0.5), 1),
        "p95_ms": round(pct(times, 0.95), 1),
    }


DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
START, END = "<!-- bench:cases:start -->", "<!-- bench:cases:end -->"


def write_docs(results: list[dict], index_build: dict, write: dict) -> None:
    """The results table of docs/performance.md's case section, between its markers."""
    import os

    rows = [
        "| actor | mix | matches | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        actor = "member" if r["actor"].startswith("member") else "anonymous"
        if r["interrupted"]:
            rows.append(f"| {actor} | {r['mix']} | — | > {r['limit_s']:.0f} s | | | |")
            continue
        rows.append(
            f"| {actor} | {r['mix']} | {r['total']:,} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} "
            f"| {r['cpu_p50_ms']:.0f} | {r['cpu_p95_ms']:.0f} |"
        )
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    rows += [
        "",
        f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"(`python bench/cases_bench.py --docs`), load average {load} on 2 cores. "
        f"Index build {index_build['seconds']:.1f} s, RSS {index_build['rss_mb']:.0f} MB "
        f"after, peak {index_build['peak_mb']:.0f} MB. A write, then the member's list "
        f"(the index patched): p50 {write['p50_ms']} ms, p95 {write['p95_ms']} ms "
        f"(CPU p95 {write['cpu_p95_ms']} ms).",
    ]
    text = DOCS.read_text()
    head, rest = text.split(START, 1)
    DOCS.write_text(head + START + "\n" + "\n".join(rows) + "\n" + END + rest.split(END, 1)[1])


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return [f"{'  ' * (row[1] > 0)}{row[3]}" for row in cursor.fetchall()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="default bench/out/cases-data")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--max-seconds", type=float, default=40, help="time budget per mix (≥ 3 runs)"
    )
    parser.add_argument(
        "--limit", type=float, default=60, help="a single call is interrupted after this"
    )
    parser.add_argument("--min-runs", type=int, default=3, help="timed runs despite the budget")
    parser.add_argument("--mix", action="append", help="only these mixes (by name)")
    parser.add_argument("--anonymous-only", action="store_true")
    parser.add_argument("--member-only", action="store_true")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument(
        "--docs", action="store_true", help="rewrite the results table in docs/performance.md"
    )
    args = parser.parse_args(argv)
    directory = data_dir(args.data_dir)
    marker = read_marker(directory)
    if marker is None:
        parser.error(f"no generated database in {directory}: run bench/generate_cases.py")
    django_setup(directory)
    import sqlite3

    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a database generated before a later migration

    import django

    from twinwise.access.actors import Actor

    user, own_cases = member_user()
    index_build = build_index()
    actors = {
        f"member (officer, org {user.organisation_id}, {own_cases:,} own cases)": Actor.from_user(
            user, strong=True
        ),
        "anonymous": Actor.anonymous(),
    }
    print(
        f"{marker['cases']:,} cases, {marker['counts']['organisations']:,} organisations; "
        f"SQLite {sqlite3.sqlite_version}, Django {django.get_version()}, {args.runs} runs"
    )
    results = []
    print(
        "| actor | mix | matches | runs | p50 ms | p95 ms | max ms | CPU p50 ms | CPU p95 ms "
        "| queries | SQL ms | Python ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for actor_name, actor in actors.items():
        for mix_name, params in MIXES:
            if params.get("mine") and actor.organisation_id is None:
                continue
            if args.mix and mix_name not in args.mix:
                continue
            if (args.anonymous_only and actor.organisation_id is not None) or (
                args.member_only and actor.organisation_id is None
            ):
                continue
            r = run_mix(
                actor,
                params,
                args.runs,
                args.warmup,
                args.max_seconds,
                args.limit,
                args.min_runs,
            )
            r.update(actor=actor_name, mix=mix_name, params=params)
            results.append(r)
            if r["interrupted"]:
                print(f"| {actor_name} | {mix_name} | — | > {args.limit:.0f} s (interrupted) |")
                continue
            print(
                f"| {actor_name} | {mix_name} | {r['total']:,} | {r['runs']} | {r['p50_ms']} "
                f"| {r['p95_ms']} "
                f"| {r['max_ms']} | {r['cpu_p50_ms']} | {r['cpu_p95_ms']} "
                f"| {r['queries']} | {r['sql_ms_median']} "
                f"| {r['python_ms_median']} |",
                flush=True,
            )
    print(
        f"\nIndex: built in {index_build['seconds']:.1f} s; process RSS {index_build['rss_mb']:.0f} MB"
        f" after, peak {index_build['peak_mb']:.0f} MB"
    )
    write = after_a_write(next(iter(actors.values())), user)
    print(
        f"A write, then the member's unfiltered list (index patched): p50 {write['p50_ms']} ms,"
        f" p95 {write['p95_ms']} ms (CPU p95 {write['cpu_p95_ms']} ms) over {write['runs']} writes"
    )
    finished = [r for r in results if not r["interrupted"]]
    if not finished:
        return 0
    worst = max(finished, key=lambda r: r["p95_ms"])
    print(f"\nSlowest mix: {worst['actor']} / {worst['mix']}; per-query ms {worst['query_ms']}")
    print(f"Slowest query ({worst['slowest_query_ms']} ms):\n{worst['slowest_sql']}\n")
    plan = explain(worst["slowest_sql"])
    print("EXPLAIN QUERY PLAN:\n" + "\n".join(plan))
    if args.docs:
        write_docs(results, index_build, write)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"marker": marker, "results": results, "plan": plan}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
