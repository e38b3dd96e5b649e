"""Where a served transfer's time goes, HTTP server included: py-spy on a loaded emulator.

    python -m bench.profile_live [--seconds 8] [--customers 1000] [--scenario transfer]

Starts `capillary-emulator serve` on a fresh SQLite file (pinned to CPU 1 where there are two),
seeds the bench org, drives the scenario with wrk at 16 connections (CPU 0) and samples the
worker with `py-spy record --format raw` (`pip install py-spy`; needs ptrace, i.e. root or
CAP_SYS_PTRACE). Prints the share of samples by layer and the top functions by own time.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from bench import load, servers, workload

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*):(?P<line>\d+)\)$")
LAYERS = (
    ("capillary_emulator/writer/core", "emulator: ledger writer"),
    ("capillary_emulator", "emulator: other code"),
    ("sqlalchemy", "SQLAlchemy"),
    ("sqlite3", "sqlite3 driver"),
    ("psycopg", "psycopg driver"),
    ("pydantic", "pydantic"),
    ("fastapi", "FastAPI"),
    ("starlette", "Starlette"),
    ("uvicorn", "uvicorn"),
    ("httptools", "uvicorn"),
    ("uvloop", "uvloop / event loop"),
    ("asyncio", "uvloop / event loop"),
    ("json", "json"),
)


def layer(file: str) -> str:
    for marker, name in LAYERS:
        if marker in file:
            return name
    return "other (stdlib, ...)"


def summarise(raw: str, top: int = 25) -> str:
    own: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        parsed = [FRAME.match(f) for f in frames]
        leaf = parsed[-1]
        total += count
        if leaf is None:
            own[frames[-1]] += count
            layers["other (stdlib, ...)"] += count
            continue
        short = leaf["file"].split("site-packages/")[-1].split("/src/")[-1]
        own[f"{leaf['function']} ({short})"] += count
        layers[layer(leaf["file"])] += count
        seen = set()
        for match in parsed:
            if match and "capillary_emulator" in match["file"]:
                name = f"{match['function']} ({match['file'].split('/src/')[-1]})"
                if name not in seen:
                    seen.add(name)
                    inclusive[name] += count
    if not total:
        return "no samples"
    lines = [f"{total} samples", "", "Own time by layer:", ""]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in layers.most_common()]
    lines += ["", f"Top {top} functions by own time:", ""]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in own.most_common(top)]
    lines += ["", "Emulator functions by inclusive time:", ""]
    lines += [f"  {n / total:6.1%}  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_live", description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--scenario", default="transfer", choices=sorted(workload.SCENARIOS))
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--output", type=Path, help="also write the summary here")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(servers.VENV_BIN / "py-spy")
    wrk = load.find_wrk(install=False)
    if not Path(py_spy).exists() or not wrk:
        print("needs py-spy (pip install py-spy) and wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="capemu-live-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'live.db'}"
        port = servers.free_port()
        server = servers.start(
            "emulator-live",
            servers.emulator_command(port),
            env=servers.emulator_env(url),
            cpus="1",
            health_path="/_emulator/health",
            port=port,
            log_dir=workdir,
        ).wait_healthy(timeout=120)
        try:
            status, body = servers.request(
                server.base_url,
                "POST",
                "/_emulator/seed",
                workload.seed_document(args.customers),
                timeout=900,
            )
            if status != 200:
                raise RuntimeError(f"seed: HTTP {status} {str(body)[:300]}")
            requests = workload.write_request_file(workdir, args.scenario, args.customers)
            load.run_wrk(
                wrk, server.base_url, args.scenario, requests, connections=16, seconds=1, cpus="0"
            )
            results: list[load.LoadResult] = []
            driver = threading.Thread(
                target=lambda: results.append(
                    load.run_wrk(
                        wrk,
                        server.base_url,
                        args.scenario,
                        requests,
                        connections=16,
                        seconds=args.seconds + 2,
                        cpus="0",
                    )
                )
            )
            driver.start()
            raw_file = workdir / "profile.txt"
            subprocess.run(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(server.worker_pids()[0]),
                    "--duration",
                    str(args.seconds),
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                    "--nonblocking",
                    "--output",
                    str(raw_file),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=args.seconds + 60,
            )
            driver.join()
            summary = summarise(raw_file.read_text())
        finally:
            server.stop()
    if results:
        r = results[0]
        summary = (
            f"{args.scenario}: {r.rps:.0f} req/s at 16 connections, p50 {r.p50_ms:.1f} ms, "
            f"p99 {r.p99_ms:.1f} ms, {r.errors} errors (under py-spy)\n\n" + summary
        )
    print(summary)
    if args.output:
        args.output.write_text(summary + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
