"""The emulator's own state row: the clock and the control generation, read in one statement;
the reset lock."""

from datetime import datetime

from sqlalchemy import Select, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from capillary_emulator.models import EmulatorState
from capillary_emulator.store.sql import Db, Row, Statement

STATE_ID = 1
"""The id of the emulator's one state row."""


def _state() -> Select[int, datetime | None, int]:
    return select(
        EmulatorState.clock_offset_us, EmulatorState.frozen_at, EmulatorState.control_generation
    )


READ_STATE = Statement(
    "read_state", lambda: _state().where(EmulatorState.id == bindparam("state_id"))
)


def read_state(db: Db, state_id: int) -> Row | None:
    """(clock_offset_us, frozen_at, control_generation), or None before the first migration."""
    return db.first(READ_STATE, state_id=state_id)


_READ_THE_STATE = Statement(
    "read_the_state", lambda: _state().where(EmulatorState.id == literal_column(str(STATE_ID)))
)
"""`READ_STATE` of the one state row, without parameters (it can go with the BEGIN)."""


RESET_LOCK_KEY = 120_004
"""The Postgres advisory lock a reset takes exclusively and every request shares."""
_SHARE_RESET_LOCK = Statement(
    "share_reset_lock",
    lambda: select(func.pg_advisory_xact_lock_shared(literal_column(str(RESET_LOCK_KEY)))),
)
_TAKE_RESET_LOCK = Statement(
    "take_reset_lock",
    lambda: select(func.pg_advisory_xact_lock(literal_column(str(RESET_LOCK_KEY)))),
)


def open_request(session: Session) -> Row | None:
    """A Capillary request's first statements, which begin its transaction: on Postgres the
    shared reset lock (`share_reset_lock`), then the state row (`read_state`), sent with the
    BEGIN in one round trip (`Db.opening`; the state is read on a snapshot taken once the lock
    is granted, so a request that waited for a reset sees its control generation)."""
    db = Db(session, begin=False)
    found = db.opening([_READ_THE_STATE] if db.is_sqlite else [_SHARE_RESET_LOCK, _READ_THE_STATE])
    return found[0] if found else None


def share_reset_lock(db: Db) -> None:
    """A request's first statement on Postgres: wait for a running reset, and keep the next
    one from starting until this transaction ends (in autocommit only the wait)."""
    if not db.is_sqlite:
        db.first(_SHARE_RESET_LOCK)


def take_reset_lock(db: Db) -> None:
    """A reset's first statement on Postgres: it waits for the requests in flight to end, and
    the requests that arrive meanwhile wait for it, so that none sees a half-done reset (a
    foreign key whose row went away, a deadlock with the reset's deletes)."""
    if not db.is_sqlite:
        db.first(_TAKE_RESET_LOCK)
