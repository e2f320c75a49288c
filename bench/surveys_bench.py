"""In-process timing of the survey results at network scale (`make bench` runs it after the
registry benchmark; alone: `python bench/surveys_bench.py`).

A fresh SQLite database in bench/out/surveys-data/ gets a network of `--orgs` verified
member organisations in 30 countries and one directors' poll campaign per year for
`--years` years, every organisation answering every year (random but seeded answers,
written with bulk_create — the services are not what is measured). Then, as a coordinator
and as a member officer: the results of the latest campaign (what the page, the JSON, the
API and the exports compute), a breakdown by country, the five-year trend of one question,
the "you and your peers" page and the capacity benchmark. Warm calls, p50/p95 over `--runs`.
The numbers go to stdout and to bench/out/surveys-results.json.
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
OUT_DIR = BENCH_DIR / "out"
DATA_DIR = OUT_DIR / "surveys-data"


def setup(fresh: bool) -> None:
    if fresh and DATA_DIR.exists():
        shutil.rmtree(DATA_DIR)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["TWINWISE_DATA_DIR"] = str(DATA_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinwise.settings.dev")
    os.environ.setdefault("TWINWISE_DEBUG", "false")
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(orgs: int, years: int, seed: int = 7) -> None:
    from twinwise.accounts.models import Organisation, User
    from twinwise.core import taxonomy
    from twinwise.directory.models import Country
    from twinwise.surveys.models import Campaign, Participation, Response, Survey
    from twinwise.surveys.segments import population_band

    rng = random.Random(seed)
    countries = [
        Country(
            iso2=f"Q{i:01d}"[:2] if i < 10 else f"{chr(65 + i // 26)}{chr(65 + i % 26)}",
            name=f"Country {i}",
            region=rng.choice(["europe", "north-america", "asia"]),
        )
        for i in range(30)
    ]
    Country.objects.bulk_create(countries, ignore_conflicts=True)
    countries = list(Country.objects.all()[:30])
    members = Organisation.objects.bulk_create(
        Organisation(
            slug=f"org-{i}",
            name=f"Organisation {i}",
            country=countries[i % len(countries)],
            population=rng.choice([60_000, 250_000, 700_000, 2_000_000]) + i,
            verified=True,
        )
        for i in range(orgs)
    )
    survey = Survey.objects.get(slug="directors-poll")
    domains = list(taxonomy.ids("partnership_domains"))
    incidents = list(taxonomy.ids("case_types"))
    now = __import__("django.utils.timezone", fromlist=["now"]).now()
    for year in range(2026 - years + 1, 2027):
        campaign = Campaign.objects.create(
            survey=survey, year=year, anonymity="peers", state="closed" if year < 2026 else "open"
        )
        Response.objects.bulk_create(
            Response(
                campaign=campaign,
                organisation=org,
                state="submitted",
                answers={
                    "motivations": rng.sample(domains, rng.randint(1, 3)),
                    "relationship": rng.choice(["poor", "fair", "good", "excellent"]),
                    "outlook": rng.randint(1, 5),
                    "incidents": rng.sample(incidents, rng.randint(0, 2)),
                    "has_international_office": "yes",
                    "international_staff_fte": round(rng.uniform(0.5, 40), 1),
                },
                country_id=org.country_id,
                region=countries[i % len(countries)].region,
                population_band=population_band(org.population),
                updated_at=now,
            )
            for i, org in enumerate(members)
        )
        Participation.objects.bulk_create(
            Participation(campaign=campaign, organisation=org, submitted_at=now) for org in members
        )
    User.objects.create(username="bench-coordinator", is_moderator=True)
    User.objects.create(username="bench-officer", organisation=members[0], role="officer")


def timed(fn, runs: int) -> dict:
    fn()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def measure(runs: int) -> dict:
    from twinwise.access.actors import Actor
    from twinwise.accounts.models import User
    from twinwise.surveys import selectors
    from twinwise.surveys.models import Campaign, Survey

    survey = Survey.objects.get(slug="directors-poll")
    campaign = Campaign.objects.filter(survey=survey).order_by("-year").first()
    results = {}
    for who in ("bench-coordinator", "bench-officer"):
        actor = Actor.from_user(User.objects.get(username=who), strong=True)
        checks = {
            "results (page, JSON, API, exports)": lambda a=actor: selectors.campaign_results(
                actor=a, campaign=campaign
            ),
            "breakdown by country": lambda a=actor: selectors.breakdown(
                actor=a, campaign=campaign, dimension="country", question_key="relationship"
            ),
            "trend over all years": lambda a=actor: selectors.trend(
                actor=a, survey=survey, question_key="motivations"
            ),
            "capacity benchmark": lambda a=actor: selectors.capacity(actor=a, campaign=campaign),
        }
        if who == "bench-officer":
            checks["you and your peers"] = lambda a=actor: selectors.peers_comparison(
                actor=a, campaign=campaign
            )
        results[who] = {name: timed(fn, runs) for name, fn in checks.items()}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    setup(fresh=True)
    generate(args.orgs, args.years)
    generated = time.perf_counter() - started
    numbers = measure(args.runs)
    report = {
        "orgs": args.orgs,
        "years": args.years,
        "responses": args.orgs * args.years,
        "runs": args.runs,
        "generate_s": round(generated, 1),
        "results": numbers,
    }
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "surveys-results.json").write_text(json.dumps(report, indent=2))
    print(
        f"Surveys: {args.orgs} organisations × {args.years} years = {args.orgs * args.years} responses (generated in {generated:.0f} s)"
    )
    for who, rows in numbers.items():
        for name, value in rows.items():
            print(
                f"  {who:18} {name:38} p50 {value['p50_ms']:8.1f} ms   p95 {value['p95_ms']:8.1f} ms"
            )


if __name__ == "__main__":
    main()
