"""capillary-emulator serve | migrate | load-seed FILE."""

import argparse
import sys
from pathlib import Path

from capillary_emulator.config import Settings


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
            with transaction(make_session_factory(engine)) as session:
                created = load_seed(session, document, now=clock.now(session))
    except (SeedDocumentError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(created)
    return 0


def _serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> int:
    import uvicorn

    from capillary_emulator.db import make_engine
    from capillary_emulator.lifecycle import prepare

    # Prepare once here, before any worker starts, so workers never race to migrate or seed.
    engine = make_engine(settings.database_url)
    prepare(engine, settings)
    engine.dispose()
    uvicorn.run(
        "capillary_emulator.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
