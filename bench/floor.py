"""The raw-SQL floor: what the registry query costs in SQLite itself, with no web server.

For each facet mix: one COUNT, the 8 facet GROUP BYs (Datasette's shape: value, count,
largest first, at most 31) and the first 20 rows in twinwise's default order, run with
the standard sqlite3 module on one read-only connection, single-threaded. Timed twice:

- `flat`: on `registry_flat`, the denormalised, indexed table that Datasette serves;
- `normalised`: on twinwise's own tables (partnership ⋈ place ⋈ country), the query a
  SQL-only implementation of the registry would run.

Each is bounded by a time budget; mixes run in their interleaved order, so a cut-off
run still covers every category.

    python bench/floor.py [--budget 60]
"""

import argparse
import json
import sqlite3
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mixes as mixes_mod
from loadgen import percentile

FACET_COLUMNS = mixes_mod.DATASETTE_FACETS

NORMALISED = """
WITH r AS (
  SELECT p.id, lp.name AS local_name, lp.country_id AS local_country, lc.region,
         COALESCE(cp.name, co.name) AS counterpart_name, p.counterpart_id,
         COALESCE(cp.province, '') AS province,
         CASE WHEN cc.china_side = '' THEN 'none' ELSE cc.china_side END AS side,
         p.kind, CASE WHEN p.status = '' THEN 'reported' ELSE p.status END AS status,
         CASE WHEN p.signed_year IS NULL THEN 'unknown'
              ELSE CAST(p.signed_year / 10 * 10 AS TEXT) END AS decade,
         p.signed_on, p.tlp
  FROM partnerships_partnership p
  JOIN directory_place lp ON lp.id = p.local_id
  JOIN directory_country lc ON lc.iso2 = lp.country_id
  LEFT JOIN directory_place cp ON cp.id = p.counterpart_id
  LEFT JOIN directory_counterpart co ON co.id = p.counterpart_org_id
  JOIN directory_country cc ON cc.iso2 = COALESCE(cp.country_id, co.country_id)
  WHERE p.tlp = 'clear'
)
"""


def queries(source: str, where: str) -> list[str]:
    head = NORMALISED if source == "normalised" else ""
    table = "r" if source == "normalised" else "registry_flat"
    out = [f"{head}SELECT COUNT(*) FROM {table} WHERE {where}"]
    out += [
        f"{head}SELECT {c}, COUNT(*) AS n FROM {table} WHERE {where} "
        f"GROUP BY {c} ORDER BY n DESC, {c} LIMIT 31"
        for c in FACET_COLUMNS
    ]
    out.append(
        f"{head}SELECT * FROM {table} WHERE {where} "
        f"ORDER BY counterpart_name, id LIMIT {mixes_mod.PAGE_SIZE}"
    )
    return out


def measure(db_path, mix_list, source: str, budget_s: float, mix_limit_s: float = 15) -> dict:
    """Time every facet mix (count + facets + rows) until the budget is spent.

    A mix still running after `mix_limit_s` is interrupted and counted at the limit
    ("censored"): its true time is longer, so percentiles over censored runs are lower bounds.
    """
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
    db.execute("PRAGMA cache_size = -64000")  # what twinwise's connections use
    timings, counts, stopped, censored = [], {}, "all mixes", 0
    start = time.perf_counter()
    facet_mixes = [m for m in mix_list if not m.is_text]
    try:
        for i, mix in enumerate(facet_mixes):
            if time.perf_counter() - start > budget_s:
                stopped = f"budget ({i} of {len(facet_mixes)} mixes)"
                break
            where, params = mixes_mod.sql_where(mix)
            timer = threading.Timer(mix_limit_s, db.interrupt)
            t = time.perf_counter()
            timer.start()
            try:
                for n, sql in enumerate(queries(source, where)):
                    rows = db.execute(sql, params).fetchall()
                    if n == 0:
                        counts[mix.label] = rows[0][0]
                timings.append(time.perf_counter() - t)
            except sqlite3.OperationalError as exc:
                if "interrupted" not in str(exc):
                    raise
                timings.append(mix_limit_s)
                censored += 1
            finally:
                timer.cancel()
    finally:
        db.close()
    ordered = sorted(timings)
    return {
        "source": source,
        "mixes": len(timings),
        "of": len(facet_mixes),
        "censored": censored,
        "mix_limit_s": mix_limit_s,
        "p50_ms": percentile(ordered, 50) * 1000,
        "p95_ms": percentile(ordered, 95) * 1000,
        "max_ms": (ordered[-1] if ordered else float("nan")) * 1000,
        "stopped": stopped,
        "counts": counts,
    }


def main(argv: list[str] | None = None) -> int:
    from generate import DB_PATH

    parser = argparse.ArgumentParser(description="Raw SQLite timings of the registry query.")
    parser.add_argument("--budget", type=float, default=60, help="seconds per source")
    parser.add_argument("--mix-limit", type=float, default=15, help="seconds per mix")
    args = parser.parse_args(argv)
    mix_list = mixes_mod.build(DB_PATH)
    for source in ("flat", "normalised"):
        result = measure(DB_PATH, mix_list, source, args.budget, args.mix_limit)
        result.pop("counts")
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
