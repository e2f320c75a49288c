"""Where twinwise's registry query spends its time at N rows (in process, no HTTP).

    python bench/profile_twinwise.py            # after `python bench/generate.py`
    python bench/profile_twinwise.py --json out.json

1. Builds the registry index (`facets.RegistryIndex`) the way a worker's first request
   does, and reports its time, the resident memory it leaves and the peak while building,
   plus a cProfile of the build.
2. Sends every mix through the API view with Django's test client and splits each
   request into: the in-memory engine (`RegistryIndex.search`), SQL (per statement shape)
   and the rest (Django, ninja, labels, serialisation).
3. Runs ANALYZE on the partnership tables and does 2. again — the what-if for SQLite's
   query planner — then removes those statistics again, leaving the database as it was.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import mixes as mixes_mod  # noqa: E402
from generate import DATA_DIR, DB_PATH  # noqa: E402
from loadgen import percentile  # noqa: E402

STATS_TABLES = ("partnerships_partnership", "partnerships_partnershipsource")


def analyze(db_path) -> float:
    """Collect planner statistics for the partnership tables; returns seconds taken."""
    t = time.perf_counter()
    db = sqlite3.connect(db_path, timeout=60)
    try:
        for table in STATS_TABLES:
            db.execute(f"ANALYZE {table}")
        db.commit()
    finally:
        db.close()
    return time.perf_counter() - t


def reset_stats(db_path) -> None:
    """Forget planner statistics of twinwise's tables (the state twinwise leaves them in)."""
    db = sqlite3.connect(db_path, timeout=60)
    try:
        has_stats = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
        if has_stats:
            db.execute("DELETE FROM sqlite_stat1 WHERE tbl != 'registry_flat'")
            db.commit()
    finally:
        db.close()


def _memory_kb() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def _setup_django() -> None:
    os.environ["TWINWISE_DATA_DIR"] = str(DATA_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "twinwise.settings.dev"
    os.environ["TWINWISE_DEBUG"] = "false"  # no query log, like production
    import django

    django.setup()


def profile_build(top: int = 12) -> dict:
    from twinwise.core.versioning import current
    from twinwise.partnerships import facets

    before = _memory_kb()
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    index = facets.RegistryIndex(current(facets.DATA_SET))
    profiler.disable()
    seconds = time.perf_counter() - t
    after = _memory_kb()
    # A second build without the profiler: cProfile slows Python-heavy loops down.
    t = time.perf_counter()
    facets._snapshot = facets.RegistryIndex(current(facets.DATA_SET))
    plain_seconds = time.perf_counter() - t
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return {
        "rows": index.n,
        "build_s": plain_seconds,
        "build_profiled_s": seconds,
        "rss_before_mb": before["VmRSS"] / 1024,
        "rss_after_mb": after["VmRSS"] / 1024,
        "peak_rss_mb": after["VmHWM"] / 1024,
        "index_arrays_mb": (
            sum(c.nbytes for c in index.cols.values())
            + index.ids.nbytes
            + sum(o.nbytes for o in index.order.values())
        )
        / 2**20,
        "cprofile_top": _trim_pstats(out.getvalue()),
    }


def _trim_pstats(text: str) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line.replace(str(Path.cwd()) + "/", "") for line in lines[start:] if line)


def _statement_kind(sql: str) -> str:
    head = sql[:200]
    if "partnershipsource" in head:
        return "sql: sources (prefetch)"
    if '"partnerships_partnership"."id"' in head:
        return "sql: partnership rows"
    if "directory_place" in head:
        return "sql: places (rows, labels)"
    if "directory_country" in head:
        return "sql: countries"
    return "sql: other"


def profile_requests(mix_list, repeats: int = 2) -> dict:
    """Per-phase times of the API request for every mix (the last of `repeats` runs)."""
    from django.db import connection
    from django.test import Client

    from twinwise.partnerships import facets

    client = Client()
    phases: dict[str, float] = defaultdict(float)
    original_search = facets.RegistryIndex.search

    def timed_search(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return original_search(self, *args, **kwargs)
        finally:
            phases["engine (RegistryIndex.search)"] += time.perf_counter() - t

    def sql_wrapper(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            phases[_statement_kind(sql)] += time.perf_counter() - t

    per_category: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, float] = defaultdict(float)
    facets.RegistryIndex.search = timed_search
    try:
        with connection.execute_wrapper(sql_wrapper):
            for mix in mix_list:
                path = mixes_mod.twinwise_path(mix)
                for _ in range(repeats):
                    phases.clear()
                    t = time.perf_counter()
                    response = client.get(path)
                    total = time.perf_counter() - t
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} answered {response.status_code}")
                group = "text" if mix.is_text else "facet mixes"
                per_category[group].append(total)
                totals[f"{group}|total"] += total
                accounted = 0.0
                for name, seconds in phases.items():
                    totals[f"{group}|{name}"] += seconds
                    accounted += seconds
                totals[f"{group}|rest (Django, ninja, labels, JSON)"] += total - accounted
    finally:
        facets.RegistryIndex.search = original_search
    out = {}
    for group, values in per_category.items():
        n = len(values)
        ordered = sorted(values)
        out[group] = {
            "requests": n,
            "p50_ms": percentile(ordered, 50) * 1000,
            "p95_ms": percentile(ordered, 95) * 1000,
            "mean_ms_by_phase": {
                key.split("|", 1)[1]: seconds / n * 1000
                for key, seconds in sorted(totals.items(), key=lambda kv: -kv[1])
                if key.startswith(group + "|")
            },
        }
    return out


