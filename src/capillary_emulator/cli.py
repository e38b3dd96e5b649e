"""capillary-emulator serve | migrate | load-seed FILE."""

import argparse
import gc
import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capillary_emulator.config import Settings

if TYPE_CHECKING:
    from capillary_emulator.seed.plan import Progress
    from capillary_emulator.seed.schema import SeedDocument

APP_MODULE = "capillary_emulator.main"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="capillary-emulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate, seed a fresh database, and serve")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=None)
    commands.add_parser("migrate", help="upgrade the database to the newest schema")
    load = commands.add_parser(
        "load-seed", help="add a seed document (YAML or JSON) to the database"
    )
    load.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    settings = Settings()

    if args.command == "migrate":
        from capillary_emulator.lifecycle import migrate

        migrate(settings.database_url)
        print(f"migrated {settings.database_url}")
        return 0
    if args.command == "load-seed":
        return _load_seed(settings, args.file)
    return _serve(settings, args.host, args.port, args.workers)


def _load_seed(settings: Settings, file: Path) -> int:
    from capillary_emulator import clock
    from capillary_emulator.db import make_engine, make_session_factory, transaction
    from capillary_emulator.errors import SeedDocumentError
    from capillary_emulator.lifecycle import prepare
    from capillary_emulator.seed.service import load_seed, parse_seed_text, paused_gc

    engine = make_engine(settings.database_url)
    prepare(engine, settings)
    try:
        with paused_gc():
            document = parse_seed_text(file.read_text(encoding="utf-8"))
            with (
                _progress_bar(document) as progress,
                transaction(make_session_factory(engine)) as session,
            ):
                created = load_seed(session, document, now=clock.now(session), progress=progress)
    except (SeedDocumentError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(created)
    return 0


PROGRESS_FROM = 2000
"""Customers from which `load-seed` shows a progress bar (on stderr, when it is a terminal)."""


@contextmanager
def _progress_bar(document: "SeedDocument") -> "Iterator[Progress | None]":
    customers = sum(len(org.customers) for org in document.orgs)
    if customers < PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    with Bar(console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


def _serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> int:
    # Start-up allocates hundreds of thousands of long-lived objects (modules, classes, tables,
    # schemas): collecting them over and over while importing costs a sixth of the start-up.
    gc.disable()
    import uvicorn

    workers = workers or settings.workers
    if workers > 1:
        from capillary_emulator.db import make_engine
        from capillary_emulator.lifecycle import prepare

        # Prepare once here, before any worker starts, so workers never race to migrate or
        # seed. A single worker prepares in its own start-up (the app's lifespan) instead.
        engine = make_engine(settings.database_url)
        prepare(engine, settings)
        engine.dispose()
    else:
        # What uvicorn imports first, imported with the collector off; then what start-up
        # left is frozen, so that collections while serving never walk it.
        importlib.import_module(APP_MODULE)
    gc.freeze()
    gc.enable()
    uvicorn.run(
        f"{APP_MODULE}:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
