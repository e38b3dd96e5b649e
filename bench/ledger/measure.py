"""Timing the two ledger reads in-process, and the query plans behind them."""

import base64
import hashlib
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, event

from bench.ledger.loader import TILL_CODE, TILL_PASSWORD, external_id
from capillary_emulator.store import sql as store_sql

# httpx's ASGI transport tries `import sniffio` on every request; where sniffio is not
# installed that is a failed search of sys.path each time, measured as if the emulator spent it.
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

AUTH = {
    "Authorization": "Basic "
    + base64.b64encode(
        f"{TILL_CODE}:{hashlib.md5(TILL_PASSWORD.encode()).hexdigest()}".encode()
    ).decode()
}
MEASURED_CUSTOMER = 0


def request_paths() -> dict[str, str]:
    who = (
        f"identifierName=externalId&identifierValue={external_id(MEASURED_CUSTOMER)}&source=INSTORE"
    )
    return {
        "getCustomerLedgerInfo": f"/v2/pointsLedger/getCustomerLedgerInfo?{who}&limit=10&offset=0",
        "getCustomerLedgerBalance": f"/v2/pointsLedger/getCustomerLedgerBalance?{who}",
    }


@dataclass
class Timing:
    endpoint: str
    latencies_ms: list[float] = field(default_factory=list)
    round_rps: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    """CPU time of this process per request, round by round: what the request costs, less
    sensitive than wall time to other processes on a shared machine."""
    errors: int = 0
    first_error: str = ""

    def percentile(self, pct: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]

    @property
    def best_rps(self) -> float:
        """The least disturbed round: on a shared machine the slower ones measure the neighbours."""
        return max(self.round_rps)

    def summary(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "requests": len(self.latencies_ms),
            "p50_ms": round(self.percentile(50), 3),
            "p99_ms": round(self.percentile(99), 3),
            "best_rps": round(self.best_rps, 1),
            "median_rps": round(statistics.median(self.round_rps), 1),
            "cpu_ms_per_request": round(min(self.cpu_ms), 3),
            "errors": self.errors,
            "first_error": self.first_error,
        }


def _check(timing: Timing, response: httpx.Response) -> None:
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        timing.errors += 1
        timing.first_error = (
            timing.first_error or f"HTTP {response.status_code}: {response.text[:200]}"
        )


async def time_requests(
    clients: dict[int, httpx.AsyncClient], *, rounds: int, per_round: int, warmup: int
) -> dict[int, list[Timing]]:
    """Single client, one request at a time. Round by round every database and endpoint takes
    its turn, so a neighbour's burst on a shared machine hits all sizes alike."""
    paths = request_paths()
    timings = {size: {name: Timing(name) for name in paths} for size in clients}
    for size, client in clients.items():
        for name, path in paths.items():
            for _ in range(warmup):
                _check(timings[size][name], await client.get(path, headers=AUTH))
    for _ in range(rounds):
        for size, client in clients.items():
            for name, path in paths.items():
                timing = timings[size][name]
                responses = []
                round_started = time.perf_counter()
                cpu_started = time.process_time()
                for _ in range(per_round):
                    started = time.perf_counter()
                    response = await client.get(path, headers=AUTH)
                    timing.latencies_ms.append((time.perf_counter() - started) * 1000)
                    responses.append(response)
                timing.round_rps.append(per_round / (time.perf_counter() - round_started))
                timing.cpu_ms.append((time.process_time() - cpu_started) * 1000 / per_round)
                for response in responses:
                    _check(timing, response)
    return {size: list(by_name.values()) for size, by_name in timings.items()}


@contextmanager
def captured_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters))

    def record_store(statement: str, parameters: Any) -> None:
        statements.append((statement, parameters))

    # The ledger reads run on the data-access layer, which calls the driver directly.
    event.listen(engine, "before_cursor_execute", record)
    store_sql.OBSERVERS.append(record_store)
    try:
        yield statements
    finally:
        store_sql.OBSERVERS.remove(record_store)
        event.remove(engine, "before_cursor_execute", record)


def explain(engine: Engine, statement: str, parameters: Any) -> list[str]:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            return [row[0] for row in rows]
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node_id, parent, _unused, detail in rows:
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + detail)
    return lines


async def query_plans(client: httpx.AsyncClient, engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every SELECT one request of each endpoint sends, with its plan."""
    plans: dict[str, list[dict[str, Any]]] = {}
    for name, path in request_paths().items():
        with captured_statements(engine) as statements:
            response = await client.get(path, headers=AUTH)
        assert response.status_code == 200, response.text
        plans[name] = [
            {"statement": " ".join(sql.split()), "plan": explain(engine, sql, params)}
            for sql, params in statements
            if sql.lstrip().upper().startswith("SELECT")
        ]
    return plans


FULL_SCAN_MARKERS = ("SCAN ledger_", "SCAN point_", "Seq Scan on ledger_", "Seq Scan on point_")


def full_scans(plans: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Plan lines that read a whole ledger, lot or balance table (or a whole index of one)."""
    return [
        line.strip()
        for statements in plans.values()
        for item in statements
        for line in item["plan"]
        if any(marker in line for marker in FULL_SCAN_MARKERS)
    ]
