"""Generate N synthetic partnerships into a fresh twinwise database for the benchmark.

    python bench/generate.py --rows 1000000            # reuse the database if it matches
    python bench/generate.py --rows 1000000 --rebuild  # always start from scratch

What it builds, in `bench/out/data/` (gitignored; TWINWISE_DATA_DIR points there):

1. `twinwise migrate` on an empty file, then the real reference data through the real
   services: `countries_load()` and `places_load_geonames()` (~34,000 GeoNames places).
2. N partnerships (+ one provenance source each) of twinwise's own schema, inserted with
   raw `executemany` in big batches inside one transaction; the table's secondary indexes
   are dropped first and recreated from their own DDL afterwards, so the schema at the end
   is exactly twinwise's. The skew is meant to look like the registry at scale:
   - local places: every non-Chinese place, weighted by population**0.7 and by region
     (Europe x6, North America x4: the registry is about European and North American ties);
   - counterparts: ~90% a Chinese-side place (CN/HK/MO/TW, weighted by population**0.9,
     so Beijing, Shanghai, Chongqing… dominate), ~10% another non-Chinese place;
   - kind: mostly sister-city and friendship-city; status: ~85% '' (reported);
     signed year: ~25% unknown, the rest around 1985-2015; domains: ~half empty;
     tlp: ~95% clear, a few % green/amber/amber+strict/red.
   Then `twinwise.core.versioning.bump("partnerships")` so every worker rebuilds its index,
   and `twinwise.core.db.refresh_statistics()` (ANALYZE), as twinwise's own loaders do.
3. `registry_flat`: the same public (tlp='clear') rows denormalised into one table with an
   index on every facet column, plus `counterpart_name` for the sort: Datasette's best case.

A marker file (`bench-marker.json`, written last) records N, the seed and the generator
version; a rerun with the same values reuses the database, so only the first run pays.
"""

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from itertools import repeat
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
DATA_DIR = OUT_DIR / "data"
DB_PATH = DATA_DIR / "twinwise.sqlite3"
MARKER = DATA_DIR / "bench-marker.json"
GENERATOR_VERSION = 4  # bump when the generated data changes shape (4: planner statistics)
DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 20260101
BATCH = 50_000
CREATED = "2026-01-01 00:00:00"

KINDS = {
    "sister-city": 0.52,
    "friendship-city": 0.22,
    "memorandum-of-understanding": 0.10,
    "cooperation-agreement": 0.08,
    "project-agreement": 0.04,
    "network-membership": 0.02,
    "other": 0.02,
}
STATUSES = {"": 0.85, "active": 0.07, "dormant": 0.03, "ended": 0.03, "suspended": 0.01}
STATUSES["proposed"] = 1 - sum(STATUSES.values())
TLP = {"clear": 0.95, "green": 0.025, "amber": 0.015, "amber-strict": 0.005, "red": 0.005}
REGION_WEIGHT = {"europe": 6.0, "north-america": 4.0}
END_REASONS = (
    "Ended by a council vote.",
    "Ended after years without contact.",
    "Suspended by the mayor, then ended.",
    "Not renewed when the agreement expired.",
)

FLAT_COLUMNS = (
    "side",
    "counterpart_id",
    "province",
    "local_country",
    "region",
    "kind",
    "status",
    "decade",
    "counterpart_name",  # for `_sort=counterpart_name`, twinwise's default order
)
FLAT_SQL = """
CREATE TABLE registry_flat (
    id INTEGER PRIMARY KEY, local_name TEXT, local_country TEXT, region TEXT,
    counterpart_name TEXT, counterpart_id INTEGER, province TEXT, side TEXT, kind TEXT,
    status TEXT, decade TEXT, signed_on TEXT, tlp TEXT
);
INSERT INTO registry_flat
SELECT p.id, lp.name, lp.country_id, lc.region, COALESCE(cp.name, co.name), p.counterpart_id,
       COALESCE(cp.province, ''),
       CASE WHEN cc.china_side = '' THEN 'none' ELSE cc.china_side END,
       p.kind,
       CASE WHEN p.status = '' THEN 'reported' ELSE p.status END,
       CASE WHEN p.signed_year IS NULL THEN 'unknown'
            ELSE CAST(p.signed_year / 10 * 10 AS TEXT) END,
       p.signed_on, p.tlp
FROM partnerships_partnership p
JOIN directory_place lp ON lp.id = p.local_id
JOIN directory_country lc ON lc.iso2 = lp.country_id
LEFT JOIN directory_place cp ON cp.id = p.counterpart_id
LEFT JOIN directory_counterpart co ON co.id = p.counterpart_org_id
JOIN directory_country cc ON cc.iso2 = COALESCE(cp.country_id, co.country_id)
WHERE p.tlp = 'clear'
ORDER BY p.id;
"""


