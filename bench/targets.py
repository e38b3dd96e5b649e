"""The targets of issue 11, in its order, each beside the figure of this run that it bounds.

Every row is always there: PASS / MISS, `skipped (...)` when its phase was left out on purpose
(`--no-postgres`, `--no-ledger`), `not measured` when its phase failed, and `n/a (smoke)` in
the smoke run, which is too short to judge. The other checks (audits, the ledger's plans and
its throughput at scale, Postgres lock waits) follow the targets.
"""

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.run import Results

SEED_CUSTOMERS = 10_000
"""The issue's seeding figure is for 10,000 customers; smaller runs scale theirs linearly
(their fixed cost then counts several times over, so the scaled figure errs on the slow side)."""
DISTURBED_CORES = 0.5
"""Other processes busier than this during a 2-worker run took what the second worker needed."""
PG_ONE = "emulator (Postgres, 1w)"
PG_TWO = "emulator (Postgres, 2w)"


@dataclass
class Target:
    name: str
    figure: str
    bound: str
    result: str
    """PASS, MISS, or why it was not judged."""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Judge:
    def __init__(self, results: "Results") -> None:
        self.results = results
        self.judged = results.profile.name != "smoke"
        self.postgres = results.postgres_enabled
        self.found: list[Target] = []

    def verdict(self, ok: bool) -> str:
        if not self.judged:
            return "n/a (smoke)"
        return "PASS" if ok else "MISS"

    def add(self, name: str, bound: str, figure: str | None, ok: bool, missing: str) -> None:
        if figure is None:
            self.found.append(Target(name, "-", bound, missing))
        else:
            self.found.append(Target(name, figure, bound, self.verdict(ok)))

    def missing(self, *, postgres: bool = False, ledger: bool = False) -> str:
        if postgres and not self.postgres:
            return "skipped (no Postgres)"
        if ledger and not self.results.ledger_enabled:
            return "skipped (--no-ledger)"
        if not self.judged:
            return "n/a (smoke)"
        return "not measured"

    def rps(self, label: str, scenario: str, connections: int = 16) -> float | None:
        runs = self.results.load.get((label, scenario, connections), [])
        return median([r.rps for r in runs]) if runs else None

    def p99(self, label: str, scenario: str, connections: int = 16) -> float | None:
        runs = self.results.load.get((label, scenario, connections), [])
        return median([r.p99_ms for r in runs]) if runs else None


def _vs_ceiling(j: Judge, name: str, scenario: str, ceiling: str) -> None:
    mine, top = j.rps("emulator (SQLite)", scenario), j.rps("ceiling", ceiling)
    figure = ratio = None
    if mine is not None and top:
        ratio = mine / top
        figure = f"{ratio:.0%} ({mine:,.0f} / {top:,.0f} req/s)"
    j.add(name, ">= 50%", figure, ratio is not None and ratio >= 0.5, j.missing())


def _p99(j: Judge) -> None:
    mine, top = j.p99("emulator (SQLite)", "transfer"), j.p99("ceiling", "ceilingPost")
    figure = ratio = None
    if mine is not None and top:
        ratio = mine / top
        figure = f"{ratio:.1f}x ({mine:.1f} / {top:.1f} ms)"
    j.add(
        "Transfer p99 at c16 vs ceiling p99",
        "<= 3x",
        figure,
        ratio is not None and ratio <= 3,
        j.missing(),
    )


def _ledger_p99(j: Judge) -> None:
    by_backend = {
        b.get("backend"): b for b in (j.results.ledger or {}).get("results", []) if b.get("sizes")
    }
    for backend, label in (("sqlite", "SQLite"), ("postgres", "Postgres")):
        found = by_backend.get(backend)
        figure, p99 = None, float("nan")
        if found:
            largest = max(found["sizes"], key=lambda s: s["rows"])
            info = next(
                (t for t in largest["timings"] if t["endpoint"] == "getCustomerLedgerInfo"), None
            )
            if info:
                p99 = float(info["p99_ms"])
                figure = f"{p99:.2f} ms at {largest['rows']:,} rows"
        missing = j.missing(postgres=backend == "postgres", ledger=True)
        j.add(
            f"Ledger info single-client p99 at 1M rows, {label}", "< 3 ms", figure, p99 < 3, missing
        )


def _postgres_scaling(j: Judge) -> None:
    ones = j.results.load.get((PG_ONE, "transfer", 16), [])
    twos = j.results.load.get((PG_TWO, "transfer", 16), [])
    audits = [v for k, v in j.results.audits.items() if k.startswith("Postgres")]
    figure, ratio = None, 0.0
    if ones and twos:
        # Runs alternate 1w, 2w: each pair saw the same machine, so the ratio is taken per
        # pair, and pairs whose 2-worker run had other processes on the machine's cores (2
        # workers need both) are left out when any other pair was not disturbed.
        others = [w.others for w in j.results.pg_waits.get(2, [])]
        pairs = [
            (two.rps / one.rps, others[i] if i < len(others) else 0.0)
            for i, (one, two) in enumerate(zip(ones, twos, strict=False))
            if one.rps
        ]
        clean = [r for r, other in pairs if other <= DISTURBED_CORES]
        ratio = median(clean or [r for r, _ in pairs])
        audit = "audit ok" if audits and all(audits) else "AUDIT NOT OK"
        one, two = median([r.rps for r in ones]), median([r.rps for r in twos])
        figure = f"{ratio:.2f}x ({two:,.0f} / {one:,.0f} req/s), {audit}"
        busy = f"other processes on > {DISTURBED_CORES:g} cores"
        if not clean:
            figure += f"; every pair had {busy} (none left out)"
        elif len(clean) < len(pairs):
            figure += f"; {len(pairs) - len(clean)} of {len(pairs)} pairs left out ({busy})"
    ok = ratio >= 1.6 and bool(audits) and all(audits)
    j.add(
        "Postgres transfers, 2 workers vs 1",
        ">= 1.6x, audit ok",
        figure,
        ok,
        j.missing(postgres=True),
    )


