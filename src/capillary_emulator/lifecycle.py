"""Bringing a database up: migrate, seed a fresh one, keep an existing one; reset to the seed.

Seeding and resetting restore a *snapshot*: the configured seed document is loaded once per
process into a private in-memory SQLite database, and its rows are copied into the real
database with one bulk insert per table (the ledger tables through the ledger writer's bulk
path, `writer/bulk.py`), every timestamp the document sets relative to the load time shifted by
the time elapsed since the snapshot was taken (absolute ones stay). That equals loading the
document now, row for row and id for id, at a fraction of the cost (reset of the demo data is a
few dozen statements).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, create_engine, inspect, select, text
from sqlalchemy.orm import Session

from capillary_emulator import caches, clock
from capillary_emulator.config import Settings
from capillary_emulator.db import Base
from capillary_emulator.models import EmulatorState
from capillary_emulator.seed.service import clear_database, load_seed, org_part, read_seed_file
from capillary_emulator.writer import bulk as ledger_bulk

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


def migrate(url: str) -> None:
    from alembic import command

    config = _alembic_config()
    config.attributes["url"] = url
    command.upgrade(config, "head")


SCHEMA_REVISION = "0002"
"""The newest migration. Checking a database against this constant keeps alembic out of the
start-up path (importing it and parsing the scripts costs a few hundred milliseconds); a test
asserts that it equals alembic's head."""


def is_ready(engine: Engine) -> bool:
    """Migrated to the newest revision and seeded."""
    if not inspect(engine).has_table("emulator_state"):
        return False
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        seeded = connection.execute(
            select(EmulatorState.seeded_at).where(EmulatorState.id == clock.STATE_ID)
        ).scalar()
    return version == SCHEMA_REVISION and seeded is not None


def prepare(engine: Engine, settings: Settings) -> None:
    """Migrate; seed the database if it has never been seeded. Existing data is kept."""
    if is_ready(engine):
        return
    migrate(settings.database_url)
    with Session(engine) as session, session.begin():
        state = session.get(EmulatorState, clock.STATE_ID)
        if state is None:
            state = EmulatorState(id=clock.STATE_ID, clock_offset_us=0)
            session.add(state)
            session.flush()
        if state.seeded_at is None:
            clear_database(session)
            restore_seed(session, settings.seed_file, now=clock.system_now())
            state.seeded_at = clock.system_now()


def reset(session: Session, settings: Settings, *, org_id: int | None = None) -> None:
    """Back to exactly the configured seed, and the clock back to system time."""
    clock.reset(session)
    now = clock.system_now()
    clear_database(session, org_id=org_id)
    caches.invalidate(session)  # faults gone, data reloaded: caches are stale
    if org_id is None:
        restore_seed(session, settings.seed_file, now=now)
        return
    document = org_part(read_seed_file(settings.seed_file), org_id)
    if document is not None:
        load_seed(session, document, now=now)


@dataclass(frozen=True)
class SeedSnapshot:
    taken_at: datetime
    rows: dict[str, list[dict[str, Any]]]
    relative: dict[str, list[list[str]]]
    """Per table and row, the timestamp columns the document sets relative to the load time
    ("-P2D", or "now" by default): only these shift on restore. Absolute ones
    ("2021-10-07T15:42:02+05:30") stay exactly as written."""


_PROBE = timedelta(seconds=1)


@lru_cache(maxsize=4)
def _snapshot(path: str, mtime_ns: int) -> SeedSnapshot:
    taken_at = clock.system_now()
    rows = _load_rows(path, now=taken_at)
    # The same document loaded a moment later tells relative times (they move with the load
    # time) from absolute ones (they do not).
    later = _load_rows(path, now=taken_at + _PROBE)
    relative = {
        name: [
            [c for c, value in row.items() if isinstance(value, datetime) and value != other[c]]
            for row, other in zip(table_rows, later[name], strict=True)
        ]
        for name, table_rows in rows.items()
    }
    return SeedSnapshot(taken_at=taken_at, rows=rows, relative=relative)


def _load_rows(path: str, *, now: datetime) -> dict[str, list[dict[str, Any]]]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        load_seed(session, read_seed_file(Path(path)), now=now)
        session.flush()
        rows = {
            table.name: [dict(row._mapping) for row in session.execute(select(table))]
            for table in Base.metadata.sorted_tables
            if table.name != EmulatorState.__tablename__
        }
    engine.dispose()
    return rows


def restore_seed(session: Session, seed_file: Path, *, now: datetime) -> None:
    """Write the seed file's snapshot into an empty database as if it were loaded at `now`."""
    snapshot = _snapshot(str(seed_file), seed_file.stat().st_mtime_ns)
    shift = now - snapshot.taken_at
    rows = {
        name: [
            {**row, **{t: row[t] + shift for t in moving}}
            for row, moving in zip(table_rows, snapshot.relative[name], strict=True)
        ]
        for name, table_rows in snapshot.rows.items()
        if table_rows
    }
    for table in Base.metadata.sorted_tables:
        if table.name in rows and table.name not in ledger_bulk.TABLE_NAMES:
            session.execute(table.insert(), rows[table.name])
    ledger_bulk.insert_rows(session, rows)
    if session.get_bind().dialect.name == "postgresql":
        _advance_sequences(session)


def _advance_sequences(session: Session) -> None:
    # Rows were inserted with explicit ids, which Postgres sequences do not see: move every
    # sequence past the highest id, in one statement.
    calls = []
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and isinstance(pk[0].type, Integer):
            column = pk[0].name
            calls.append(
                f"setval(pg_get_serial_sequence('{table.name}', '{column}'), "
                f"(SELECT COALESCE(MAX({column}), 0) + 1 FROM {table.name}), false)"
            )
    session.execute(text("SELECT " + ", ".join(calls)))
