"""The request journal's cost per call, in-process: `python -m bench.journal_cost [--postgres]`.

1. On the request path: the journal middleware around an ASGI app that reads a transfer body and
   answers a ~1.2 KB body, against the same app without it (time per call, best of 5).
2. Off the request path (the journal thread, same process): masking and storing one entry, in
   memory, and with `--postgres` in a fresh `emulator_journal` table (batches of 50).
"""

import argparse
import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from capillary_emulator.emulator.journal import Call, Journal, RequestJournalMiddleware, _Capture

TRANSFER_BODY = json.dumps(
    {
        "fromCustomer": {"identifierName": "mobile", "identifierValue": "917799497290"},
        "toCustomer": {"identifierName": "mobile", "identifierValue": "917799000000"},
        "pointsTobeTransferred": 1,
        "notes": "bench transfer",
        "code": "X12Y3Z",
    }
).encode()
ANSWER = json.dumps({"data": [{"k": "v" * 40, "n": i} for i in range(20)], "errors": []}).encode()
CALLS = 5_000


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": ANSWER})


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/v2/points/transfer",
        "query_string": b"",
        "headers": [],
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": TRANSFER_BODY, "more_body": False}


async def _send(message: Any) -> None:
    return None


def _per_call_us(app: Callable[..., Any]) -> float:
    async def run() -> float:
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(CALLS):
                await app(_scope(), _receive, _send)
            best = min(best, time.perf_counter() - started)
        return best / CALLS * 1e6

    return asyncio.run(run())


def _call() -> Call:
    body, answer = _Capture(), _Capture()
    body.add(TRANSFER_BODY)
    answer.add(ANSWER)
    return Call(time.time(), "POST", "/v2/points/transfer", b"", body, 200, 1, answer, 1.0)


def _storing_us(journal: Journal, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        journal.record(_call())
        if i % 50 == 49:
            journal.flush()
    journal.flush()
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="also time the shared table")
    args = parser.parse_args()

    bare = _per_call_us(_app)
    off = Journal(size=0, max_bytes=0)
    on = Journal(size=1000, max_bytes=8 * 1024 * 1024)  # no thread: calls only queue up
    with_off = _per_call_us(RequestJournalMiddleware(_app, off))
    with_on = _per_call_us(RequestJournalMiddleware(_app, on))
    print(
        f"request path: bare app {bare:.2f} us/call, journal off {with_off:.2f}, on {with_on:.2f}"
    )
    print(f"  journal's cost on the request path: {with_on - bare:.2f} us per call")
    memory = Journal(size=1000, max_bytes=8 * 1024 * 1024)
    print(f"journal thread, memory: {_storing_us(memory, 5_000):.1f} us per entry (mask + keep)")
    if args.postgres:
        from bench import postgres
        from capillary_emulator.db import make_engine
        from capillary_emulator.lifecycle import migrate

        postgres.recreate_database("capemu_journal_cost")
        url = f"{postgres.BASE_URL}/capemu_journal_cost"
        try:
            migrate(url)
            engine = make_engine(url)
            table = Journal(size=1000, max_bytes=8 * 1024 * 1024)
            table.start(engine)
            table.stop()  # keeps the table store; this process flushes by itself
            print(f"journal thread, Postgres: {_storing_us(table, 5_000):.1f} us per entry")
            engine.dispose()
        finally:
            postgres.drop_databases("capemu_journal_cost")


if __name__ == "__main__":
    main()
