"""A small closed-loop HTTP load generator (threads + http.client, keep-alive HTTP/1.1).

    python bench/loadgen.py --port 8181 --concurrency 8 --requests 200 \
        /api/v1/partnerships?page_size=20 /api/v1/partnerships?page_size=20&kind=sister-city

C threads each hold one connection and send the next request as soon as the previous
answer is read (closed loop: the offered load adapts to the server, nothing queues up in
the client). Request i goes to path i mod len(paths), so every server sees the same
sequence. A run stops after `requests` requests or `max_seconds`, whichever comes first;
both are bounded. Connections are reused when the server keeps them alive (uvicorn does;
gunicorn's sync worker closes after each response, and http.client reconnects — that
connect is part of the measured latency, as it would be for a client).

Targets are 127.0.0.1 only: this is a benchmark of local servers, not a load tool.
"""

import argparse
import http.client
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass
class Sample:
    index: int  # position in the request sequence (which path)
    seconds: float
    status: int  # 0: no answer (connection error or timeout)
    size: int
    note: str = ""  # what `inspect` said about the body ("" when fine or not inspected)


@dataclass
class LoadResult:
    samples: list[Sample] = field(default_factory=list)
    wall_seconds: float = 0.0
    stopped_by: str = "requests"

    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.status == 200 and not s.note]

    def summary(self) -> dict:
        ok = sorted(s.seconds for s in self.ok())
        return {
            "requests": len(self.samples),
            "ok": len(ok),
            "errors": len(self.samples) - len(ok),
            "rps": len(ok) / self.wall_seconds if self.wall_seconds else 0.0,
            "p50_ms": percentile(ok, 50) * 1000,
            "p95_ms": percentile(ok, 95) * 1000,
            "p99_ms": percentile(ok, 99) * 1000,
            "max_ms": (ok[-1] if ok else float("nan")) * 1000,
            "wall_s": self.wall_seconds,
            "stopped_by": self.stopped_by,
        }


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (nan when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def run(
    port: int,
    paths: Sequence[str],
    *,
    concurrency: int = 8,
    requests: int = 1000,
    max_seconds: float = 60.0,
    timeout: float = 120.0,
    inspect: Callable[[int, bytes], str] | None = None,
    host: str = HOST,
) -> LoadResult:
    """Send up to `requests` GETs over `concurrency` connections for at most `max_seconds`.

    `inspect(index, body)` may return a note ("" when the answer is right); a noted answer
    counts as an error.
    """
    if host != HOST:
        raise ValueError("the load generator only targets 127.0.0.1")
    if not paths or not 1 <= concurrency <= 256 or not 1 <= requests <= 10_000_000:
        raise ValueError("need paths, 1 ≤ concurrency ≤ 256 and 1 ≤ requests ≤ 10,000,000")
    result = LoadResult()
    lock = threading.Lock()
    counter = iter(range(requests))
    start = time.perf_counter()
    deadline = start + max_seconds

    def next_index() -> int | None:
        with lock:
            if time.perf_counter() >= deadline:
                result.stopped_by = "time"
                return None
            return next(counter, None)

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            while (i := next_index()) is not None:
                sample = _one(conn, i, paths[i % len(paths)], inspect)
                if sample.status == 0:  # start afresh after a broken connection
                    conn.close()
                with lock:
                    result.samples.append(sample)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_seconds + timeout + 5)
    result.wall_seconds = time.perf_counter() - start
    return result


def _one(conn, index: int, path: str, inspect) -> Sample:
    t = time.perf_counter()
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
        status = response.status
        if response.will_close:
            conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return Sample(index, time.perf_counter() - t, 0, 0, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - t
    note = ""
    if status == 200 and inspect is not None:
        try:
            note = inspect(index, body)
        except ValueError as exc:  # not JSON, or not the JSON we expect
            note = f"bad body: {exc}"
    elif status != 200:
        note = f"HTTP {status}"
    return Sample(index, seconds, status, len(body), note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Closed-loop GET load against 127.0.0.1.")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args(argv)
    result = run(
        args.port,
        args.paths,
        concurrency=args.concurrency,
        requests=args.requests,
        max_seconds=args.max_seconds,
    )
    print(json.dumps(result.summary(), indent=2))
    notes = sorted({s.note for s in result.samples if s.note})
    for note in notes[:10]:
        print("problem:", note, file=sys.stderr)
    return 0 if not notes else 1


if __name__ == "__main__":
    sys.exit(main())
