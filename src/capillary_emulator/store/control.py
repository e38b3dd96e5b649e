"""The emulator's own state row: the clock and the control generation, read in one statement."""

from sqlalchemy import bindparam, select

from capillary_emulator.models import EmulatorState
from capillary_emulator.store.sql import Db, Row, Statement

READ_STATE = Statement(
    "read_state",
    lambda: select(
        EmulatorState.clock_offset_us,
        EmulatorState.frozen_at,
        EmulatorState.control_generation,
    ).where(EmulatorState.id == bindparam("state_id")),
)


def read_state(db: Db, state_id: int) -> Row | None:
    """(clock_offset_us, frozen_at, control_generation), or None before the first migration."""
    return db.first(READ_STATE, state_id=state_id)
