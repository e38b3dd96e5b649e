"""`python -m bench.run [--smoke | --quick]`: the emulator measured beside its ceiling.

Starts a bare FastAPI app (bench/ceiling.py) and the emulator on loopback ports, loads them with
wrk (or a Python loop in --smoke when wrk is absent), measures cold start, reset and memory,
runs the transfer mix on Postgres with 1 and 2 workers, asks bench.ledger for its figures, then
prints a table with every target beside its figure and writes it to bench/results/<date>.md.

Exit status: 0 when every phase ran and no request failed; 1 otherwise (and, with --strict,
also when a target is missed). Targets are ratios or bounds measured in the same run, because
absolute numbers drift on shared machines.
"""

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import load, report, servers, startup, workload
from bench import postgres as pg
from bench.load import LoadResult

RESULTS_DIR = Path(__file__).with_name("results")
README = Path(__file__).with_name("README.md")
PG_DATABASES = ("capemu_bench_mix_seed", "capemu_bench_mix_w1", "capemu_bench_mix_w2")


class Stopped(BaseException):
    """The hard limit passed (or SIGTERM came): not caught by a phase, ends the run."""


@dataclass(frozen=True)
class Profile:
    name: str
    seconds: float
    """Length of one measured load run."""
    warmup: float
    runs: int
    """Runs per figure; the table shows their median and min-max spread."""
    customers: int
    cold_starts: int
    resets: int
    reset_customers: int
    """Customers in the seed file of the reset timings (the issue's figure is for 5,000)."""
    postgres: bool
    install: bool
    """Install wrk (apt-get) and Postgres (scripts/pg-cluster.sh) when absent."""
    statements: bool
    """Count SQL statements per request in-process (bench.profile_transfer --count)."""
    single_client: bool
    """Also run the single-client (1 connection) scenarios."""
    hard_limit: float
    """Seconds after which the harness stops itself, whatever it is doing."""

    def expected_ledger_seconds(self) -> float:
        """bench.ledger's own run (beside the others in smoke, so it adds nothing there)."""
        return {"smoke": 0.0, "quick": 80.0}.get(self.name, 400.0)

    def plan(self) -> list[tuple[str, str, int]]:
        return [step for step in SQLITE_PLAN if self.single_client or step[2] > 1]

    def expected_seconds(self) -> float:
        per_run = self.seconds + 0.4
        steps = len(self.plan())
        sqlite_rounds = self.runs * steps * per_run + steps * self.warmup
        postgres = (self.runs * 2 * per_run + 2 * self.warmup + 15) if self.postgres else 0
        # Seeding through the API costs about 17 ms per customer on Postgres (the slower of the
        # two seeded side by side) and 8 ms on SQLite.
        seeding = 3 + self.customers * (0.017 if self.postgres else 0.008)
        # Rounds of ceiling, fresh and seeded starts (plus a warm-up round), then a server
        # loading the reset seed file (~4 ms per customer) and its resets (within budget).
        starts = (1 if self.name == "smoke" else self.cold_starts + 1) * 5 + self.resets * 0.15
        starts += self.reset_customers * 0.008 + min(2 * startup.RESET_BUDGET_S, self.resets * 4)
        statements = 12 if self.statements else 0
        return seeding + sqlite_rounds + postgres + starts + statements + 3


PROFILES = {
    "smoke": Profile("smoke", 0.2, 0, 1, 50, 1, 3, 50, False, False, False, False, 120),
    "quick": Profile("quick", 2, 1, 3, 2_000, 3, 10, 5_000, True, True, True, True, 900),
    "full": Profile("full", 6, 1, 3, 10_000, 5, 20, 5_000, True, True, True, True, 1800),
}

# (server, scenario, connections); run in this order in every round, so the ceiling and the
# emulator see the same machine conditions and history has transfers to show.
SQLITE_PLAN: list[tuple[str, str, int]] = [
    ("ceiling", "ceilingPost", 16),
    ("emulator", "transfer", 16),
    ("ceiling", "ceilingGet", 16),
    ("emulator", "ledgerInfo", 16),
    ("emulator", "isTransferrable", 16),
    ("emulator", "history", 16),
    ("ceiling", "ceilingPost", 1),
    ("emulator", "transfer", 1),
    ("ceiling", "ceilingGet", 1),
    ("emulator", "ledgerInfo", 1),
]


