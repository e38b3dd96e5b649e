"""capillary-emulator serve | migrate | load-seed FILE | export FILE | import FILE."""

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from capillary_emulator.config import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from capillary_emulator.seed.plan import Progress
    from capillary_emulator.seed.schema import SeedDocument

APP_MODULE = "capillary_emulator.main"
T = TypeVar("T")


class StartupError(Exception):
    """A bad setting, file or input found at start: one line on stderr, exit status 2."""


FLAGS = {"host": "--host", "port": "--port", "workers": "--workers"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="capillary-emulator",
        description="A local emulator of Capillary's v2 loyalty points API. Settings come "
        "from CAPEMU_* environment variables (see README.md); the flags below win over them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="migrate, seed a fresh database, and serve",
        description="Migrate the database (CAPEMU_DATABASE_URL), seed it from CAPEMU_SEED_FILE "
        "if it was never seeded (existing data is kept), and serve HTTP.",
    )
    serve.add_argument(
        "--host", default=None, help="address to listen on (default: CAPEMU_HOST, else 127.0.0.1)"
    )
    serve.add_argument(
        "--port",
        type=int,
        default=None,
        help="port to listen on, 1-65535 (default: CAPEMU_PORT, else 8000)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="uvicorn worker processes; more than one needs Postgres "
        "(default: CAPEMU_WORKERS, else 1)",
    )
    commands.add_parser(
        "migrate",
        help="upgrade the database to the newest schema",
        description="Upgrade CAPEMU_DATABASE_URL to the newest schema (Alembic); data is kept.",
    )
    load = commands.add_parser(
        "load-seed",
        help="add a seed document (YAML or JSON) to the database",
        description="Add the orgs of a seed document to CAPEMU_DATABASE_URL in one "
        "transaction (all or nothing), beside what is there.",
    )
    load.add_argument("file", type=Path, help="the seed document (YAML or JSON)")
    server_help = (
        "The running emulator to talk to: --url, else CAPEMU_URL, else "
        "http://CAPEMU_HOST:CAPEMU_PORT (127.0.0.1:8000); --admin-token, else CAPEMU_ADMIN_TOKEN."
    )
    export = commands.add_parser(
        "export",
        help="save a running emulator's state (or one org's) as a snapshot file",
        description="Save the state of a running emulator (GET /_emulator/snapshot) to FILE: "
        "every org, or only --org's, as a versioned JSON document. FILE is written to a "
        "temporary file beside it, then renamed over it, so it is never left half written. "
        + server_help,
    )
    export.add_argument("file", type=Path, help="where to save the snapshot (JSON)")
    export.add_argument("--org", type=int, default=None, help="only this org's state")
    import_ = commands.add_parser(
        "import",
        help="restore a snapshot file into a running emulator",
        description="Restore FILE (a document `export` wrote) into a running emulator (POST "
        "/_emulator/snapshot), in one transaction: a whole-state snapshot replaces the whole "
        "state, an org's snapshot replaces that org and leaves the others alone; a document "
        "that does not fit changes nothing. " + server_help,
    )
    import_.add_argument("file", type=Path, help="the snapshot to restore (JSON)")
    for command in (export, import_):
        command.add_argument("--url", default=None, help="the emulator's base URL")
        command.add_argument("--admin-token", default=None, help="the control plane's token")
    args = parser.parse_args(argv)
    try:
        flags = {name: value for name in FLAGS if (value := getattr(args, name, None)) is not None}
        settings = _settings(flags)
        if args.command == "migrate":
            from capillary_emulator.lifecycle import migrate

            _checked_database(settings, lambda: migrate(settings.database_url))
            print(f"migrated {settings.database_url}")
            return 0
        if args.command == "load-seed":
            return _load_seed(settings, args.file)
        if args.command in ("export", "import"):
            from capillary_emulator.snapshot_cli import export_file, import_file

            run = export_file if args.command == "export" else import_file
            return run(settings, args)
        return _serve(settings, flags)
    except StartupError as exc:
        print(f"capillary-emulator: error: {exc}", file=sys.stderr)
        return 2


