"""Similar cases at 1,000,000 reports: query p95 and embedding throughput.

    python bench/generate_cases.py        # first: 1,000,000 cases (reused if present)
    python bench/similar_bench.py         # then this (what `make bench` runs)
    python bench/similar_bench.py --runs 50 --throughput-cases 2000

1. Vectors for every case. Running the real model over a million cases would take about an
   hour on 2 cores, so the speed benchmark stores **random unit vectors** (float16, as the
   app stores them) for every case that has none, straight into the `similar_caseembedding`
   table (reused on later runs). The ranking's cost does not depend on what the vectors
   mean; its quality is measured separately (`make eval-similar`).
2. Embedding throughput: `embeddings_compute` (the real model, the real writes) over real
   case texts of the database, in the backfill's batches; cases per second.
3. The index: loading it in a fresh process (timed), its size.
4. Queries: `case_similar_list(k=5)` for a member with a typical view (an officer of the
   median verified organisation: TLP:CLEAR and GREEN of everyone, AMBER shared with it, its
   own) and for an anonymous visitor, over random published query cases each may see;
   p50 / p95 / max, and the SQL share.
5. The results go to bench/out/similar-results.json and to docs/performance.md between
   its `bench:similar` markers.
"""

import argparse
import json
import random
import resource
import sqlite3
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from cases_bench import member_user, pct  # noqa: E402
from generate_cases import data_dir, django_setup, read_marker  # noqa: E402

PROJECT_DIR = BENCH_DIR.parent
DOC = PROJECT_DIR / "docs" / "performance.md"
START, END = "<!-- bench:similar:start -->", "<!-- bench:similar:end -->"
TARGET_P95_MS = 100
FILL_BATCH = 50_000
SEED = 20261128