def bench_env() -> dict[str, str]:
    """The environment every benchmark process of twinwise runs with."""
    return {**os.environ, "TWINWISE_DATA_DIR": str(DATA_DIR)}


def read_marker() -> dict | None:
    try:
        return json.loads(MARKER.read_text())
    except (OSError, ValueError):
        return None


def _fresh_database() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    MARKER.unlink(missing_ok=True)
    shutil.rmtree(DATA_DIR / "uploads", ignore_errors=True)


def _migrate() -> None:
    subprocess.run(
        [sys.executable, "-m", "twinwise.cli", "migrate", "--noinput", "-v", "0"],
        cwd=PROJECT_DIR,
        env=bench_env(),
        check=True,
        timeout=300,
    )


def _django() -> None:
    os.environ["TWINWISE_DATA_DIR"] = str(DATA_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinwise.settings.dev")
    os.environ["TWINWISE_DEBUG"] = "false"  # no query log while loading 34k places
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


def _load_reference_data() -> dict[str, int]:
    from django.db import connection

    from twinwise.directory.services import countries_load, places_load_geonames

    counts = {"countries": countries_load(), "places": places_load_geonames()}
    connection.close()
    return counts


def _places(db: sqlite3.Connection):
    """(ids, weights) for local places and Chinese-side places."""
    import numpy as np

    rows = db.execute(
        "SELECT p.id, p.population, c.china_side, c.region FROM directory_place p "
        "JOIN directory_country c ON c.iso2 = p.country_id ORDER BY p.id"
    ).fetchall()
    local = [(pk, pop, region) for pk, pop, side, region in rows if not side]
    chinese = [(pk, pop) for pk, pop, side, _region in rows if side]
    local_ids = np.asarray([r[0] for r in local], np.int64)
    local_w = np.asarray(
        [max(pop, 1000) ** 0.7 * REGION_WEIGHT.get(region, 1.0) for _pk, pop, region in local]
    )
    cn_ids = np.asarray([r[0] for r in chinese], np.int64)
    cn_w = np.asarray([max(pop, 1000) ** 0.9 for _pk, pop in chinese])
    return local_ids, local_w / local_w.sum(), cn_ids, cn_w / cn_w.sum()


def _choice(rng, table: dict, n: int) -> list:
    keys = list(table)
    probs = [table[k] for k in keys]
    return [keys[i] for i in rng.choice(len(keys), size=n, p=probs)]


def _domain_combos(rng) -> list[str]:
    from twinwise.core import taxonomy

    domains = list(taxonomy.ids("partnership_domains"))
    combos = ["[]"] * 60  # ~60% have no domain, like most listed ties
    for _ in range(40):
        k = int(rng.integers(1, 4))
        picked = sorted(rng.choice(len(domains), size=k, replace=False))
        combos.append(json.dumps([domains[i] for i in picked]))
    return combos


def _partnership_columns(rng, n: int, places) -> dict[str, list]:
    """Every generated column as a Python list (vectorised with numpy where it matters)."""
    import numpy as np

    local_ids, local_p, cn_ids, cn_p = places
    local = local_ids[rng.choice(len(local_ids), size=n, p=local_p)]
    chinese = rng.random(n) < 0.9
    counterpart = np.where(
        chinese,
        cn_ids[rng.choice(len(cn_ids), size=n, p=cn_p)],
        local_ids[rng.choice(len(local_ids), size=n, p=local_p)],
    )
    same = counterpart == local  # a place is never its own partner
    counterpart[same] = local_ids[(np.searchsorted(local_ids, local[same]) + 1) % len(local_ids)]

    known = rng.random(n) >= 0.25
    year = np.clip(np.rint(rng.normal(2001, 12, n)), 1950, 2025).astype(np.int64)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    full_date = rng.random(n) < 0.5
    status = _choice(rng, STATUSES, n)
    ended_after = rng.integers(1, 20, n)
    combos = _domain_combos(rng)
    domain_pick = rng.integers(0, len(combos), n)

    years, signed_on, ended_on, ended_year, reasons = [], [], [], [], []
    for i in range(n):
        y = int(year[i]) if known[i] else None
        years.append(y)
        if y is None:
            signed_on.append("")
        elif full_date[i]:
            signed_on.append(f"{y:04d}-{int(month[i]):02d}-{int(day[i]):02d}")
        else:
            signed_on.append(f"{y:04d}")
        if status[i] == "ended":
            end = min(2025, (y or 2005) + int(ended_after[i]))
            ended_year.append(end)
            ended_on.append(str(end))
            reasons.append(END_REASONS[i % len(END_REASONS)])
        else:
            ended_year.append(None)
            ended_on.append("")
            reasons.append("")
    return {
        "local": local.tolist(),
        "counterpart": counterpart.tolist(),
        "kind": _choice(rng, KINDS, n),
        "status": status,
        "tlp": _choice(rng, TLP, n),
        "domains": [combos[i] for i in domain_pick.tolist()],
        "signed_year": years,
        "signed_on": signed_on,
        "ended_year": ended_year,
        "ended_on": ended_on,
        "end_reason": reasons,
    }


def _secondary_indexes(db: sqlite3.Connection, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    marks = ",".join("?" * len(tables))
    return db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks})",
        tables,
    ).fetchall()


