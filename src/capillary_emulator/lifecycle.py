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
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from capillary_emulator import caches, clock
from capillary_emulator.config import Settings
from capillary_emulator.models import EmulatorState

if TYPE_CHECKING:
    from capillary_emulator.seed.loader import Moved
    from capillary_emulator.seed.plan import OrgRows

# The seed modules (YAML, the document schema, the planner) are imported where a seed is
# loaded, not here: a worker serving an already seeded database never needs them.

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


def _state(engine: Engine) -> tuple[str | None, bool]:
    """(schema revision, seeded) of the database; (None, False) before the first migration."""
    if not inspect(engine).has_table("emulator_state"):
        return None, False
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        seeded = connection.execute(
            select(EmulatorState.seeded_at).where(EmulatorState.id == clock.STATE_ID)
        ).scalar()
    return version, seeded is not None


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
    if version != SCHEMA_REVISION:
        migrate(settings.database_url)
    with Session(engine) as session, session.begin():
        state = session.get(EmulatorState, clock.STATE_ID)
        if state is None:
            state = EmulatorState(id=clock.STATE_ID, clock_offset_us=0)
            session.add(state)
            session.flush()
        if state.seeded_at is None:
            from capillary_emulator.seed.service import clear_database, paused_gc

            with paused_gc():
                clear_database(session)
                restore_seed(session, settings.seed_file, now=clock.system_now())
            state.seeded_at = clock.system_now()


def reset(session: Session, settings: Settings, *, org_id: int | None = None) -> None:
    """Back to exactly the configured seed, and the clock back to system time."""
    from capillary_emulator.seed.service import clear_database, paused_gc

    clock.reset(session)
    now = clock.system_now()
    with paused_gc():
        clear_database(session, org_id=org_id)
        caches.invalidate(session)  # faults gone, data reloaded: caches are stale
        if org_id is None:
            restore_seed(session, settings.seed_file, now=now)
        else:
            _restore_org(session, settings.seed_file, org_id, now=now)


@dataclass(frozen=True)
class SeedSnapshot:
    """The seed file's orgs as rows, planned once per process for an empty database."""

    taken_at: datetime
    orgs: "tuple[OrgRows, ...]"
    moved: "tuple[Moved, ...]"
    """Per org, table and row, the time cells the document sets relative to the load time
    ("-P2D", or "now" by default): only these shift on restore. Absolute ones
    ("2021-10-07T15:42:02+05:30") stay exactly as written."""


_PROBE = timedelta(seconds=1)


@lru_cache(maxsize=4)
def _snapshot(path: str, mtime_ns: int) -> SeedSnapshot:
    from capillary_emulator.seed.loader import moving_cells, plan_document
    from capillary_emulator.seed.service import read_seed_file

    document = read_seed_file(Path(path))
    taken_at = clock.system_now()
    orgs = plan_document(None, document, now=taken_at)
    # The same document planned a moment later tells relative times (they move with the load
    # time) from absolute ones (they do not).
    later = plan_document(None, document, now=taken_at + _PROBE)
    moved = tuple(moving_cells(org, other) for org, other in zip(orgs, later, strict=True))
    return SeedSnapshot(taken_at=taken_at, orgs=tuple(orgs), moved=moved)


def snapshot_of(seed_file: Path) -> SeedSnapshot:
    return _snapshot(str(seed_file), seed_file.stat().st_mtime_ns)


def restore_seed(session: Session, seed_file: Path, *, now: datetime) -> None:
    """Write the seed file's snapshot into an empty database as if it were loaded at `now`."""
    from capillary_emulator.seed.loader import write_orgs

    snapshot = snapshot_of(seed_file)
    write_orgs(
        session, snapshot.orgs, restart=True, moved=snapshot.moved, shift=now - snapshot.taken_at
    )


def _restore_org(session: Session, seed_file: Path, org_id: int, *, now: datetime) -> None:
    from capillary_emulator.seed.loader import reload_org
    from capillary_emulator.seed.service import read_seed_file

    document = read_seed_file(seed_file)
    for index, org in enumerate(document.orgs):
        if org.orgId == org_id:
            snapshot = snapshot_of(seed_file)
            reload_org(
                session,
                org,
                snapshot.orgs[index],
                snapshot.moved[index],
                now=now,
                shift=now - snapshot.taken_at,
            )
