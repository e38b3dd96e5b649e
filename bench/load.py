"""Load generators: wrk (Debian's package, driven by bench/wrk.lua) and a small Python fallback.

Both replay the same request file over keep-alive connections for a fixed duration and report
requests/s, latency percentiles and errors: non-2xx answers and 2xx answers whose `errors`
array is not empty. Each result also carries the generator's own CPU use, which shows whether
the generator (rather than the server) was the bottleneck.
"""

import asyncio
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.workload import AUTHORIZATION

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
ERRORS_ITEM = re.compile(rb'"errors"\s*:\s*\[\s*\{')
INSUFFICIENT = re.compile(rb'"code"\s*:\s*804\D')


@dataclass
class LoadResult:
    scenario: str
    connections: int
    generator: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    insufficient: int
    loadgen_cpu: float
    """CPU seconds the generator used per wall second (1.0 = one core busy)."""
    sample_error: str = ""
    server_cpu: float = 0.0
    """CPU seconds the server's processes used per wall second, set by the harness."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def find_wrk(*, install: bool) -> str | None:
    """wrk's path; installs Debian's package when absent and `install` is set."""
    found = shutil.which("wrk")
    if found or not install:
        return found
    print("  installing wrk from Debian's packages (apt-get)...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt_get(*args: str) -> int:
        return subprocess.run(
            ["apt-get", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
        ).returncode

    if apt_get("install", "-y", "-qq", "wrk"):
        apt_get("update", "-qq")
        apt_get("install", "-y", "-qq", "wrk")
    return shutil.which("wrk")


def pinned(command: list[str], cpus: str | None) -> list[str]:
    if cpus is None or not shutil.which("taskset"):
        return command
    return ["taskset", "-c", cpus, *command]


def run_wrk(
    wrk: str,
    base_url: str,
    scenario: str,
    request_file: Path,
    *,
    connections: int,
    seconds: float,
    cpus: str | None,
) -> LoadResult:
    command = pinned(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
            base_url,
            "--",
            str(request_file),
            AUTHORIZATION,
        ],
        cpus,
    )
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out_file, stderr=err_file)
        status, cpu = _reap(process, timeout=seconds + 30, scenario=scenario)
        wall = time.monotonic() - started
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    line = next(
        (x for x in out.decode(errors="replace").splitlines() if x.startswith("BENCHJSON ")), None
    )
    if status or line is None:
        raise RuntimeError(f"wrk failed ({scenario}): {err.decode(errors='replace')[-500:]}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    return LoadResult(
        scenario=scenario,
        connections=connections,
        generator="wrk",
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"] + data["socket_errors"] + data["timeouts"],
        insufficient=data["insufficient"],
        loadgen_cpu=cpu / wall if wall else 0.0,
        sample_error=data["sample_error"],
    )


def _reap(process: subprocess.Popen[bytes], *, timeout: float, scenario: str) -> tuple[int, float]:
    """Wait for the process with wait4, which also tells the CPU time it used."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            process.returncode = -9
            raise RuntimeError(f"wrk did not finish ({scenario})")
        time.sleep(0.05)


def read_requests(request_file: Path, host: str) -> list[bytes]:
    requests = []
    for line in request_file.read_text(encoding="utf-8").splitlines():
        method, path, body = line.split("\t", 2)
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {AUTHORIZATION}\r\n"
        payload = body.encode()
        if payload:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        requests.append(head.encode() + b"\r\n" + payload)
    return requests


async def _python_load(
    base_url: str, requests: list[bytes], connections: int, seconds: float
) -> tuple[list[float], int, int, str, float]:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[float] = []
    counts = {"errors": 0, "insufficient": 0}
    sample = [""]
    started = time.perf_counter()
    deadline = started + seconds

    async def one_connection(offset: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        index = offset
        try:
            while time.perf_counter() < deadline:
                index = (index + 1) % len(requests)
                sent = time.perf_counter()
                writer.write(requests[index])
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = 0
                for header in head.split(b"\r\n")[1:]:
                    name, _, value = header.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                latencies.append(time.perf_counter() - sent)
                if not 200 <= status < 300 or ERRORS_ITEM.search(body):
                    counts["errors"] += 1
                    counts["insufficient"] += bool(INSUFFICIENT.search(body))
                    if not sample[0]:
                        sample[0] = f"{status} {body[:300].decode(errors='replace')}"
        finally:
            writer.close()

    await asyncio.gather(*(one_connection(i * 1009) for i in range(connections)))
    elapsed = time.perf_counter() - started
    return latencies, counts["errors"], counts["insufficient"], sample[0], elapsed


def run_python(
    base_url: str, scenario: str, request_file: Path, *, connections: int, seconds: float
) -> LoadResult:
    """The fallback generator (for --smoke without wrk); asyncio, one process."""
    requests = read_requests(request_file, urlsplit(base_url).netloc)
    before = resource.getrusage(resource.RUSAGE_SELF)
    latencies, errors, insufficient, sample, elapsed = asyncio.run(
        _python_load(base_url, requests, connections, seconds)
    )
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    latencies.sort()
    return LoadResult(
        scenario=scenario,
        connections=connections,
        generator="python",
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        errors=errors,
        insufficient=insufficient,
        loadgen_cpu=cpu / elapsed if elapsed else 0.0,
        sample_error=sample,
    )


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]