@dataclass
class Results:
    profile: Profile
    started: dt.datetime
    generator: str = ""
    layout: str = ""
    load: dict[tuple[str, str, int], list[LoadResult]] = field(default_factory=dict)
    seed_seconds: dict[str, float] = field(default_factory=dict)
    rss_mb: dict[str, list[float]] = field(default_factory=dict)
    audits: dict[str, bool] = field(default_factory=dict)
    cold_start: dict[str, list[float]] = field(default_factory=dict)
    reset_ms: dict[str, list[float]] = field(default_factory=dict)
    org_ms: dict[str, list[float]] = field(default_factory=dict)
    """Creating and deleting an isolated test org, on the demo data (SQLite)."""
    statements: dict[str, Any] = field(default_factory=dict)
    ledger: dict[str, Any] | None = None
    ledger_note: str = ""
    postgres_enabled: bool = True
    ledger_enabled: bool = True
    pg_waits: dict[int, list[pg.WaitSample]] = field(default_factory=dict)
    """What the database's backends did during each Postgres run, by worker count."""
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0


class Harness:
    def __init__(self, profile: Profile, workdir: Path, *, postgres: bool, ledger: bool) -> None:
        self.profile = profile
        self.workdir = workdir
        self.postgres = postgres and profile.postgres
        self.with_ledger = ledger
        self.update_readme = False
        """Set for a full run that records its table in bench/README.md."""
        self.ledger_json = workdir / "ledger.json"
        self.ledger_process: subprocess.Popen[bytes] | None = None
        self.ledger_log: Any = None
        self.results = Results(
            profile, dt.datetime.now(), postgres_enabled=self.postgres, ledger_enabled=ledger
        )
        self.wrk = load.find_wrk(install=profile.install)
        multi_core = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
        self.server_cpus = "1" if multi_core else None
        self.loadgen_cpus = "0" if multi_core else None
        self.results.generator = (
            f"wrk ({self.wrk})" if self.wrk else "Python asyncio loop (wrk not installed)"
        )
        self.results.layout = (
            "servers pinned to CPU 1, load generator to CPU 0 (taskset); "
            "the Postgres runs are unpinned so that 2 workers can use both cores"
            if multi_core
            else "no pinning (one core or no taskset)"
        )
        self.request_files = {
            name: workload.write_request_file(workdir, name, profile.customers)
            for name in workload.SCENARIOS
        }

    # -- phases ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        print(f"- {name}...", flush=True)
        try:
            yield
        except Exception as exc:  # a failed phase is reported; the others still run
            self.results.failures.append(f"{name}: {type(exc).__name__}: {exc}")
            traceback.print_exc()
        finally:
            print(f"  ({time.monotonic() - started:.1f} s)", flush=True)

    def run(self) -> Results:
        started = time.monotonic()
        sqlite_url = f"sqlite:///{self.workdir / 'bench-mix.db'}"
        if self.with_ledger and self.profile.name == "smoke":
            self.start_ledger()
        emulator = ceiling = None
        with self.phase(f"seed {self.profile.customers} customers through POST /_emulator/seed"):
            ceiling = self.start(
                "ceiling", servers.ceiling_command, {}, self.server_cpus, wait=False
            )
            emulator = self.start(
                "emulator-sqlite",
                servers.emulator_command,
                servers.emulator_env(sqlite_url),
                self.server_cpus,
                wait=False,
            )
            ceiling.wait_healthy(timeout=90)
            emulator.wait_healthy(timeout=90)
            self.seed_all(emulator)
        if emulator and ceiling and "SQLite" in self.results.seed_seconds:
            with self.phase("load: ceiling and emulator on SQLite"):
                self.sqlite_rounds(ceiling, emulator)
            with self.phase("audit and memory (SQLite)"):
                self.results.rss_mb["emulator on SQLite, 1 worker"] = emulator.peak_rss_mb()
                self.results.rss_mb["ceiling, 1 worker"] = ceiling.peak_rss_mb()
                self.check_audit("SQLite", emulator)
        for server in (emulator, ceiling):
            if server:
                server.stop()
        if self.postgres:
            with self.phase("load: transfers on Postgres, 1 and 2 workers"):
                self.postgres_rounds()
        with self.phase("cold start and reset"):
            self.start_and_reset()
        if self.profile.statements:
            with self.phase("SQL statements per request (in-process)"):
                self.count_statements()
        if self.with_ledger:
            with self.phase("ledger at scale (python -m bench.ledger)"):
                if self.ledger_process is None:
                    self.start_ledger()
                self.finish_ledger()
        self.results.elapsed = time.monotonic() - started
        return self.results

    def start(
        self,
        name: str,
        command: Callable[..., list[str]],
        env: dict[str, str],
        cpus: str | None,
        workers: int = 1,
        timeout: float = 90,
        wait: bool = True,
    ) -> servers.Server:
        port = servers.free_port()
        health = "/_emulator/health" if name.startswith("emulator") else "/health"
        server = servers.start(
            name,
            command(port, workers),
            env=env,
            cpus=cpus,
            health_path=health,
            port=port,
            log_dir=self.workdir,
        )
        return server.wait_healthy(timeout=timeout) if wait else server

    def seed_all(self, emulator: servers.Server) -> None:
        """Seed SQLite (and the Postgres template) at once: each server has its own core."""
        document = workload.seed_document(self.profile.customers)
        jobs = [threading.Thread(target=self.seed, args=("SQLite", emulator, document))]
        jobs[0].start()
        pg_seeder: servers.Server | None = None
        try:
            if self.postgres:
                pg.ensure_running(servers.PROJECT_ROOT)
                pg.recreate_database(PG_DATABASES[0])
                pg_seeder = self.start(
                    "emulator-pg-seed",
                    servers.emulator_command,
                    servers.emulator_env(f"{pg.BASE_URL}/{PG_DATABASES[0]}"),
                    self.loadgen_cpus,
                )
                jobs.append(
                    threading.Thread(target=self.seed, args=("Postgres", pg_seeder, document))
                )
                jobs[1].start()
        finally:
            for job in jobs:
                job.join()
            if pg_seeder:
                pg_seeder.stop()
        if "Postgres" in self.results.seed_seconds:
            # The copies made from this template inherit its statistics but not its
            # modification counters, so autovacuum would never analyze them: without this the
            # planner sees empty tables and seq-scans point_balances on every transfer.
            pg.execute(PG_DATABASES[0], "ANALYZE")
        for label in ("SQLite", "Postgres") if self.postgres else ("SQLite",):
            if label not in self.results.seed_seconds:
                raise RuntimeError(f"seeding {label} failed")

    def seed(self, label: str, server: servers.Server, document: dict[str, Any]) -> None:
        started = time.monotonic()
        try:
            status, body = servers.request(
                server.base_url, "POST", "/_emulator/seed", document, timeout=900
            )
        except Exception as exc:
            self.results.failures.append(f"seed {label}: {exc}")
            return
        if status != 200:
            self.results.failures.append(f"seed {label}: HTTP {status} {str(body)[:300]}")
            return
        self.results.seed_seconds[label] = time.monotonic() - started

    def load(
        self,
        server: servers.Server,
        scenario: str,
        connections: int,
        seconds: float,
        *,
        loadgen_cpus: str | None,
        force_python: bool = False,
    ) -> LoadResult:
        cpu_before = server.cpu_seconds()
        wall_before = time.monotonic()
        if self.wrk and not force_python:
            result = load.run_wrk(
                self.wrk,
                server.base_url,
                scenario,
                self.request_files[scenario],
                connections=connections,
                seconds=seconds,
                cpus=loadgen_cpus,
            )
        else:
            result = load.run_python(
                server.base_url,
                scenario,
                self.request_files[scenario],
                connections=connections,
                seconds=seconds,
            )
        wall = time.monotonic() - wall_before
        result.server_cpu = (server.cpu_seconds() - cpu_before) / wall if wall else 0.0
        return result

    def use_python(self, scenario: str, connections: int) -> bool:
        # wrk measures whole seconds; the smoke run checks the wrk path on one scenario only.
        if self.profile.name != "smoke":
            return False
        return not (scenario == "transfer" and connections == 16)

    def sqlite_rounds(self, ceiling: servers.Server, emulator: servers.Server) -> None:
        by_name = {"ceiling": ceiling, "emulator": emulator}
        plan = self.profile.plan()
        for name, scenario, connections in plan:
            if connections > 1 and self.profile.warmup:
                self.load(
                    by_name[name],
                    scenario,
                    connections,
                    self.profile.warmup,
                    loadgen_cpus=self.loadgen_cpus,
                    force_python=False,
                )
        for _ in range(self.profile.runs):
            for name, scenario, connections in plan:
                result = self.load(
                    by_name[name],
                    scenario,
                    connections,
                    self.profile.seconds,
                    loadgen_cpus=self.loadgen_cpus,
                    force_python=self.use_python(scenario, connections),
                )
                self.record(f"{name} (SQLite)" if name == "emulator" else name, result)

    def record(self, label: str, result: LoadResult) -> None:
        self.results.load.setdefault((label, result.scenario, result.connections), []).append(
            result
        )
        status = (
            f"{result.rps:8.0f} req/s  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
        )
        errors = f"  errors {result.errors}" if result.errors else ""
        print(f"    {label:22} {result.scenario:16} c{result.connections:<3} {status}{errors}")
        if result.errors and result.sample_error:
            print(f"      first error: {result.sample_error[:200]}")

    def check_audit(self, label: str, server: servers.Server) -> None:
        server.wait_idle()
        status, body = servers.request(server.base_url, "GET", "/_emulator/audit", timeout=300)
        ok = status == 200 and isinstance(body, dict) and bool(body.get("ok"))
        self.results.audits[label] = ok
        if not ok:
            raise RuntimeError(f"audit on {label} not ok: HTTP {status} {str(body)[:500]}")

    # -- Postgres ----------------------------------------------------------------------------

    def postgres_rounds(self) -> None:
        if "Postgres" not in self.results.seed_seconds:
            raise RuntimeError("the Postgres template was not seeded")
        started: dict[int, servers.Server] = {}
        databases = {1: PG_DATABASES[1], 2: PG_DATABASES[2]}
        try:
            for workers, database in databases.items():
                pg.recreate_database(database, template=PG_DATABASES[0])
                started[workers] = self.start(
                    f"emulator-pg-w{workers}",
                    servers.emulator_command,
                    servers.emulator_env(f"{pg.BASE_URL}/{database}"),
                    None,
                    workers=workers,
                )
            for server in started.values():
                self.load(server, "transfer", 16, self.profile.warmup, loadgen_cpus=None)
            for _ in range(self.profile.runs):
                for workers, server in started.items():
                    self.postgres_run(workers, server, databases[workers])
            for workers, server in started.items():
                label = f"emulator on Postgres, {workers} worker{'s' if workers > 1 else ''}"
                self.results.rss_mb[label] = server.peak_rss_mb()
            for workers, server in started.items():
                self.check_audit(f"Postgres, {workers} worker{'s' if workers > 1 else ''}", server)
        finally:
            for server in started.values():
                server.stop()
            pg.drop_databases(*PG_DATABASES)

    def postgres_run(self, workers: int, server: servers.Server, database: str) -> None:
        """One transfer run, with the database's backends sampled (lock waits, their CPU)."""
        with pg.Watch(database) as watch:
            result = self.load(server, "transfer", 16, self.profile.seconds, loadgen_cpus=None)
        sample = watch.result
        used = result.server_cpu + sample.backend_cpu + result.loadgen_cpu
        sample.others = max(0.0, sample.machine_cpu - used)
        self.results.pg_waits.setdefault(workers, []).append(sample)
        self.record(f"emulator (Postgres, {workers}w)", result)
        print(
            f"      postgres: backends {sample.backend_cpu:.2f} cores, lock waits in "
            f"{sample.lock_share:.1%} of {sample.samples} samples, machine "
            f"{sample.machine_cpu:.2f} of {sample.cores} cores "
            f"(other processes {sample.others:.2f})"
            + (f"; sampling failed: {watch.error}" if watch.error else ""),
            flush=True,
        )

    # -- start and reset ---------------------------------------------------------------------

    def start_and_reset(self) -> None:
        def start(name: str, command: Any, env: dict[str, str], **kw: Any) -> servers.Server:
            return self.start(name, command, env, self.server_cpus, **kw)

        smoke = self.profile.name == "smoke"
        self.results.cold_start, server = startup.cold_starts(
            start, self.workdir, self.profile.cold_starts, warm_up=not smoke
        )
        try:
            self.results.reset_ms["demo data"] = startup.time_resets(server, self.profile.resets)
            self.results.org_ms = startup.time_org_lifecycle(server, self.profile.resets)
        finally:
            server.stop()
        self.results.reset_ms.update(
            startup.big_seed_resets(
                start, self.workdir, self.profile.reset_customers, self.profile.resets
            )
        )

    # -- in-process statement counts and bench.ledger -----------------------------------------

    def count_statements(self) -> None:
        out = self.workdir / "statements.json"
        subprocess.run(
            [sys.executable, "-m", "bench.profile_transfer", "--count-only", "--json", str(out)],
            cwd=servers.PROJECT_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        self.results.statements = json.loads(out.read_text())

    def start_ledger(self) -> None:
        """LEDGER HOOK: bench/ledger (another helper's) reports through its CLI.

        Contract: `python -m bench.ledger --json FILE [--smoke|--quick] [--write-readme]`
        writes a JSON object whose "targets" list (name, figure, bound, result) joins the
        targets table and whose "markdown" is shown as its section. It runs after the other
        phases, except in --smoke, where it runs beside them: smoke figures are not judged,
        and that keeps the smoke run short.
        """
        if not (Path(__file__).parent / "ledger" / "__main__.py").exists():
            self.results.ledger_note = "bench/ledger is not there: no ledger figures"
            return
        command = [sys.executable, "-m", "bench.ledger", "--json", str(self.ledger_json)]
        command += ["--postgres-url", f"{pg.BASE_URL}/capemu_bench"]
        if not self.postgres:
            command += ["--backends", "sqlite"]
        if self.profile.name != "full":
            command.append(f"--{self.profile.name}")
        elif self.update_readme:
            command.append("--write-readme")
        self.ledger_log = (self.workdir / "ledger.log").open("wb")
        self.ledger_process = subprocess.Popen(
            command,
            cwd=servers.PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self.ledger_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        servers.track(self.ledger_process)

    def finish_ledger(self) -> None:
        if self.ledger_process is None:
            return
        try:
            code = self.ledger_process.wait(timeout=self.profile.hard_limit)
        finally:
            if self.ledger_log:
                self.ledger_log.close()
        if code or not self.ledger_json.exists():
            tail = (self.workdir / "ledger.log").read_text(errors="replace")[-800:]
            raise RuntimeError(f"bench.ledger exited {code}: {tail}")
        self.results.ledger = json.loads(self.ledger_json.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--smoke", action="store_true", help="whole harness in ~5 s (SQLite only)")
    mode.add_argument("--quick", action="store_true", help="a few minutes")
    parser.add_argument("--no-postgres", action="store_true", help="skip the Postgres runs")
    parser.add_argument("--no-ledger", action="store_true", help="skip python -m bench.ledger")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--output", type=Path, help="where to write the table")
    parser.add_argument("--customers", type=int, help="override the mode's customer count")
    parser.add_argument("--seconds", type=float, help="override the mode's run length")
    args = parser.parse_args(argv)
    profile = PROFILES["smoke" if args.smoke else "quick" if args.quick else "full"]
    if args.customers or args.seconds:
        profile = dataclasses.replace(
            profile,
            customers=args.customers or profile.customers,
            seconds=args.seconds or profile.seconds,
        )

    expected = profile.expected_seconds()
    ledger = 0 if args.no_ledger else profile.expected_ledger_seconds()
    print(
        f"bench ({profile.name}): expected duration about {(expected + ledger) / 60:.1f} min "
        f"({expected:.0f} s{f' + {ledger:.0f} s of bench.ledger' if ledger else ''}); "
        f"hard limit {profile.hard_limit / 60:.0f} min",
        flush=True,
    )

    def give_up(signum: int, _frame: Any) -> None:
        raise Stopped(f"stopped by signal {signum} (hard limit or interrupt)")

    signal.signal(signal.SIGALRM, give_up)
    signal.signal(signal.SIGTERM, give_up)
    signal.alarm(int(profile.hard_limit))
    workdir = Path(tempfile.mkdtemp(prefix="capemu-bench-"))
    harness = Harness(profile, workdir, postgres=not args.no_postgres, ledger=not args.no_ledger)
    harness.update_readme = profile.name == "full" and args.output is None
    try:
        results = harness.run()
    except BaseException as exc:
        servers.stop_all()
        if harness.postgres:
            pg.drop_databases(*PG_DATABASES)
        print(f"bench aborted: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.alarm(0)
        servers.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)

    table = report.render(results)
    print()
    print(table)
    suffix = "" if profile.name == "full" else f"-{profile.name}"
    output = args.output or RESULTS_DIR / f"{results.started:%Y-%m-%d}{suffix}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(table, encoding="utf-8")
    print(f"written to {output}")
    if profile.name == "full" and args.output is None:
        report.update_readme(README, report.render(results, ledger_details=False))
    failed = report.failed(results)
    missed = report.missed(results)
    for problem in failed:
        print(f"FAILED: {problem}", file=sys.stderr)
    if args.strict and missed:
        print(f"MISSED: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
