"""Bringing a database up: migrate, seed a fresh one, keep an existing one; reset to the seed.

Seeding and resetting restore the seed file's *snapshot* (`seed/snapshot.py`): its rows planned
once per process, written a table at a time (the ledger tables through the ledger writer's bulk
path), every time the document sets relative to the load time moved to now. That equals loading
the document now, row for row and id for id, at a fraction of the cost. When the seed file is
the demo document, the demo supplement (`seed/demo.py`) follows it, at first start and at reset.
"""

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from capillary_emulator import caches, clock
from capillary_emulator.config import Settings
from capillary_emulator.db import Base, make_engine
from capillary_emulator.models import JOURNAL_METADATA, EmulatorState
from capillary_emulator.store.control import take_reset_lock
from capillary_emulator.store.sql import Db

# The seed modules (YAML, the document schema, the planner) are imported where a seed is
# loaded, not here: a worker serving an already seeded database never needs them.

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The Alembic scripts as the package carries them. In a checkout this is a symlink to the
top-level `migrations/` (where developers add revisions, `alembic.ini` beside it); a wheel,
`pip install .` or a `git+` install holds real copies, so `serve` needs nothing outside the
package."""


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(url: str) -> None:
    """Upgrade to the newest revision, every migration in one transaction."""
    from alembic import command

    config = _alembic_config()
    config.attributes["url"] = url
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def _is_empty_sqlite(engine: Engine) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        return not connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()


def create_schema(engine: Engine) -> None:
    """A new SQLite file: the schema straight from the models, stamped with the newest revision
    (the same tables, columns, indexes and constraints as running every migration, which a test
    checks; a fresh start saves Alembic's import and the chain of batch migrations, ~0.6 s).
    Postgres always migrates (its journal table is UNLOGGED by a migration)."""
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        JOURNAL_METADATA.create_all(connection)
        connection.exec_driver_sql(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
            " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
        connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:revision)"),
            {"revision": SCHEMA_REVISION},
        )


SCHEMA_REVISION = "snap1"
"""The newest migration. Checking a database against this constant keeps alembic out of the
start-up path (importing it and parsing the scripts costs a few hundred milliseconds); a test
asserts that it equals alembic's head."""


_STATE = text(
    "SELECT (SELECT version_num FROM alembic_version),"
    " (SELECT seeded_at FROM emulator_state WHERE id = :state_id)"
)


def _state(engine: Engine) -> tuple[str | None, bool]:
    """(schema revision, seeded) of the database, in one statement; (None, False) before the
    first migration."""
    with engine.connect() as connection:
        try:
            version, seeded_at = connection.execute(_STATE, {"state_id": clock.STATE_ID}).one()
        except DBAPIError:  # no such table: never migrated
            return None, False
    return version, seeded_at is not None


def is_ready(engine: Engine) -> bool:
    """Migrated to the newest revision and seeded."""
    version, seeded = _state(engine)
    return version == SCHEMA_REVISION and seeded


def prepare(engine: Engine, settings: Settings) -> None:
    """Migrate (unless already at the newest revision); seed the database if it has never been
    seeded. Existing data is kept."""
    version, seeded = _state(engine)
    if version == SCHEMA_REVISION and seeded:
        return
    if version is None and _is_empty_sqlite(engine):
        create_schema(engine)
    elif version != SCHEMA_REVISION:
        migrate(settings.database_url)
    with Session(engine) as session, session.begin():
        state = session.get(EmulatorState, clock.STATE_ID)
        if state is None:
            state = EmulatorState(id=clock.STATE_ID, clock_offset_us=0)
            session.add(state)
            session.flush()
        if state.seeded_at is None:
            from capillary_emulator.seed.demo import apply_demo_supplement
            from capillary_emulator.seed.service import clear_database, paused_gc

            with paused_gc():
                clear_database(session)
                restore_seed(session, settings.seed_file, now=clock.system_now())
                apply_demo_supplement(session, settings.seed_file)
            state.seeded_at = clock.system_now()
            state.seed_digest = seed_digest(settings.seed_file)


def seed_digest(seed_file: Path) -> str:
    return hashlib.sha256(seed_file.read_bytes()).hexdigest()


def seed_file_notice(engine: Engine, settings: Settings) -> str | None:
    """What start-up tells about CAPEMU_SEED_FILE on a database seeded from another file (or
    before digests were kept): the data stays, the file is checked now and restored by the next
    full reset. None when the file is the one the data came from."""
    digest = seed_digest(settings.seed_file)
    with Session(engine) as session:
        state = session.get(EmulatorState, clock.STATE_ID)
        recorded = state.seed_digest if state is not None else None
    if recorded == digest:
        return None
    from capillary_emulator.seed.service import read_seed_file

    read_seed_file(settings.seed_file)  # a bad file fails start-up, not a later reset
    return (
        f"CAPEMU_SEED_FILE={settings.seed_file} is not the seed this database was loaded from: "
        "the existing data is kept; POST /_emulator/reset replaces it with this file"
    )


def reset(session: Session, settings: Settings, *, org_id: int | None = None) -> None:
    """Back to exactly the configured seed (with the demo supplement when it is the demo
    document), and the clock back to system time; with `org_id`, that org's data and its own
    clock only."""
    from capillary_emulator.seed.demo import apply_demo_supplement
    from capillary_emulator.seed.service import clear_database, paused_gc

    take_reset_lock(Db(session))
    if org_id is None:
        clock.reset(session)
    else:  # one org's reset touches nothing of the others', the global clock included
        clock.clear_org_clock(session, org_id)
    now = clock.system_now()
    with paused_gc():
        clear_database(session, org_id=org_id)
        caches.invalidate(session)  # faults gone, data reloaded: caches are stale
        if org_id is None:
            restore_seed(session, settings.seed_file, now=now)
            state = session.get(EmulatorState, clock.STATE_ID)
            if state is not None:
                state.seed_digest = seed_digest(settings.seed_file)
        else:
            from capillary_emulator.seed.snapshot import restore_org

            restore_org(session, settings.seed_file, org_id, now=now)
        apply_demo_supplement(session, settings.seed_file, org_id=org_id)


def restore_seed(session: Session, seed_file: Path, *, now: datetime) -> None:
    """Write the seed file's snapshot into an empty database as if it were loaded at `now`."""
    from capillary_emulator.seed.snapshot import restore_seed as restore

    restore(session, seed_file, now=now)
