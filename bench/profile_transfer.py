"""Where a transfer's time goes: SQL statements per request, and a pyinstrument profile.

    python -m bench.profile_transfer [--count-only] [--json FILE] [--output FILE.md]

Runs the emulator in-process (its ASGI app through httpx, no HTTP server) on a fresh SQLite
file (or --database-url), seeds the bench org (with `bench.endpoints.profile_document`'s groups
and OAuth client), counts the statements a request of every Capillary endpoint executes
(`bench.endpoints`; a SQLAlchemy `before_cursor_execute` listener and `store.sql.OBSERVERS`),
lists one transfer's statements, and, unless --count-only, profiles a batch of transfers with
pyinstrument (`pip install pyinstrument`).
"""

import argparse
import asyncio
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench import endpoints


def _shape(statement: str) -> str:
    """The statement with its literals and parameter lists folded, so repeats group."""
    text = " ".join(statement.split())
    text = re.sub(r"\(\?(, \?)*\)", "(?...)", text)
    text = re.sub(r"\(%\(\w+\)s(, %\(\w+\)s)*\)", "(?...)", text)
    return text if len(text) <= 160 else text[:157] + "..."


async def _measure(
    database_url: str, customers: int, per_scenario: int, profile_requests: int, profile: bool
) -> dict[str, Any]:
    import httpx
    from sqlalchemy import event

    from capillary_emulator.config import DEMO_SEED_FILE, Settings
    from capillary_emulator.main import create_app
    from capillary_emulator.store import sql as store_sql

    app = create_app(Settings(database_url=database_url, seed_file=DEMO_SEED_FILE))
    statements: list[str] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            seeded = await client.post(
                "/_emulator/seed", json=endpoints.profile_document(customers)
            )
            seeded.raise_for_status()

            @event.listens_for(app.state.engine, "before_cursor_execute")
            def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                statements.append(statement)

            # Statements the data-access layer runs on the DB-API driver bypass SQLAlchemy.
            def _count_store(statement: str, _params: Any) -> None:
                statements.append(statement)

            store_sql.OBSERVERS.append(_count_store)
            try:
                per_request, transfer_statements = await _count_all(
                    client, statements, customers, per_scenario
                )
                profile_text = (
                    await _profile(client, customers, profile_requests) if profile else ""
                )
            finally:
                store_sql.OBSERVERS.remove(_count_store)
    return {
        "per_request": per_request,
        "transfer_statements": [
            {"statement": shape, "count": n}
            for shape, n in Counter(_shape(s) for s in transfer_statements).items()
        ],
        "profile": profile_text,
        "profile_requests": profile_requests if profile else 0,
    }


async def _count_all(
    client: Any, statements: list[str], customers: int, per_scenario: int
) -> tuple[dict[str, float], list[str]]:
    """Statements per request of every endpoint (the mean over `per_scenario` requests, after
    one that warms the caches), and the list of one transfer's statements."""
    per_request: dict[str, float] = {}
    transfer_statements: list[str] = []
    for endpoint in endpoints.ENDPOINTS:
        counted = 0
        for i in range(per_scenario + 1):
            call = await endpoint.prepare(client, customers, i)
            statements.clear()
            await endpoints.send(client, call)
            if i:  # the first one warms the caches; not counted
                counted += len(statements)
            if i == 1 and endpoint.name == "transfer":
                transfer_statements = list(statements)
        per_request[endpoint.name] = round(counted / per_scenario, 2)
    return per_request, transfer_statements


async def _profile(client: Any, customers: int, requests: int) -> str:
    from pyinstrument import Profiler

    transfer = next(e for e in endpoints.ENDPOINTS if e.name == "transfer")
    calls = [await transfer.prepare(client, customers, 1000 + i) for i in range(requests)]
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    profiler.start()
    for call in calls:
        await endpoints.send(client, call)
    profiler.stop()
    return str(profiler.output_text(unicode=False, color=False, show_all=False))


def render(result: dict[str, Any]) -> str:
    lines = ["# Transfer path profile (in-process, SQLite)", "", "## Statements per request", ""]
    lines += ["| Request | Statements |", "| --- | ---: |"]
    lines += [f"| {endpoints.TITLES.get(k, k)} | {v:g} |" for k, v in result["per_request"].items()]
    lines += ["", "## One transfer's statements", "", "| # | Statement |", "| ---: | --- |"]
    for item in result["transfer_statements"]:
        lines.append(f"| {item['count']} | `{item['statement']}` |")
    if result["profile"]:
        lines += [
            "",
            f"## pyinstrument, {result['profile_requests']} transfers",
            "",
            "```",
            result["profile"].rstrip(),
            "```",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_transfer", description=__doc__)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20, help="per scenario, for counting")
    parser.add_argument("--profile-requests", type=int, default=500)
    parser.add_argument("--count-only", action="store_true", help="skip the profile")
    parser.add_argument("--json", type=Path, help="write the result as JSON")
    parser.add_argument("--output", type=Path, help="write the result as markdown")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="capemu-profile-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'profile.db'}"
        result = asyncio.run(
            _measure(url, args.customers, args.requests, args.profile_requests, not args.count_only)
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    text = render(result)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    if not args.json:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
