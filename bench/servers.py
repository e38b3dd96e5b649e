"""Starting, probing and stopping the servers under test, and reading their CPU and memory.

Every process is started in its own session so that stopping it (SIGTERM to its process group,
by id) also stops the uvicorn workers it spawned, and nothing outlives the harness.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.load import pinned

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_started: list[subprocess.Popen[bytes]] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, Any]:
    """One HTTP request on a new connection; the decoded JSON body (or text) back."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=timeout
    )
    try:
        payload = None if body is None else json.dumps(body).encode()
        sent = {**(headers or {})}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw.decode(errors="replace")


def is_healthy(base_url: str, path: str) -> bool:
    try:
        return request(base_url, "GET", path, timeout=2)[0] == 200
    except OSError:
        return False


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    health_path: str
    started_at: float
    ready_after: float = 0.0
    """Seconds from process start to the first healthy answer."""
    _cpu_mark: float = field(default=0.0)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 60, poll: float = 0.005) -> "Server":
        deadline = self.started_at + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            if is_healthy(self.base_url, self.health_path):
                self.ready_after = time.monotonic() - self.started_at
                return self
            time.sleep(poll)
        self.stop()
        raise RuntimeError(f"{self.name} was not healthy within {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: uvicorn's workers, or the process itself."""
        children = [
            pid
            for pid in _children(self.process.pid)
            if "resource_tracker" not in _cmdline(pid) and "semaphore_tracker" not in _cmdline(pid)
        ]
        return children or [self.process.pid]

    def wait_idle(self, *, window: float = 0.25, busy: float = 0.05, timeout: float = 15) -> None:
        """Until the workers stop using CPU: requests the generator gave up on at the end of
        its run may still be running, and reading state under them would race."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(window)
            if self.cpu_seconds() - before < busy * window:
                return

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in {self.process.pid, *self.worker_pids()})

    def peak_rss_mb(self) -> list[float]:
        """VmHWM of each worker: the most resident memory it ever had."""
        return [_status_kb(pid, "VmHWM") / 1024 for pid in self.worker_pids()]

    def stop(self) -> None:
        stop_process(self.process)


def start(
    name: str,
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    cpus: str | None = None,
    health_path: str,
    port: int,
    log_dir: Path,
) -> Server:
    log = log_dir / f"{name}-{port}.log"
    with log.open("wb") as sink:
        started_at = time.monotonic()
        process = subprocess.Popen(
            pinned(command, cpus),
            env={**os.environ, **(env or {})},
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _started.append(process)
    return Server(name, process, port, log, health_path, started_at)


def track(process: subprocess.Popen[bytes]) -> None:
    """Stop this process (and its process group) with the servers at the end."""
    _started.append(process)


def emulator_command(port: int, workers: int = 1) -> list[str]:
    return [
        str(VENV_BIN / "capillary-emulator"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def ceiling_command(port: int, workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--workers", str(workers)]


def emulator_env(database_url: str, **extra: str) -> dict[str, str]:
    return {"CAPEMU_DATABASE_URL": database_url, "CAPEMU_LOG_LEVEL": "warning", **extra}


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    else:
        # The leader is gone; its workers may not be.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def stop_all() -> None:
    for process in _started:
        stop_process(process)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found.extend(int(x) for x in text.split())
    except OSError:
        pass
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used, from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of stat; fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
