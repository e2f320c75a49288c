"""`make bench`: twinwise's registry query at 1,000,000 partnerships, next to Datasette.

    python bench/run.py                                   # what `make bench` runs
    python bench/run.py --rows 1000000 --concurrency 8 --requests 2000 --max-seconds 100
    python bench/run.py --rows 20000 --max-seconds 20     # a quick smoke run

One go, about 10-15 minutes on 2 cores the first time (generation ~1.5 min of it):

1. generate.py: the database with N synthetic partnerships (reused when it matches).
2. floor.py: the same facet counts + 20 rows as raw SQL (flat and normalised), no server.
3. Datasette 0.65.5 serving the flat table (`-i`, facet/SQL limits 10 s, 2 SQL threads):
   warm up, then the facet mixes under closed-loop load (loadgen.py).
4. twinwise under gunicorn (`-w 2`, production settings): warm up (each worker builds its
   registry index on its first request: timed), the facet mixes, the text-search mixes,
   worker memory; then the what-if: ANALYZE on the partnership tables (planner
   statistics twinwise does not collect today) and the same two runs again. The
   statistics are removed afterwards: the database is left as twinwise would have it.
5. A markdown table on stdout, the raw numbers in bench/out/results.json and the results
   section of docs/performance.md (between its markers) rewritten.

Every phase is bounded (request counts, per-run time caps, per-query limits) and both
servers are stopped on exit, on errors and on Ctrl-C. Optional: `--profile` also runs
profile_twinwise.py (in-process breakdown; ~3 more minutes) and writes its section.
"""

import argparse
import datetime as dt
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import floor  # noqa: E402
import loadgen  # noqa: E402
import mixes as mixes_mod  # noqa: E402
import servers  # noqa: E402
from generate import DATA_DIR, DB_PATH, DEFAULT_ROWS, OUT_DIR, PROJECT_DIR  # noqa: E402
from profile_twinwise import analyze, reset_stats  # noqa: E402
from profile_twinwise import markdown as profile_markdown  # noqa: E402

DOC = PROJECT_DIR / "docs" / "performance.md"
RESULTS_START, RESULTS_END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
PROFILE_START, PROFILE_END = "<!-- bench:profile:start -->", "<!-- bench:profile:end -->"
TARGET_P95_MS = 100
TARGET_SPEEDUP = 3
WORKERS = 2


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- machine -----------------------------------------------------------------------------


def machine_facts() -> dict:
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )

    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        **{p: version(p) for p in ("django", "numpy", "gunicorn", "django-ninja", "datasette")},
    }


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


# -- inspecting answers --------------------------------------------------------------------


class Counts:
    """Records the total each answer reports, per mix, so the servers can be compared."""

    def __init__(self, mix_list, total_of, check=None):
        self.mix_list, self.total_of, self.check = mix_list, total_of, check
        self.by_label: dict[str, int] = {}

    def __call__(self, index: int, body: bytes) -> str:
        data = json.loads(body)
        mix = self.mix_list[index % len(self.mix_list)]
        self.by_label[mix.label] = self.total_of(data)
        return self.check(data) if self.check else ""


def _twinwise_check(data: dict) -> str:
    if len(data["results"]) > mixes_mod.PAGE_SIZE or len(data["facets"]) != 9:
        return "twinwise answer without 9 facets or with too many rows"
    return ""


def _datasette_check(data: dict) -> str:
    missing = set(mixes_mod.DATASETTE_FACETS) - set(data.get("facet_results", {}))
    return f"facets missing (timed out?): {', '.join(sorted(missing))}" if missing else ""


# -- legs ----------------------------------------------------------------------------------


