"""Start and stop the two servers under test, and read their workers' memory.

Each server runs in its own process group (start_new_session), so stopping it ends exactly
the processes this benchmark started — the master and its workers — and nothing else.
`Server` is a context manager: servers stop on normal exit, on errors and on Ctrl-C.
"""

import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
PORT_RANGE = range(8180, 8200)  # this benchmark's share of the project's 8100-8199 range


def free_port(preferred: int, taken: set[int] = frozenset()) -> int:
    """`preferred` when nothing listens there, else the first free port of PORT_RANGE."""
    for port in (preferred, *PORT_RANGE):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORT_RANGE.start}-{PORT_RANGE.stop - 1}")


def random_secret(length: int = 50) -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "".join(secrets.choice(alphabet) for _ in range(length))


class Server:
    def __init__(
        self, name: str, argv: list[str], port: int, env: dict, log: Path, cwd: Path,
        start_seconds: float = 90,
    ):  # fmt: skip
        self.name, self.argv, self.port, self.env, self.log, self.cwd = (
            name, argv, port, env, log, cwd,
        )  # fmt: skip
        self.start_seconds = start_seconds
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.start(self.start_seconds)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, wait_seconds: float = 90) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("wb")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        try:
            self._wait_listening(wait_seconds)
        except BaseException:  # Ctrl-C included: __exit__ does not run when __enter__ fails
            self.stop()
            raise

    def _wait_listening(self, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start; see {self.log}")
            with socket.socket() as s:
                s.settimeout(0.5)
                if s.connect_ex((HOST, self.port)) == 0:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not listen on {HOST}:{self.port}; see {self.log}")

    def stop(self) -> None:
        """SIGINT to the server's own process group, SIGKILL after 10 s.

        SIGINT is gunicorn's quick shutdown (SIGTERM would wait for a worker that is busy
        building its index) and uvicorn's normal one.
        """
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        except ProcessLookupError:
            pass

    def processes(self) -> list[int]:
        """The server's pid and its children's (gunicorn workers)."""
        if self.proc is None:
            return []
        return [self.proc.pid, *children(self.proc.pid)]

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc else []


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces) start at the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (all their threads)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(rest[11]) + int(rest[12])  # fields 14 and 15: utime, stime
    return total / tick


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


def twinwise(port: int, data_dir: Path, project_dir: Path, log: Path, workers: int = 2) -> Server:
    """gunicorn with the production settings, as an operator would run it.

    With the project's gunicorn.conf.py (timeout 120, preload_app: the master builds the
    registry index once before forking, see that file and docs/performance.md).
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "twinwise.settings.prod",
        "TWINWISE_SECRET_KEY": random_secret(),
        "TWINWISE_ALLOWED_HOSTS": HOST,
        "TWINWISE_SSL_REDIRECT": "false",
        "TWINWISE_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }
    argv = [
        sys.executable, "-m", "gunicorn", "-c", str(project_dir / "gunicorn.conf.py"),
        "twinwise.wsgi", "-w", str(workers), "-b", f"{HOST}:{port}",
    ]  # fmt: skip
    # The port opens only once the master has built the index (tens of seconds at 1M).
    return Server("twinwise (gunicorn)", argv, port, env, log, project_dir, start_seconds=300)


def datasette(port: int, db_path: Path, project_dir: Path, log: Path) -> Server:
    """Datasette 0.65.5, immutable mode, the settings of the brief, facet suggestions off."""
    exe = Path(sys.executable).with_name("datasette")
    argv = [
        str(exe), "serve", "-i", str(db_path), "-h", HOST, "-p", str(port),
        "--setting", "facet_time_limit_ms", "10000",
        "--setting", "sql_time_limit_ms", "10000",
        "--setting", "num_sql_threads", "2",
        # Suggestions would add a query per column to every request; the registry needs none.
        "--setting", "suggest_facets", "off",
    ]  # fmt: skip
    return Server("Datasette", argv, port, dict(os.environ), log, project_dir)