def _settings(flags: dict[str, Any]) -> Settings:
    """The environment's settings, the command line's flags over them; a bad value is a
    StartupError naming the flag or the variable."""
    from pydantic import ValidationError

    try:
        return Settings(**flags)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else ""
        given = FLAGS[name] if name in flags else f"CAPEMU_{name.upper()}"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise StartupError(f"{given}={error['input']}: {message}") from None


def _checked_database(settings: Settings, work: "Callable[[], T]") -> "T":
    """Run start-up work on the database; what a bad URL, an unreachable server or a bad seed
    file raises becomes a StartupError naming the setting."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from capillary_emulator.errors import SeedFileError

    try:
        return work()
    except SeedFileError as exc:
        raise StartupError(exc.text) from None
    except (ArgumentError, ImportError) as exc:
        raise StartupError(f"CAPEMU_DATABASE_URL={_url(settings)}: {exc}") from None
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig).split()) if exc.orig else type(exc).__name__
        raise StartupError(f"CAPEMU_DATABASE_URL={_url(settings)}: {reason}") from None


def _url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def _load_seed(settings: Settings, file: Path) -> int:
    from capillary_emulator import clock
    from capillary_emulator.db import make_engine, make_session_factory, transaction
    from capillary_emulator.errors import SeedDocumentError
    from capillary_emulator.lifecycle import prepare
    from capillary_emulator.seed.service import load_seed, parse_seed_text, paused_gc

    engine = _checked_database(settings, lambda: make_engine(settings.database_url))
    _checked_database(settings, lambda: prepare(engine, settings))
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


def _serve(settings: Settings, flags: dict[str, Any]) -> int:
    # Start-up allocates hundreds of thousands of long-lived objects (modules, classes, tables,
    # schemas): collecting them over and over while importing costs a sixth of the start-up.
    gc.disable()
    import uvicorn

    from capillary_emulator.db import make_engine
    from capillary_emulator.lifecycle import prepare, seed_file_notice

    _check_port_free(settings, flags)
    # The app factory (in every worker) reads the environment again: the flags go there.
    os.environ.update({f"CAPEMU_{name.upper()}": str(value) for name, value in flags.items()})
    # Prepare here, before any worker starts, so that workers never race to migrate or seed
    # and a bad setting ends start-up with one line instead of a worker's traceback. A single
    # worker runs in this process, so the seed it planned here is the one it serves.
    engine = _checked_database(settings, lambda: make_engine(settings.database_url))

    def start_up() -> str | None:
        prepare(engine, settings)
        return seed_file_notice(engine, settings)

    notice = _checked_database(settings, start_up)
    engine.dispose()
    if notice:
        print(f"capillary-emulator: {notice}", file=sys.stderr)
    if settings.workers == 1:
        # What uvicorn imports first, imported with the collector off; then what start-up
        # left is frozen, so that collections while serving never walk it.
        importlib.import_module(APP_MODULE)
    gc.freeze()
    gc.enable()
    uvicorn.run(
        f"{APP_MODULE}:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        access_log=False,
    )
    return 0


def _check_port_free(settings: Settings, flags: dict[str, Any]) -> None:
    """Bind the address once, as uvicorn will (SO_REUSEADDR), so that a port in use or a host
    that is not this machine's is a StartupError rather than uvicorn's exit 1."""
    import socket

    try:
        family = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((settings.host, settings.port))
    except OSError as exc:
        host = FLAGS["host"] if "host" in flags else "CAPEMU_HOST"
        port = FLAGS["port"] if "port" in flags else "CAPEMU_PORT"
        raise StartupError(
            f"{host}={settings.host} {port}={settings.port}: cannot listen there "
            f"({exc.strerror or exc})"
        ) from None


if __name__ == "__main__":
    sys.exit(main())