def leg(name, server, mix_list, paths, args, inspect, requests=None, max_seconds=None) -> dict:
    """One measured run; also the CPU time the server used per answered request.

    CPU per request is the figure that survives a busy machine: latency and throughput
    suffer when other programs take the cores, the work each answer costs does not (much).
    """
    port = server.port
    requests, max_seconds = requests or args.requests, max_seconds or args.max_seconds
    pids = server.processes()
    cpu_before, client_before = servers.cpu_seconds(pids), os.times()
    log(
        f"{name}: {requests} requests max, {max_seconds:.0f} s max, "
        f"concurrency {args.concurrency} (load {load_average()})"
    )
    result = loadgen.run(
        port,
        paths,
        concurrency=args.concurrency,
        requests=requests,
        max_seconds=max_seconds,
        timeout=max_seconds + 60,
        inspect=inspect,
    )
    summary = result.summary()
    client = os.times()
    summary["server_cpu_s"] = servers.cpu_seconds(pids) - cpu_before
    summary["client_cpu_s"] = (client.user + client.system) - (
        client_before.user + client_before.system
    )
    answered = max(1, len(result.samples))
    summary["cpu_ms_per_request"] = summary["server_cpu_s"] / answered * 1000
    summary["problems"] = sorted({s.note for s in result.samples if s.note})[:5]
    summary["by_category"] = _by_category(result, mix_list)
    summary["load_after"] = load_average()
    log(
        f"{name}: {summary['ok']} ok, p50 {summary['p50_ms']:.0f} ms, "
        f"p95 {summary['p95_ms']:.0f} ms, {summary['rps']:.1f} req/s, "
        f"server CPU {summary['cpu_ms_per_request']:.0f} ms per request"
    )
    return summary


def _by_category(result, mix_list) -> dict:
    groups: dict[str, list[float]] = {}
    for s in result.ok():
        groups.setdefault(mix_list[s.index % len(mix_list)].category, []).append(s.seconds)
    return {
        cat: {
            "n": len(v),
            "p50_ms": loadgen.percentile(sorted(v), 50) * 1000,
            "p95_ms": loadgen.percentile(sorted(v), 95) * 1000,
        }
        for cat, v in groups.items()
    }


def run_floor(mix_list, args) -> dict:
    out = {}
    for source in ("flat", "normalised"):
        log(f"raw SQL floor, {source}: budget {args.floor_budget:.0f} s (load {load_average()})")
        out[source] = floor.measure(
            DB_PATH, mix_list, source, args.floor_budget, mix_limit_s=args.floor_mix_limit
        )
        f = out[source]
        log(
            f"raw SQL floor, {source}: {f['mixes']} mixes ({f['censored']} cut at "
            f"{f['mix_limit_s']:.0f} s), p50 {f['p50_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms"
        )
    return out


def run_datasette(common, args) -> dict:
    port = servers.free_port(args.datasette_port, {args.twinwise_port})
    database = DB_PATH.stem
    paths = [mixes_mod.datasette_path(m, database) for m in common]
    log_file = OUT_DIR / "datasette.log"
    with servers.datasette(port, DB_PATH, PROJECT_DIR, log_file) as server:
        log(f"Datasette on 127.0.0.1:{port} (log {log_file})")
        t = time.perf_counter()
        # Warm-up: the database page, then one of each category, one at a time.
        loadgen.run(port, [f"/{database}.json"], concurrency=1, requests=1, timeout=120)
        warm = loadgen.run(port, paths[:6], concurrency=1, requests=6, max_seconds=120, timeout=120)
        log(f"Datasette warm-up: {time.perf_counter() - t:.1f} s")
        counts = Counts(common, lambda d: d["filtered_table_rows_count"], _datasette_check)
        requests = min(args.requests, args.datasette_requests or args.requests)
        summary = leg("Datasette, facet mixes", server, common, paths, args, counts, requests)
        summary["warmup_p50_ms"] = warm.summary()["p50_ms"]
        summary["rss_mb"] = [servers.memory_mb(p) for p in server.processes()]
        summary["counts"] = counts.by_label
    return summary


def warm_twinwise(port: int, path: str, deadline_s: float) -> dict:
    """Until every worker has built its index: rounds of concurrent requests, bounded."""
    start = time.perf_counter()
    first, fast_rounds, rounds = None, 0, 0
    while time.perf_counter() - start < deadline_s and fast_rounds < 3:
        result = loadgen.run(
            port,
            [path],
            concurrency=2 * WORKERS,
            requests=2 * WORKERS,
            max_seconds=deadline_s,
            timeout=deadline_s,
        )
        rounds += 1
        latencies = sorted(s.seconds for s in result.samples)
        if first is None:
            first = latencies
            log(
                f"twinwise first requests (index builds): {', '.join(f'{x:.1f}' for x in latencies)} s"
            )
        # Warm: a round well under the first one (which paid for the index builds).
        threshold = max(2.0, 0.5 * first[0]) if first else 2.0
        ok = len(result.ok()) == len(result.samples)
        fast_rounds = fast_rounds + 1 if ok and latencies and latencies[-1] < threshold else 0
    return {
        "first_round_s": first,
        "rounds": rounds,
        "warm_s": time.perf_counter() - start,
        "warm": fast_rounds >= 3,
    }