# The generated columns in the order of the INSERT's placeholders after external_id.
P_COLUMNS = (
    "kind", "domains", "status", "signed_on", "signed_year", "ended_on", "ended_year",
    "end_reason", "tlp", "counterpart", "local",
)  # fmt: skip


def _insert_partnerships(db: sqlite3.Connection, cols: dict[str, list], n: int) -> None:
    insert_p = (
        "INSERT INTO partnerships_partnership (id, created_at, updated_at, external_id, "
        "counterpart_kind, kind, domains, status, signed_on, signed_year, ended_on, ended_year, "
        "end_reason, tlp, counterpart_id, counterpart_org_id, local_id) "
        "VALUES (?, ?, ?, ?, 'city', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)"
    )
    insert_s = (
        "INSERT INTO partnerships_partnershipsource (id, role, dataset, title, url, reference, "
        "note, partnership_id) VALUES (?, 'listing', 'bench-synthetic', "
        "'Synthetic benchmark record (bench/generate.py)', '', ?, '', ?)"
    )
    c = cols
    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
        part = slice(start, stop)
        ids = range(start + 1, stop + 1)
        db.executemany(
            insert_p,
            zip(
                ids,
                repeat(CREATED),
                repeat(CREATED),
                (f"bench-{i:08d}" for i in ids),
                *(c[name][part] for name in P_COLUMNS),
                strict=False,  # the repeat()s are endless; the others have stop - start items
            ),
        )
        db.executemany(
            insert_s, ((i + 1, f"generate.py:{i + 1}", i + 1) for i in range(start, stop))
        )
        if stop % 250_000 == 0 or stop == n:
            print(f"  inserted {stop:,} / {n:,} partnerships", flush=True)


def _build_flat(db: sqlite3.Connection) -> None:
    db.execute("DROP TABLE IF EXISTS registry_flat")
    for statement in FLAT_SQL.split(";"):  # not executescript: it would COMMIT first
        if statement.strip():
            db.execute(statement)
    for column in FLAT_COLUMNS:
        db.execute(f"CREATE INDEX registry_flat_{column} ON registry_flat ({column})")
    db.execute("ANALYZE registry_flat")


