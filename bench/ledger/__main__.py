"""Ledger at scale: getCustomerLedgerInfo / getCustomerLedgerBalance for one customer in a
ledger of 1k, 100k and 1M entries, on SQLite and Postgres.

    .venv/bin/python -m bench.ledger [--quick | --smoke] [--backends sqlite,postgres]
                                     [--postgres-url URL] [--json FILE] [--write-readme]

For each size a fresh database gets the demo data and then, bulk-loaded, customers of exactly
100 ledger entries each (10, 1,000, 10,000 customers). One client in-process (httpx over ASGI,
no network) then times the measured customer's first info page and its balance, the sizes
taking turns round by round. On the largest database it prints the EXPLAIN of every SELECT the
two requests send and runs the audit. The databases are removed at the end.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.ledger import loader
from bench.ledger.measure import Timing, full_scans, query_plans, time_requests
from capillary_emulator import clock, lifecycle
from capillary_emulator.config import DEMO_SEED_FILE, Settings
from capillary_emulator.main import create_app

PG_PORT = os.environ.get("CAPEMU_PG_PORT", "55432")
"""The port scripts/pg-cluster.sh and bench.run use."""
DEFAULT_POSTGRES_URL = f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/capemu_bench"
README = Path(__file__).resolve().parents[1] / "README.md"
README_BEGIN = "<!-- ledger:begin -->"
README_END = "<!-- ledger:end -->"
P99_BOUND_MS = 3.0
THROUGHPUT_BOUND = 0.9


@dataclass(frozen=True)
class Mode:
    name: str
    sizes: tuple[int, ...]
    backends: tuple[str, ...]
    rounds: int
    per_round: int
    warmup: int
    hard_limit_s: int
    judged: bool
    """Whether the targets get PASS/MISS (the smoke run is too short to judge)."""


BOTH = ("sqlite", "postgres")
MODES = {
    "full": Mode("full", (1_000, 100_000, 1_000_000), BOTH, 5, 300, 100, 1800, True),
    "quick": Mode("quick", (1_000, 100_000), BOTH, 3, 200, 50, 600, True),
    "smoke": Mode("smoke", (1_000, 10_000), ("sqlite",), 1, 30, 10, 120, False),
}


@dataclass
class SizeResult:
    backend: str
    rows: int
    load_seconds: float
    timings: list[Timing]


@dataclass
class BackendResult:
    backend: str
    sizes: list[SizeResult]
    plans: dict[str, list[dict[str, Any]]]
    audit_ok: bool


def short_size(rows: int) -> str:
    if rows >= 1_000_000 and rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows >= 1_000 and rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return f"{rows:,}"


async def run_backend(backend: str, urls: dict[int, str], mode: Mode) -> BackendResult:
    """One database per size, each served by its own app in this process, timed in turns."""
    async with AsyncExitStack() as stack:
        clients: dict[int, httpx.AsyncClient] = {}
        loads: dict[int, tuple[float, int]] = {}
        engine = None
        for size, url in urls.items():
            settings = Settings(database_url=url, seed_file=DEMO_SEED_FILE)
            app = create_app(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            engine = app.state.engine
            with Session(engine) as session, session.begin():
                lifecycle.reset(session, settings)
                now = clock.now(session)
            loader.create_org(engine, now)
            seconds = loader.load_customers(
                engine,
                start=0,
                stop=size // loader.ENTRIES_PER_CUSTOMER,
                now=now,
                label=f"{backend} {short_size(size):>4}",
            )
            loader.analyze(engine)
            loads[size] = (seconds, loader.ledger_rows(engine))
            clients[size] = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            )
        timings = await time_requests(
            clients, rounds=mode.rounds, per_round=mode.per_round, warmup=mode.warmup
        )
        results = [
            SizeResult(backend, loads[size][1], loads[size][0], timings[size]) for size in urls
        ]
        for result in results:
            print_size(result)
        assert engine is not None
        largest = clients[max(urls)]
        plans = await query_plans(largest, engine)
        audit = (await largest.get("/_emulator/audit")).json()
    return BackendResult(backend, results, plans, bool(audit.get("ok")))


def print_size(result: SizeResult) -> None:
    for timing in result.timings:
        s = timing.summary()
        print(
            f"  {result.backend:8} {result.rows:>9,} rows  {timing.endpoint:26} "
            f"p50 {s['p50_ms']:6.2f} ms  p99 {s['p99_ms']:6.2f} ms  "
            f"cpu {s['cpu_ms_per_request']:5.2f} ms  "
            f"{s['best_rps']:8,.0f} req/s (best round; median {s['median_rps']:,.0f})"
            + (f"  ERRORS {timing.errors}: {timing.first_error}" if timing.errors else ""),
            flush=True,
        )


def targets(backends: list[BackendResult], mode: Mode) -> list[dict[str, str]]:
    found = []
    for b in backends:
        first, last = b.sizes[0], b.sizes[-1]
        label = f"{b.backend}, {short_size(last.rows)} rows vs {short_size(first.rows)}"
        for small, large in zip(first.timings, last.timings, strict=True):
            ratio = large.best_rps / small.best_rps
            found.append(
                {
                    "name": f"Ledger {large.endpoint} throughput ({label})",
                    "figure": f"{ratio:.0%} ({large.best_rps:,.0f} / {small.best_rps:,.0f} req/s)",
                    "bound": f">= {THROUGHPUT_BOUND:.0%}",
                    "result": verdict(mode, ratio >= THROUGHPUT_BOUND),
                }
            )
            p99 = large.percentile(99)
            found.append(
                {
                    "name": f"Ledger {large.endpoint} single-client p99 "
                    f"({b.backend}, {short_size(last.rows)} rows)",
                    "figure": f"{p99:.2f} ms",
                    "bound": f"< {P99_BOUND_MS:g} ms",
                    "result": verdict(mode, p99 < P99_BOUND_MS),
                }
            )
        scans = full_scans(b.plans)
        explained = sum(len(items) for items in b.plans.values())
        if not explained:
            figure = "no SELECT captured"  # nothing explained proves nothing
        else:
            figure = f"no full scans in {explained} SELECTs" if not scans else "; ".join(scans)
        found.append(
            {
                "name": f"Ledger query plans use indexes ({b.backend})",
                "figure": figure,
                "bound": "index only",
                "result": verdict(mode, bool(explained) and not scans),
            }
        )
        found.append(
            {
                "name": f"Audit after the ledger load ({b.backend})",
                "figure": "ok" if b.audit_ok else "violations",
                "bound": "ok",
                "result": "PASS" if b.audit_ok else "MISS",
            }
        )
    return found


def verdict(mode: Mode, ok: bool) -> str:
    if not mode.judged:
        return "n/a"
    return "PASS" if ok else "MISS"


def markdown(backends: list[BackendResult], mode: Mode, found: list[dict[str, str]]) -> str:
    lines = [
        f"Run {datetime.now():%Y-%m-%d %H:%M} (`python -m bench.ledger"
        f"{'' if mode.name == 'full' else ' --' + mode.name}`): one client in-process, "
        f"{mode.rounds} rounds of {mode.per_round} requests per endpoint and size (sizes and "
        f"endpoints taking turns) after {mode.warmup} warm-up requests; p50 / p99 over all "
        "rounds; req/s of the best round; CPU ms/req of the benchmark process (client and "
        "app) in its least busy round.",
        "",
        "| Database | Ledger rows | Load (s) | Request | p50 ms | p99 ms | CPU ms/req | req/s "
        "| vs first size |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for b in backends:
        base = {t.endpoint: t.best_rps for t in b.sizes[0].timings}
        for size in b.sizes:
            for t in size.timings:
                s = t.summary()
                lines.append(
                    f"| {b.backend} | {size.rows:,} | {size.load_seconds:.1f} | {t.endpoint} | "
                    f"{s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['cpu_ms_per_request']:.2f} | "
                    f"{s['best_rps']:,.0f} | "
                    f"{t.best_rps / base[t.endpoint]:.0%} |"
                )
    lines += ["", "| Target | Figure | Bound | Result |", "| --- | --- | --- | --- |"]
    lines += [f"| {t['name']} | {t['figure']} | {t['bound']} | {t['result']} |" for t in found]
    for b in backends:
        lines += ["", f"Query plans on {b.backend} at {b.sizes[-1].rows:,} rows:", ""]
        for endpoint, statements in b.plans.items():
            lines += [f"`{endpoint}`:", "", "```text"]
            for item in statements:
                lines.append(item["statement"])
                lines += ["    " + line for line in item["plan"]]
            lines += ["```", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_readme(section: str) -> None:
    current = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    block = f"{README_BEGIN}\n{section}{README_END}"
    if README_BEGIN in current and README_END in current:
        head, rest = current.split(README_BEGIN, 1)
        tail = rest.split(README_END, 1)[1]
        updated = head + block + tail
    else:
        updated = current.rstrip() + "\n\n## Ledger at scale\n\n" + block + "\n"
    README.write_text(updated, encoding="utf-8")


@contextmanager
def sqlite_databases(base: Path, sizes: Sequence[int]) -> Iterator[dict[int, str]]:
    """A fresh SQLite file per size, deleted afterwards."""
    paths = {size: base.with_name(f"{base.stem}-{short_size(size)}{base.suffix}") for size in sizes}

    def remove() -> None:
        for path in paths.values():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    remove()
    try:
        yield {size: f"sqlite:///{path}" for size, path in paths.items()}
    finally:
        remove()


@contextmanager
def postgres_databases(url: str, sizes: Sequence[int]) -> Iterator[dict[int, str]]:
    """A fresh database per size next to the given one (<name>_ledger_1k, ...), dropped
    afterwards; needs the CREATEDB right."""
    from sqlalchemy import create_engine, make_url

    base = make_url(url)
    names = {size: f"{base.database}_ledger_{short_size(size).lower()}" for size in sizes}
    admin = create_engine(base, isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        drop()
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield {
            size: base.set(database=name).render_as_string(hide_password=False)
            for size, name in names.items()
        }
    finally:
        drop()
        admin.dispose()


def postgres_reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    from sqlalchemy import create_engine

    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # any failure to connect means: skip with a note
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="1k and 100k rows (~1-2 min)")
    size.add_argument("--smoke", action="store_true", help="1k and 10k rows, SQLite (~10 s)")
    parser.add_argument("--backends", help="comma-separated: sqlite,postgres (default: mode's)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CAPEMU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="Postgres server and base database: <name>_ledger_1k, ... are created beside it "
        f"and dropped afterwards (env CAPEMU_BENCH_POSTGRES_URL; default {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument(
        "--sqlite-path",
        type=Path,
        default=Path(tempfile.gettempdir()) / "capemu-ledger-bench.db",
        help="SQLite file name; one file per size is made beside it (deleted afterwards)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON (bench.run)")
    parser.add_argument(
        "--write-readme", action="store_true", help='replace "Ledger at scale" in bench/README.md'
    )
    args = parser.parse_args(argv)
    mode = MODES["smoke" if args.smoke else "quick" if args.quick else "full"]
    backends = tuple(args.backends.split(",")) if args.backends else mode.backends
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")

    def give_up(signum: int, _frame: Any) -> None:
        raise TimeoutError(f"bench.ledger stopped after {mode.hard_limit_s} s (hard limit)")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(mode.hard_limit_s)
    print(
        f"bench.ledger ({mode.name}): sizes {', '.join(short_size(s) for s in mode.sizes)} "
        f"on {', '.join(backends)}; hard limit {mode.hard_limit_s // 60} min",
        flush=True,
    )
    notes: list[str] = []
    results: list[BackendResult] = []
    started = time.perf_counter()
    for backend in backends:
        if backend == "postgres":
            problem = postgres_reachable(args.postgres_url)
            if problem:
                notes.append(f"Postgres skipped ({args.postgres_url}): {problem}")
                print(notes[-1], flush=True)
                continue
            databases = postgres_databases(args.postgres_url, mode.sizes)
        else:
            databases = sqlite_databases(args.sqlite_path, mode.sizes)
        with databases as urls:
            results.append(asyncio.run(run_backend(backend, urls, mode)))
    signal.alarm(0)

    found = targets(results, mode)
    section = markdown(results, mode, found)
    if notes:
        section += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    print()
    print(section)
    print(f"bench.ledger took {time.perf_counter() - started:.0f} s", flush=True)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "mode": mode.name,
                    "targets": found,
                    "markdown": section,
                    "notes": notes,
                    "results": [
                        {
                            "backend": b.backend,
                            "audit_ok": b.audit_ok,
                            "sizes": [
                                {
                                    "rows": s.rows,
                                    "load_seconds": round(s.load_seconds, 2),
                                    "timings": [t.summary() for t in s.timings],
                                }
                                for s in b.sizes
                            ],
                            "plans": b.plans,
                        }
                        for b in results
                    ],
                },
                indent=2,
            )
        )
    if args.write_readme:
        write_readme(section)
    errors = sum(t.errors for b in results for s in b.sizes for t in s.timings)
    return 1 if errors or not all(b.audit_ok for b in results) else 0


if __name__ == "__main__":
    sys.exit(main())