def fill_random_vectors(db_path: Path) -> tuple[int, float]:
    """Random unit float16 vectors for every case without one (raw SQL, big batches)."""
    import numpy as np

    started = time.perf_counter()
    from twinwise.cases.models import Case
    from twinwise.similar import embedding

    con = sqlite3.connect(db_path)
    missing = [
        r[0]
        for r in con.execute(
            "SELECT id FROM cases_case WHERE id NOT IN (SELECT case_id FROM similar_caseembedding)"
            " ORDER BY id"
        )
    ]
    columns = ", ".join(dict.fromkeys(embedding.TEXT_FIELDS))

    def hashes(ids):
        """The real text hashes, so a query case uses its stored vector as in production."""
        rows = con.execute(
            f"SELECT id, {columns} FROM cases_case WHERE id BETWEEN ? AND ?", (ids[0], ids[-1])
        )
        names = ("id", *dict.fromkeys(embedding.TEXT_FIELDS))
        return {
            r[0]: embedding.text_hash(embedding.case_text(Case(**dict(zip(names, r, strict=True)))))
            for r in rows
        }

    rng = np.random.default_rng(SEED)
    now = "2026-01-01 00:00:00"
    for start in range(0, len(missing), FILL_BATCH):
        ids = missing[start : start + FILL_BATCH]
        vectors = rng.standard_normal((len(ids), 512)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        blobs = vectors.astype("<f2")
        text_hashes = hashes(ids)
        con.executemany(
            "INSERT INTO similar_caseembedding (case_id, vector, model, text_hash, updated_at)"
            " VALUES (?, ?, 'random-unit', ?, ?)",
            ((cid, blobs[i].tobytes(), text_hashes[cid], now) for i, cid in enumerate(ids)),
        )
        con.commit()
        print(f"  random vectors: {start + len(ids):,} / {len(missing):,}", flush=True)
    con.close()
    return len(missing), time.perf_counter() - started


def throughput(count: int) -> dict:
    """The real model and writes over `count` real case texts, in backfill batches."""
    from twinwise.access.actors import Actor
    from twinwise.cases.models import Case
    from twinwise.similar import embedding
    from twinwise.similar.services import BACKFILL_BATCH, embeddings_compute

    embedding.encoder().encode("warm up")  # model load is not throughput
    ids = list(
        Case.objects.filter(similar_embedding_bench_filter())
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    operator = Actor.operator()
    started, started_cpu = time.perf_counter(), time.process_time()
    computed = 0
    for start in range(0, len(ids), BACKFILL_BATCH):
        computed += embeddings_compute(actor=operator, case_ids=ids[start : start + BACKFILL_BATCH])
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - started_cpu
    chars = sum(len(embedding.case_text(c)) for c in Case.objects.filter(pk__in=ids[:200]))
    return {
        "cases": computed,
        "seconds": round(seconds, 1),
        "cases_per_s": round(computed / seconds, 1),
        "cases_per_cpu_s": round(computed / cpu_seconds, 1),
        "mean_chars": round(chars / min(200, len(ids))),
        "batch": BACKFILL_BATCH,
    }


def similar_embedding_bench_filter():
    """Cases whose vector is still a random one (so each run embeds fresh texts)."""
    from django.db.models import Q

    return Q(embedding__model="random-unit")


def rehash_existing(db_path: Path) -> int:
    """Earlier runs stored random vectors without text hashes: add them (once)."""
    from twinwise.cases.models import Case
    from twinwise.similar import embedding

    con = sqlite3.connect(db_path)
    names = ("id", *dict.fromkeys(embedding.TEXT_FIELDS))
    rows = con.execute(
        f"SELECT c.{', c.'.join(names)} FROM cases_case c JOIN similar_caseembedding e "
        "ON e.case_id = c.id WHERE e.text_hash = ''"
    ).fetchall()
    con.executemany(
        "UPDATE similar_caseembedding SET text_hash = ? WHERE case_id = ?",
        (
            (
                embedding.text_hash(embedding.case_text(Case(**dict(zip(names, r, strict=True))))),
                r[0],
            )
            for r in rows
        ),
    )
    con.commit()
    con.close()
    return len(rows)


def timed_queries(actor, runs: int, warmup: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from twinwise.cases.models import CaseState
    from twinwise.cases.selectors import case_queryset
    from twinwise.similar.selectors import case_similar_list

    qs = case_queryset(actor=actor).filter(state=CaseState.PUBLISHED)
    top = qs.order_by("-pk").values_list("pk", flat=True).first()
    picks = []
    while len(picks) < runs + warmup:
        pk = qs.filter(pk__lte=rng.randint(1, top)).order_by("-pk").values_list("pk", flat=True)
        pk = pk.first()
        if pk:
            picks.append(qs.get(pk=pk))
    times, cpu, sql_ms, queries, results = [], [], [], [], []
    for n, case in enumerate(picks):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            found = case_similar_list(actor=actor, case=case, k=5)
            elapsed = (time.perf_counter() - started) * 1000
            elapsed_cpu = (time.process_time() - started_cpu) * 1000
        if n < warmup:
            continue
        times.append(elapsed)
        cpu.append(elapsed_cpu)
        sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries.append(len(captured.captured_queries))
        results.append(len(found))
    return {
        "runs": len(times),
        "p50_ms": round(pct(times, 0.5), 1),
        "p95_ms": round(pct(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        "cpu_p50_ms": round(pct(cpu, 0.5), 1),
        "cpu_p95_ms": round(pct(cpu, 0.95), 1),
        "sql_ms_median": round(pct(sql_ms, 0.5), 1),
        "queries_median": int(pct(queries, 0.5)),
        "results_min": min(results),
    }


def markdown(r: dict) -> str:
    lines = [
        f"Measured {r['date']} on {r['machine']}: {r['cases']:,} cases "
        f"(bench/generate_cases.py), SQLite {r['sqlite']}; load average during the run "
        f"{r['load_average']} (the machine is shared with other work: wall time includes "
        "waiting for a core; CPU time is the process's, both threads — numpy's BLAS runs "
        "the scan on the two cores).",
        "",
        "| what | result |",
        "|---|---|",
        f"| embedding throughput (real model + writes, batches of {r['throughput']['batch']}) "
        f"| **{r['throughput']['cases_per_s']} cases/s** ({r['throughput']['cases']:,} cases in "
        f"{r['throughput']['seconds']} s, ~{r['throughput']['mean_chars']} characters each); "
        f"{r['throughput']['cases_per_cpu_s']} cases per CPU-second |",
        f"| index load in a fresh process (1M rows, PCA to {r['index']['dims']} dimensions) "
        f"| {r['index']['load_s']} s, {r['index']['vectors_mb']} MB of vectors, "
        f"peak RSS {r['index']['peak_rss_mb']} MB |",
    ]
    for name, q in r["queries"].items():
        verdict = "meets" if q["p95_ms"] <= TARGET_P95_MS else "misses"
        lines.append(
            f"| similar-case query, k=5, {name} | p50 {q['p50_ms']} ms, **p95 {q['p95_ms']} ms** "
            f"({verdict} the {TARGET_P95_MS} ms target), max {q['max_ms']} ms; "
            f"CPU time of the process p50 {q['cpu_p50_ms']} ms, p95 {q['cpu_p95_ms']} ms; "
            f"{q['queries_median']} SQL queries, {q['sql_ms_median']} ms SQL (median); "
            f"{q['runs']} runs |"
        )
    lines += [
        "",
        "The vectors of this run are random unit vectors (see bench/similar_bench.py): the "
        "ranking costs the same whatever they mean; quality is `make eval-similar`.",
    ]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    if START not in doc:
        return
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="default bench/out/cases-data")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--throughput-cases", type=int, default=1024)
    parser.add_argument("--no-doc", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args(argv)
    directory = data_dir(args.data_dir)
    marker = read_marker(directory)
    if marker is None:
        print(f"no generated database in {directory}: running bench/generate_cases.py first")
        import generate_cases

        generate_cases.main([])
        marker = read_marker(directory)
    django_setup(directory)
    import platform

    from django.core.management import call_command

    from twinwise.access.actors import Actor
    from twinwise.similar import index as index_module
    from twinwise.similar.selectors import similar_index

    call_command("migrate", verbosity=0)
    filled, fill_s = fill_random_vectors(directory / "twinwise.sqlite3")
    print(f"random vectors stored for {filled:,} cases in {fill_s:.1f} s")
    rehashed = rehash_existing(directory / "twinwise.sqlite3")
    if rehashed:
        print(f"text hashes added to {rehashed:,} stored vectors")
    tp = throughput(args.throughput_cases)
    print(f"embedding throughput: {tp['cases_per_s']} cases/s ({tp['cases']} cases)")
    index_module.reset()
    started = time.perf_counter()
    idx = similar_index()
    load_s = time.perf_counter() - started
    index = {
        "rows": len(idx),
        "load_s": round(load_s, 1),
        "vectors_mb": round(idx.vectors.nbytes / 2**20),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "reduced": idx.reduced,
        "dims": idx.vectors.shape[1],
    }
    print(f"index: {index}")
    user, own = member_user()
    actors = {
        f"member (officer of a median organisation, {own:,} own cases)": Actor.from_user(
            user, strong=True
        ),
        "anonymous visitor": Actor.anonymous(),
    }
    rng = random.Random(SEED)
    queries = {}
    for name, actor in actors.items():
        queries[name] = timed_queries(actor, args.runs, args.warmup, rng)
        print(f"{name}: {queries[name]}", flush=True)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores",
        "sqlite": sqlite3.sqlite_version,
        "cases": marker["cases"],
        "throughput": tp,
        "index": index,
        "queries": queries,
        "load_average": " / ".join(f"{x:.1f}" for x in __import__("os").getloadavg()),
    }
    out = BENCH_DIR / "out" / "similar-results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    text = markdown(result)
    print(text)
    if not args.no_doc:
        write_doc(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