def _cold_starts(j: Judge) -> None:
    starts = j.results.cold_start
    ceiling = median(starts.get("ceiling", []))
    for key, name, bound in (
        ("emulator, seeded", "Seeded cold start vs the ceiling app's cold start", 2.0),
        ("emulator, fresh", "Fresh cold start (migrate + demo seed) vs the ceiling's", 3.0),
    ):
        mine = median(starts.get(key, []))
        figure, ratio = None, float("nan")
        if starts.get(key) and starts.get("ceiling"):
            ratio = mine / ceiling
            figure = f"{ratio:.2f}x ({mine:.2f} / {ceiling:.2f} s)"
        j.add(name, f"<= {bound:g}x", figure, ratio <= bound, j.missing())


def _seeding(j: Judge) -> None:
    customers = j.results.profile.customers
    for label, bound in (("SQLite", 2.0), ("Postgres", 5.0)):
        seconds = j.results.seed_seconds.get(label)
        figure, scaled = None, float("nan")
        if seconds is not None and customers:
            scaled = seconds * SEED_CUSTOMERS / customers
            figure = f"{seconds:.2f} s"
            if customers != SEED_CUSTOMERS:
                figure = f"{scaled:.2f} s (scaled from {seconds:.2f} s for {customers:,})"
        name = f"Seed {SEED_CUSTOMERS:,} customers, {label}"
        missing = j.missing(postgres=label == "Postgres")
        j.add(name, f"< {bound:g} s", figure, scaled < bound, missing)


def _resets(j: Judge) -> None:
    for key, name, bound in (
        ("big seed file, all", "Reset with a 5,000-customer seed file: all", 200),
        ("big seed file, one org", "Reset with a 5,000-customer seed file: one org", 100),
    ):
        values = j.results.reset_ms.get(key, [])
        m = median(values)
        figure = f"{m:,.0f} ms" if values else None
        j.add(name, f"< {bound} ms", figure, m < bound, j.missing())


def _statements(j: Judge) -> None:
    count = (j.results.statements.get("per_request") or {}).get("transfer")
    figure = None if count is None else f"{count:g} (SQLite, with BEGIN IMMEDIATE)"
    missing = "n/a (smoke)" if not j.results.profile.statements else j.missing()
    j.add("SQL statements per transfer", "<= 8", figure, count is not None and count <= 8, missing)


def _memory(j: Judge) -> None:
    emulator = {k: v for k, v in j.results.rss_mb.items() if k.startswith("emulator") and v}
    figure, worst = None, float("nan")
    if emulator:
        worst = max(max(v) for v in emulator.values())
        figure = f"{worst:.0f} MB (max of {sum(len(v) for v in emulator.values())} workers)"
    j.add("Peak RSS per worker", "< 150 MB", figure, worst < 150, j.missing())


ROWS: tuple[Callable[[Judge], None], ...] = (
    lambda j: _vs_ceiling(
        j, "Transfer vs ceiling POST (SQLite, 1 worker, c16)", "transfer", "ceilingPost"
    ),
    lambda j: _vs_ceiling(j, "isTransferrable vs ceiling POST", "isTransferrable", "ceilingPost"),
    lambda j: _vs_ceiling(j, "Transfer history vs ceiling GET", "history", "ceilingGet"),
    lambda j: _vs_ceiling(j, "Ledger info vs ceiling GET", "ledgerInfo", "ceilingGet"),
    _p99,
    _ledger_p99,
    _postgres_scaling,
    _cold_starts,
    _seeding,
    _resets,
    _statements,
    _memory,
)


def targets(results: "Results") -> list[Target]:
    judge = Judge(results)
    for row in ROWS:
        row(judge)
    return judge.found


def other_checks(results: "Results") -> list[Target]:
    """Checks beside the targets: audits, Postgres lock waits, bench.ledger's own rows."""
    found = [
        Target(f"Audit after the load, {label}", "ok" if ok else "NOT OK", "ok", _ok(ok))
        for label, ok in results.audits.items()
    ]
    for workers, samples in sorted(results.pg_waits.items()):
        if samples:
            found.append(lock_wait_row(workers, samples))
    ledger: list[dict[str, Any]] = (results.ledger or {}).get("targets") or []
    for item in ledger:
        if "single-client p99" in str(item.get("name", "")):
            continue  # the target row above judges these (at the bound)
        found.append(
            Target(
                str(item.get("name", "ledger")),
                str(item.get("figure", "-")),
                str(item.get("bound", "")),
                str(item.get("result", "n/a")),
            )
        )
    return found


def lock_wait_row(workers: int, samples: list[Any]) -> Target:
    share = median([s.lock_share for s in samples])
    waiting = median([s.per_sample(s.lock_waiters) for s in samples])
    figure = (
        f"{share:.1%} of {sum(s.samples for s in samples):,} samples had a backend waiting on "
        f"a lock ({waiting:.3f} waiting on average)"
    )
    name = f"Postgres lock waits, {workers} worker{'s' if workers > 1 else ''} (pg_stat_activity)"
    return Target(name, figure, "reported", "-")


def _ok(ok: bool) -> str:
    return "PASS" if ok else "MISS"