def profile_engine(mix_list, top: int = 12) -> str:
    """cProfile of the engine alone over the facet mixes (which numpy calls dominate)."""
    from twinwise.partnerships import facets

    index = facets.get_index()
    profiler = cProfile.Profile()
    filters = [_filters(m) for m in mix_list if not m.is_text]
    profiler.enable()
    for f in filters:
        index.search(f, frozenset({"clear"}), sort="counterpart", offset=0, limit=20)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return _trim_pstats(out.getvalue())


def _filters(mix):
    from twinwise.partnerships import facets

    values: dict[str, tuple] = defaultdict(tuple)
    for facet, value in mix.filters:
        values[facet] += (int(value),) if facet == "counterpart" else (value,)
    return facets.Filters(**values)


def markdown(result: dict) -> str:
    """The profile as the docs/performance.md section."""
    b = result["build"]
    lines = [
        f"In-process profile (`python bench/profile_twinwise.py`, Django test client, one "
        f"thread, no HTTP) at {b['rows']:,} rows.",
        "",
        f"**Index build** (`facets.RegistryIndex`, a worker's first request): "
        f"{b['build_s']:.1f} s; resident memory {b['rss_before_mb']:,.0f} → "
        f"{b['rss_after_mb']:,.0f} MB after, peak {b['peak_rss_mb']:,.0f} MB while building "
        f"(the numpy arrays themselves: {b['index_arrays_mb']:,.0f} MB).",
        "",
        "Mean ms per request by phase:",
        "",
    ]
    variants = [(k, v) for k, v in (("as shipped", result.get("requests_as_shipped")),
                ("with ANALYZE", result.get("requests_with_analyze"))) if v]  # fmt: skip
    header = [f"{name}, {group}" for name, v in variants for group in v]
    lines += ["| phase | " + " | ".join(header) + " |", "|---" * (len(header) + 1) + "|"]
    phases = list(
        dict.fromkeys(p for _n, v in variants for g in v.values() for p in g["mean_ms_by_phase"])
    )
    for phase in phases:
        cells = [
            f"{g['mean_ms_by_phase'].get(phase, 0):,.1f}" for _n, v in variants for g in v.values()
        ]
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    cells = [f"{g['p50_ms']:,.0f} / {g['p95_ms']:,.0f}" for _n, v in variants for g in v.values()]
    lines.append("| p50 / p95 | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Top of the build's cProfile (tottime):",
        "",
        "```",
        b["cprofile_top"],
        "```",
        "",
        "Top of the engine's cProfile over the facet mixes (tottime):",
        "",
        "```",
        result["engine_cprofile"],
        "```",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--no-what-if", action="store_true", help="skip the ANALYZE what-if")
    args = parser.parse_args(argv)
    if not DB_PATH.exists():
        parser.error("no benchmark database: run python bench/generate.py first")
    reset_stats(DB_PATH)
    _setup_django()
    mix_list = mixes_mod.build(DB_PATH)
    result = {"build": profile_build()}
    print(json.dumps({k: v for k, v in result["build"].items() if k != "cprofile_top"}))
    print(result["build"]["cprofile_top"])
    result["requests_as_shipped"] = profile_requests(mix_list)
    print(json.dumps(result["requests_as_shipped"], indent=1))
    result["engine_cprofile"] = profile_engine(mix_list)
    print(result["engine_cprofile"])
    if not args.no_what_if:
        try:
            result["analyze_s"] = analyze(DB_PATH)
            from django.db import connection

            connection.close()  # the next connection reads the new statistics
            result["requests_with_analyze"] = profile_requests(mix_list)
            print(json.dumps(result["requests_with_analyze"], indent=1))
        finally:
            reset_stats(DB_PATH)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