def run_twinwise(mix_list, common, text, args) -> dict:
    port = servers.free_port(args.twinwise_port, {args.datasette_port})
    paths = [mixes_mod.twinwise_path(m) for m in common]
    text_paths = [mixes_mod.twinwise_path(m) for m in text]
    log_file = OUT_DIR / "gunicorn.log"
    out: dict = {}
    with servers.twinwise(port, DATA_DIR, PROJECT_DIR, log_file, WORKERS) as server:
        log(f"twinwise (gunicorn -w {WORKERS}) on 127.0.0.1:{port} (log {log_file})")
        out["warmup"] = warm_twinwise(port, paths[0], args.warmup_seconds)
        if not out["warmup"]["warm"]:
            raise RuntimeError(
                f"twinwise did not warm up in {args.warmup_seconds} s; see {log_file}"
            )
        out["rss_after_warmup_mb"] = {p: servers.memory_mb(p) for p in server.workers()}
        for variant in ("as shipped", "with ANALYZE"):
            if variant == "with ANALYZE":
                if args.no_what_if:
                    break
                out["analyze_s"] = analyze(DB_PATH)
                log(f"ANALYZE of the partnership tables: {out['analyze_s']:.1f} s")
            # One pass over every mix first: SQLite page cache and code paths warm.
            loadgen.run(
                port,
                paths + text_paths,
                concurrency=WORKERS,
                requests=len(paths) + len(text_paths),
                max_seconds=min(30, args.max_seconds),
                timeout=args.max_seconds + 60,
            )
            counts = Counts(common, lambda d: d["count"], _twinwise_check)
            facet = leg(f"twinwise {variant}, facet mixes", server, common, paths, args, counts)
            facet["counts"] = counts.by_label
            text_leg = leg(
                f"twinwise {variant}, text search",
                server,
                text,
                text_paths,
                args,
                Counts(text, lambda d: d["count"], _twinwise_check),
                requests=min(args.requests, args.text_requests),
                max_seconds=args.max_seconds / 2,
            )
            out[variant] = {"facet": facet, "text": text_leg}
        out["rss_after_mb"] = {p: servers.memory_mb(p) for p in server.workers()}
    return out


# -- report --------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "—" if value != value else f"{value:,.0f}"  # nan → dash


def _row(name: str, mix: str, s: dict) -> str:
    capped = " (time cap)" if s.get("stopped_by") == "time" else ""
    return (
        f"| {name} | {mix} | {s['ok']:,} / {s['requests']:,}{capped} | {_ms(s['p50_ms'])} | "
        f"{_ms(s['p95_ms'])} | {_ms(s['p99_ms'])} | {s['rps']:.1f} | "
        f"{_ms(s['cpu_ms_per_request'])} | {s['server_cpu_s'] / s['wall_s']:.2f} |"
    )


