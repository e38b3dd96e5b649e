"""Where a transfer's time goes: SQL statements per request, and a pyinstrument profile.

    python -m bench.profile_transfer [--count-only] [--json FILE] [--output FILE.md]

Runs the emulator in-process (its ASGI app through httpx, no HTTP server) on a fresh SQLite
file (or --database-url), seeds the bench org, counts the statements each benchmark request
executes (a SQLAlchemy `before_cursor_execute` listener and `store.sql.OBSERVERS`), lists one
transfer's statements, and, unless --count-only, profiles a batch of transfers with pyinstrument
(`pip install pyinstrument`).
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

from bench import workload

SCENARIOS = ("transfer", "isTransferrable", "history", "ledgerInfo")


def _requests(scenario: str, customers: int, count: int) -> list[tuple[str, str, Any]]:
    found = []
    for line in workload.request_lines(scenario, customers)[:count]:
        method, path, body = line.split("\t", 2)
        found.append((method, path, json.loads(body) if body else None))
    return found


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
    headers = {"Authorization": workload.AUTHORIZATION}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            seeded = await client.post("/_emulator/seed", json=workload.seed_document(customers))
            seeded.raise_for_status()

            @event.listens_for(app.state.engine, "before_cursor_execute")
            def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                statements.append(statement)

            # Statements the data-access layer runs on the DB-API driver bypass SQLAlchemy.
            store_sql.OBSERVERS.append(statements.append)

            async def send(method: str, path: str, body: Any) -> None:
                response = await client.request(method, path, json=body, headers=headers)
                payload = response.json()
                if response.status_code != 200 or payload.get("errors"):
                    raise RuntimeError(f"{method} {path}: {response.status_code} {payload}")

            per_request: dict[str, float] = {}
            transfer_statements: list[str] = []
            for scenario in SCENARIOS:
                batch = _requests(scenario, customers, per_scenario)
                await send(*batch[0])  # warm caches; not counted
                statements.clear()
                for item in batch[1:]:
                    await send(*item)
                per_request[scenario] = round(len(statements) / (len(batch) - 1), 2)
                if scenario == "transfer":
                    statements.clear()
                    await send(*batch[1])
                    transfer_statements = list(statements)

            profile_text = ""
            if profile:
                from pyinstrument import Profiler

                batch = _requests("transfer", customers, profile_requests + per_scenario)
                profiler = Profiler(interval=0.0005, async_mode="enabled")
                profiler.start()
                for item in batch[per_scenario:]:
                    await send(*item)
                profiler.stop()
                profile_text = profiler.output_text(unicode=False, color=False, show_all=False)
    return {
        "per_request": per_request,
        "transfer_statements": [
            {"statement": shape, "count": n}
            for shape, n in Counter(_shape(s) for s in transfer_statements).items()
        ],
        "profile": profile_text,
        "profile_requests": profile_requests if profile else 0,
    }


def render(result: dict[str, Any]) -> str:
    lines = ["# Transfer path profile (in-process, SQLite)", "", "## Statements per request", ""]
    lines += ["| Request | Statements |", "| --- | ---: |"]
    lines += [f"| {k} | {v:g} |" for k, v in result["per_request"].items()]
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
