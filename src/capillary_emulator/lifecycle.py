"""Bringing a database up: migrate, seed a fresh one, keep an existing one; reset to the seed."""

from pathlib import Path

from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from capillary_emulator import clock
from capillary_emulator.config import Settings
from capillary_emulator.models import EmulatorState
from capillary_emulator.seed.service import clear_database, load_seed, org_part, read_seed_file

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["url"] = url
    command.upgrade(config, "head")


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def is_ready(engine: Engine) -> bool:
    """Migrated to the newest revision and seeded."""
    if not inspect(engine).has_table("emulator_state"):
        return False
    with engine.connect() as connection:
        from sqlalchemy import text

        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        seeded = connection.execute(
            select(EmulatorState.seeded_at).where(EmulatorState.id == clock.STATE_ID)
        ).scalar()
    return version == _head_revision() and seeded is not None


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
            now = clock.system_now()
            load_seed(session, read_seed_file(settings.seed_file), now=now)
            state.seeded_at = now


def reset(session: Session, settings: Settings, *, org_id: int | None = None) -> None:
    """Back to exactly the configured seed, and the clock back to system time."""
    document = read_seed_file(settings.seed_file)
    clock.reset(session)
    now = clock.system_now()
    clear_database(session, org_id=org_id)
    if org_id is not None:
        document = org_part(document, org_id)  # type: ignore[assignment]
        if document is None:
            return
    load_seed(session, document, now=now)