def report(results: dict) -> str:
    r, facts, data = results, results["machine"], results["dataset"]
    n_common, n_text = results["mixes"]["common"], results["mixes"]["text"]
    lines = [
        f"Run of {r['finished']} — `{r['command']}` — {r['wall_s'] / 60:.1f} min in all.",
        "",
        f"**Machine**: {facts['nproc']} CPUs ({facts['cpu']}), {facts['ram_gb']} GB RAM, "
        f"Linux {facts['kernel']}; Python {facts['python']}, SQLite {facts['sqlite']}, "
        f"Django {facts['django']}, numpy {facts['numpy']}, gunicorn {facts['gunicorn']}, "
        f"Datasette {facts['datasette']}. Load average (1/5/15 min) at start "
        f"{r['load_start']}, at end {r['load_end']} — the machine is shared, see below.",
        "",
        f"**Data**: {data['counts']['partnerships']:,} partnerships "
        f"({data['counts']['public_rows']:,} TLP:CLEAR, of which "
        f"{data['counts']['public_china_rows']:,} with a Chinese-side counterpart — what the "
        f"registry's default scope lists), {data['counts']['places']:,} places, "
        f"{data['counts']['counterparts_used']:,} distinct Chinese-side counterparts; SQLite "
        f"file {data['db_bytes'] / 2**20:,.0f} MB. Generation: {data['generation']}.",
        "",
        f"**Load**: closed loop, {r['args']['concurrency']} keep-alive connections, "
        f"{n_common} facet mixes + {n_text} text searches in rotation, at most "
        f"{r['args']['requests']:,} requests or {r['args']['max_seconds']:.0f} s per row "
        f"(“time cap” marks rows stopped by the clock). Latency in ms, throughput in "
        "successful requests per second; “server CPU ms/req” is the user + system CPU time "
        "the server's processes used during the row divided by the requests answered — the "
        "figure a busy machine distorts least — and “CPUs it got” that CPU time divided by "
        f"the row's wall time (of {facts['nproc']}: the rest went to other programs and to "
        "the load generator).",
        "",
        "| server | mixes | ok / sent | p50 | p95 | p99 | req/s | server CPU ms/req | CPUs it got |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    tw = r.get("twinwise", {})
    for variant, label in (
        ("as shipped", "twinwise, as shipped"),
        ("with ANALYZE", "twinwise + ANALYZE (what-if)"),
    ):
        if variant in tw:
            lines.append(_row(label, f"facet ({n_common})", tw[variant]["facet"]))
    if "datasette" in r:
        lines.append(_row("Datasette 0.65.5, flat table", f"facet ({n_common})", r["datasette"]))
    for variant, label in (
        ("as shipped", "twinwise, as shipped"),
        ("with ANALYZE", "twinwise + ANALYZE (what-if)"),
    ):
        if variant in tw:
            lines.append(
                _row(label, f"text q= ({n_text}), no Datasette equivalent", tw[variant]["text"])
            )
    for source, label in (("flat", "raw SQL, flat table"), ("normalised", "raw SQL, normalised")):
        f = r.get("floor", {}).get(source)
        if f:
            cut = f", {f['censored']} cut at {f['mix_limit_s']:.0f} s" if f["censored"] else ""
            lines.append(
                f"| {label}, 1 connection | facet ({f['mixes']} of {f['of']}{cut}) | "
                f"{f['mixes']} mixes | {_ms(f['p50_ms'])} | {_ms(f['p95_ms'])} | — | "
                f"{1000 / f['p50_ms'] if f['p50_ms'] else 0:.1f} (1/p50) | — | ≤ 1 |"
            )
    lines += ["", *_category_table(r), "", *_verdict(r)]
    return "\n".join(lines)


def _category_table(r: dict) -> list[str]:
    columns = []
    tw = r.get("twinwise", {})
    if "as shipped" in tw:
        columns.append(("twinwise", tw["as shipped"]["facet"]["by_category"]))
    if "with ANALYZE" in tw:
        columns.append(("twinwise + ANALYZE", tw["with ANALYZE"]["facet"]["by_category"]))
    if "datasette" in r:
        columns.append(("Datasette", r["datasette"]["by_category"]))
    if not columns:
        return []
    cats = ["none", "city", "country+kind", "status", "decade", "combined"]
    out = [
        "p50 / p95 in ms per kind of query (same load as above):",
        "",
        "| mix | " + " | ".join(name for name, _ in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for cat in cats:
        cells = []
        for _name, by in columns:
            c = by.get(cat)
            cells.append(f"{_ms(c['p50_ms'])} / {_ms(c['p95_ms'])} (n={c['n']})" if c else "—")
        out.append(f"| {cat} | " + " | ".join(cells) + " |")
    return out


def _verdict(r: dict) -> list[str]:
    out = []
    tw, ds = r.get("twinwise", {}), r.get("datasette")
    for variant in ("as shipped", "with ANALYZE"):
        if variant not in tw:
            continue
        f = tw[variant]["facet"]
        speed = f"{f['rps'] / ds['rps']:.1f}× Datasette's throughput" if ds and ds["rps"] else ""
        cpu = f["cpu_ms_per_request"]
        cheaper = (
            f", {ds['cpu_ms_per_request'] / cpu:.0f}× less CPU per answer than Datasette"
            if ds and cpu
            else ""
        )
        p95_met = f["p95_ms"] <= TARGET_P95_MS
        speed_met = bool(ds and ds["rps"] and f["rps"] >= TARGET_SPEEDUP * ds["rps"])
        out.append(
            f"- twinwise {variant}: p95 {_ms(f['p95_ms'])} ms (target ≤ {TARGET_P95_MS}: "
            f"**{'met' if p95_met else 'not met'}**); {speed or 'no Datasette run'} (target ≥ "
            f"{TARGET_SPEEDUP}×: **{'met' if speed_met else 'not met'}**). It costs "
            f"{cpu:,.0f} ms of server CPU per answer{cheaper}: at most "
            f"~{r['machine']['nproc'] * 1000 / cpu:,.0f} req/s on {r['machine']['nproc']} idle "
            f"CPUs, i.e. ~{args_concurrency(r) * cpu / r['machine']['nproc']:,.0f} ms per "
            f"request at concurrency {args_concurrency(r)} (Little's law) before any waiting "
            "for other programs."
        )
    if "warmup" in tw:
        w = tw["warmup"]
        out.append(
            f"- Cold start: each worker builds its registry index on its first request; the "
            f"first {2 * WORKERS} requests took {', '.join(f'{x:.1f}' for x in w['first_round_s'])} s "
            f"({WORKERS} workers building at once on {r['machine']['nproc']} CPUs)."
        )
    if "rss_after_mb" in tw:
        rss = [m.get("VmRSS", 0) for m in tw["rss_after_mb"].values()]
        hwm = [m.get("VmHWM", 0) for m in tw["rss_after_mb"].values()]
        out.append(
            f"- gunicorn worker memory after the runs: RSS {', '.join(f'{x:,.0f}' for x in rss)} MB; "
            f"peak (VmHWM, reached while building the index) {', '.join(f'{x:,.0f}' for x in hwm)} MB."
        )
    if ds:
        rss = sum(m.get("VmRSS", 0) for m in ds["rss_mb"])
        out.append(f"- Datasette process RSS after its run: {rss:,.0f} MB.")
    flagged = [(name, s) for name, s in _legs(r) if s.get("problems")]
    for name, s in flagged:
        out.append(
            f"- Answers counted as errors ({name}): {s['requests'] - s['ok']}; "
            + "; ".join(s["problems"])
            + "."
        )
    out.append(f"- Totals agree: {r['count_check']}.")
    return out


def _legs(r: dict):
    """(name, summary) of every measured HTTP run."""
    for variant in ("as shipped", "with ANALYZE"):
        for kind, run in r.get("twinwise", {}).get(variant, {}).items():
            yield f"twinwise {variant}, {kind}", run
    if "datasette" in r:
        yield "Datasette", r["datasette"]


def args_concurrency(r: dict) -> int:
    return int(r["args"]["concurrency"])


def count_check(results: dict) -> str:
    """Do twinwise, Datasette and the SQL floor report the same totals for each mix?"""
    sources = {}
    tw = results.get("twinwise", {})
    if "as shipped" in tw:
        sources["twinwise"] = tw["as shipped"]["facet"]["counts"]
    if "datasette" in results:
        sources["Datasette"] = results["datasette"]["counts"]
    if "floor" in results:
        sources["SQL"] = results["floor"]["flat"]["counts"]
    labels = set().union(*(s.keys() for s in sources.values())) if sources else set()
    compared = agree = 0
    disagree = []
    for label in sorted(labels):
        values = {name: s[label] for name, s in sources.items() if label in s}
        if len(values) < 2:
            continue
        compared += 1
        if len(set(values.values())) == 1:
            agree += 1
        else:
            disagree.append(f"{label}: {values}")
    text = f"{agree} of {compared} mixes seen by two or more of {', '.join(sources)} agree"
    return text + ("" if not disagree else "; differ: " + "; ".join(disagree[:5]))


def write_section(start: str, end: str, body: str, title: str) -> None:
    """Replace the text between two markers in docs/performance.md (creating what's missing)."""
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + f"\n\n## {title}\n\n{block}\n"
    DOC.write_text(text)


# -- main ----------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    p.add_argument("--rebuild", action="store_true", help="regenerate the database")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--requests", type=int, default=2000, help="per run, at most")
    p.add_argument("--max-seconds", type=float, default=100, help="per run, at most")
    p.add_argument("--text-requests", type=int, default=400)
    p.add_argument("--datasette-requests", type=int, default=0, help="0: same as --requests")
    p.add_argument("--warmup-seconds", type=float, default=420)
    p.add_argument("--floor-budget", type=float, default=40, help="seconds per SQL source")
    p.add_argument("--floor-mix-limit", type=float, default=15, help="seconds per SQL mix")
    p.add_argument("--no-datasette", action="store_true")
    p.add_argument("--no-floor", action="store_true")
    p.add_argument("--no-what-if", action="store_true", help="skip the ANALYZE what-if runs")
    p.add_argument("--profile", action="store_true", help="also run profile_twinwise.py")
    p.add_argument("--no-docs", action="store_true", help="leave docs/performance.md alone")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the docs from bench/out/results-docs.json (the last run that wrote them)",
    )
    p.add_argument("--twinwise-port", type=int, default=8181)
    p.add_argument("--datasette-port", type=int, default=8182)
    args = p.parse_args(argv)
    if not 1 <= args.concurrency <= 64 or not 1 <= args.requests <= 1_000_000:
        p.error("need 1 ≤ concurrency ≤ 64 and 1 ≤ requests ≤ 1,000,000")
    return args


def rewrite_report() -> int:
    """Render the last documented run again (after a change to the report's format)."""
    results = json.loads((OUT_DIR / "results-docs.json").read_text())
    table = report(results)
    print(table)
    write_section(RESULTS_START, RESULTS_END, table, "Results")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_only:
        return rewrite_report()
    # SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, so the servers are stopped; and
    # Ctrl-C works even when a non-interactive shell started us with SIGINT ignored.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.perf_counter()
    results: dict = {
        "command": "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "args": vars(args),
        "machine": machine_facts(),
        "load_start": load_average(),
    }
    log(f"machine: {results['machine']}")
    t = time.perf_counter()
    generate_cmd = [sys.executable, str(BENCH_DIR / "generate.py"), "--rows", str(args.rows)]
    subprocess.run(
        generate_cmd + (["--rebuild"] if args.rebuild else []),
        check=True,
        cwd=PROJECT_DIR,
        timeout=1800,
    )
    marker = json.loads((DATA_DIR / "bench-marker.json").read_text())
    results["dataset"] = {
        "counts": marker["counts"],
        "db_bytes": marker["db_bytes"],
        "generation": (
            f"{marker['timings']['total_s']:.0f} s when built "
            f"(insert {marker['timings']['insert_s']:.0f} s, flat table "
            f"{marker['timings']['flat_table_s']:.0f} s)"
        ),
        "ensure_s": time.perf_counter() - t,
    }
    reset_stats(DB_PATH)  # a previous run cut short may have left its ANALYZE behind
    mix_list = mixes_mod.build(DB_PATH)
    common = [m for m in mix_list if not m.is_text]
    text = [m for m in mix_list if m.is_text]
    results["mixes"] = {
        "common": len(common),
        "text": len(text),
        "labels": [f"{m.category}: {m.label}" for m in mix_list],
    }
    try:
        if not args.no_floor:
            results["floor"] = run_floor(mix_list, args)
        if not args.no_datasette:
            results["datasette"] = run_datasette(common, args)
        results["twinwise"] = run_twinwise(mix_list, common, text, args)
    finally:
        reset_stats(DB_PATH)
    if args.profile:
        log("profile_twinwise.py (in-process breakdown)")
        subprocess.run(
            [
                sys.executable,
                str(BENCH_DIR / "profile_twinwise.py"),
                "--json",
                str(OUT_DIR / "profile.json"),
            ],
            check=True,
            cwd=PROJECT_DIR,
            timeout=1800,
        )
        profile = json.loads((OUT_DIR / "profile.json").read_text())
        if not args.no_docs:
            write_section(PROFILE_START, PROFILE_END, profile_markdown(profile), "Profile")
    results["load_end"] = load_average()
    results["wall_s"] = time.perf_counter() - started
    results["finished"] = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    results["count_check"] = count_check(results)
    (OUT_DIR / "results.json").write_text(json.dumps(results, indent=2, default=str))
    table = report(results)
    print("\n" + table)
    if not args.no_docs:
        # The numbers behind the docs, kept apart from scratch runs (for --report-only).
        (OUT_DIR / "results-docs.json").write_text(json.dumps(results, indent=2, default=str))
        write_section(RESULTS_START, RESULTS_END, table, "Results")
        log(f"results written to {DOC.relative_to(PROJECT_DIR)} and bench/out/results.json")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nInterrupted; the servers were stopped.", file=sys.stderr)
        sys.exit(130)
