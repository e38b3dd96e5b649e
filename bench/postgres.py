"""The bench's Postgres: its port, its databases, and what the server does during a load run.

The port is `CAPEMU_PG_PORT` (default 55432), the same variable `scripts/pg-cluster.sh` reads, so
a second cluster on another port keeps two harnesses apart. `Watch` samples `pg_stat_activity`
of one database while a run goes on: how many backends wait on a heavyweight lock (row or
transaction locks: two transfers touching the same balance), how many are busy, idle in their
transaction (waiting for the app) or idle, and the CPU its backends, the machine and its cores
used, which tells lock contention from a CPU-bound machine.
"""

import contextlib
import os
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.servers import cpu_seconds

PORT = int(os.environ.get("CAPEMU_PG_PORT", "55432"))
HOST = "127.0.0.1"
BASE_URL = f"postgresql+psycopg://postgres@{HOST}:{PORT}"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

SAMPLE = """
SELECT pid, state, wait_event_type, wait_event
FROM pg_stat_activity
WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()
"""


def _dsn(database: str) -> str:
    return f"postgresql://postgres@{HOST}:{PORT}/{database}"


def reachable() -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, PORT), 2):
        return True
    return False


def ensure_running(project_root: Path) -> None:
    """Start the throwaway cluster (scripts/pg-cluster.sh) when nothing listens on the port."""
    if reachable():
        return
    print(f"  Postgres not reachable on {PORT}: bash scripts/pg-cluster.sh start", flush=True)
    subprocess.run(
        ["bash", "scripts/pg-cluster.sh", "start"],
        cwd=project_root,
        env={**os.environ, "CAPEMU_PG_PORT": str(PORT)},
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )


def execute(database: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_dsn(database), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[arg-type]


def recreate_database(name: str, template: str | None = None) -> None:
    execute(
        "postgres",
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""),
    )


def drop_databases(*names: str) -> None:
    with contextlib.suppress(Exception):
        execute("postgres", *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names))


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    try:
        values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values[:8]) - idle, sum(values[:8])


@dataclass
class WaitSample:
    """What the database's backends were doing over one run, from pg_stat_activity samples."""

    samples: int = 0
    seconds: float = 0.0
    lock_waiters: int = 0
    """Backend-samples waiting on a heavyweight lock (wait_event_type 'Lock')."""
    samples_with_lock_wait: int = 0
    active: int = 0
    """Backend-samples running a statement (state 'active' and not waiting on a lock)."""
    idle_in_transaction: int = 0
    """Backend-samples inside a transaction waiting for the app's next statement."""
    backends: int = 0
    """Client backends of the database seen at the last sample (the pools' connections)."""
    events: Counter[str] = field(default_factory=Counter)
    """wait_event_type:wait_event of the waiting backend-samples."""
    backend_cpu: float = 0.0
    """Cores busy in the database's backends on average (1.0 = one core)."""
    machine_cpu: float = 0.0
    """Cores busy on the whole machine on average (every process, other users' too)."""
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)
    others: float = 0.0
    """Cores busy in everything else: the machine less the server, its backends and the load
    generator (set by the harness). Other work on a 2-core machine takes what 2 workers need."""

    def per_sample(self, count: int) -> float:
        return count / self.samples if self.samples else 0.0

    @property
    def lock_share(self) -> float:
        """Share of samples in which at least one backend waited on a lock."""
        return self.per_sample(self.samples_with_lock_wait)

    def top_events(self, n: int = 3) -> str:
        return ", ".join(
            f"{name} {count / self.samples:.2f}" for name, count in self.events.most_common(n)
        )


class Watch:
    """Samples one database's backends in a thread until stopped (a context manager)."""

    def __init__(self, database: str, *, interval: float = 0.02) -> None:
        self.database = database
        self.interval = interval
        self.result = WaitSample()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-watch", daemon=True)
        self._pids: dict[int, float] = {}
        self._error: BaseException | None = None

    def __enter__(self) -> "Watch":
        self._started = time.monotonic()
        self._machine = _machine_ticks()
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        result = self.result
        result.seconds = time.monotonic() - self._started
        busy, total = _machine_ticks()
        if total > self._machine[1]:
            share = (busy - self._machine[0]) / (total - self._machine[1])
            result.machine_cpu = share * result.cores
        used = sum(cpu_seconds(pid) - before for pid, before in self._pids.items())
        result.backend_cpu = used / result.seconds if result.seconds else 0.0

    def _run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(_dsn(self.database), autocommit=True) as connection:
                while not self._stop.is_set():
                    rows = connection.execute(SAMPLE, (self.database,)).fetchall()
                    self._add(rows)
                    self._stop.wait(self.interval)
        except Exception as exc:  # the load run goes on; the figure says it was not sampled
            self._error = exc

    def _add(self, rows: list[tuple[Any, ...]]) -> None:
        result = self.result
        result.samples += 1
        result.backends = len(rows)
        waiting = 0
        for pid, state, wait_type, wait_event in rows:
            if pid not in self._pids:
                self._pids[pid] = cpu_seconds(pid)
            if wait_type == "Lock":
                waiting += 1
            elif state == "active":
                result.active += 1
            elif state == "idle in transaction":
                result.idle_in_transaction += 1
            if wait_type and state != "idle":
                result.events[f"{wait_type}:{wait_event}"] += 1
        result.lock_waiters += waiting
        result.samples_with_lock_wait += bool(waiting)

    @property
    def error(self) -> BaseException | None:
        return self._error