def generate(rows: int, seed: int) -> dict:
    """Build the database from scratch; returns the marker written at the end."""
    import numpy as np

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    _fresh_database()
    _migrate()
    timings["migrate_s"] = time.perf_counter() - t0

    t = time.perf_counter()
    _django()
    reference = _load_reference_data()
    timings["reference_data_s"] = time.perf_counter() - t

    t = time.perf_counter()
    db = sqlite3.connect(DB_PATH, isolation_level=None)
    # A bulk load into a file nobody else has open: no journal, no fsync. WAL is restored
    # afterwards, which is what twinwise runs with.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -400000")
    db.execute("PRAGMA temp_store = MEMORY")
    rng = np.random.default_rng(seed)
    cols = _partnership_columns(rng, rows, _places(db))
    timings["draw_s"] = time.perf_counter() - t

    t = time.perf_counter()
    tables = ("partnerships_partnership", "partnerships_partnershipsource")
    indexes = _secondary_indexes(db, tables)
    db.execute("BEGIN")
    for name, _sql in indexes:
        db.execute(f'DROP INDEX "{name}"')
    _insert_partnerships(db, cols, rows)
    for _name, sql in indexes:
        db.execute(sql)
    db.execute("COMMIT")
    del cols
    timings["insert_s"] = time.perf_counter() - t

    t = time.perf_counter()
    db.execute("BEGIN")
    _build_flat(db)
    db.execute("COMMIT")
    timings["flat_table_s"] = time.perf_counter() - t
    counts = _counts(db)
    db.execute("PRAGMA journal_mode = WAL")
    db.close()

    from django.db import transaction

    from twinwise.core.db import refresh_statistics
    from twinwise.core.versioning import bump

    with transaction.atomic():
        bump("partnerships")
    # What `twinwise import` and `twinwise demo` do after a bulk load: without planner
    # statistics SQLite picks poor plans for the row and source lookups (docs/performance.md).
    t = time.perf_counter()
    refresh_statistics()
    timings["analyze_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    marker = {
        "rows": rows,
        "seed": seed,
        "generator": GENERATOR_VERSION,
        "reference": reference,
        "counts": counts,
        "db_bytes": DB_PATH.stat().st_size,
        "timings": {k: round(v, 1) for k, v in timings.items()},
    }
    MARKER.write_text(json.dumps(marker, indent=2))
    return marker


def _counts(db: sqlite3.Connection) -> dict:
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "partnerships": one("SELECT COUNT(*) FROM partnerships_partnership"),
        "sources": one("SELECT COUNT(*) FROM partnerships_partnershipsource"),
        "places": one("SELECT COUNT(*) FROM directory_place"),
        "public_rows": one("SELECT COUNT(*) FROM registry_flat"),
        "public_china_rows": one("SELECT COUNT(*) FROM registry_flat WHERE side != 'none'"),
        "counterparts_used": one(
            "SELECT COUNT(DISTINCT counterpart_id) FROM registry_flat WHERE side != 'none'"
        ),
        "local_places_used": one("SELECT COUNT(DISTINCT local_id) FROM partnerships_partnership"),
        "europe_north_america_share": round(
            one("SELECT AVG(region IN ('europe', 'north-america')) FROM registry_flat"),
            3,
        ),
    }


def ensure(rows: int, seed: int = DEFAULT_SEED, rebuild: bool = False) -> tuple[dict, bool]:
    """The marker of a database with `rows` partnerships, and whether it was (re)built."""
    marker = read_marker()
    wanted = {"rows": rows, "seed": seed, "generator": GENERATOR_VERSION}
    if (
        not rebuild
        and marker
        and DB_PATH.exists()
        and all(marker.get(k) == v for k, v in wanted.items())
    ):
        return marker, False
    return generate(rows, seed), True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rebuild", action="store_true", help="ignore an existing database")
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 20_000_000:
        parser.error("--rows must be between 1 and 20,000,000")
    t = time.perf_counter()
    marker, built = ensure(args.rows, args.seed, args.rebuild)
    took = time.perf_counter() - t
    if built:
        print(f"Generated {args.rows:,} partnerships in {took:.1f} s → {DB_PATH}")
        print("  " + ", ".join(f"{k} {v} s" for k, v in marker["timings"].items()))
    else:
        print(f"Reusing {DB_PATH} ({args.rows:,} partnerships; --rebuild to regenerate)")
    print("  " + json.dumps(marker["counts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
