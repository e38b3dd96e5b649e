"""The emulator clock: system time, shifted by an offset or frozen, shared by all workers.

Its state is one database row, so every server process sharing the database sees the same time.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from capillary_emulator.models import EmulatorState, Org
from capillary_emulator.store.control import STATE_ID, open_request, read_state
from capillary_emulator.store.sql import Db, Row


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ClockReading:
    now: datetime
    frozen: bool
    control_generation: int = 0
    """Read in the same statement as the clock, so that the per-worker caches cost no extra
    query to validate; only `caches.invalidate` moves it."""


def read_clock(session: Session) -> ClockReading:
    return _reading(read_state(Db(session), STATE_ID))


def open_clock(session: Session) -> ClockReading:
    """A Capillary request's first statements (`store.control.open_request`: on Postgres the
    shared reset lock, then the clock), beginning its transaction."""
    return _reading(open_request(session))


def _reading(row: Row | None) -> ClockReading:
    if row is None:
        return ClockReading(system_now(), False)
    offset_us, frozen_at, generation = row
    if frozen_at is not None:
        return ClockReading(frozen_at, True, generation)
    return ClockReading(system_now() + timedelta(microseconds=offset_us), False, generation)


def org_reading(
    reading: ClockReading, offset_us: int | None, frozen_at: datetime | None
) -> ClockReading:
    """The clock an org reads: its own when set (`offset_us` not None), else the global one."""
    if offset_us is None:
        return reading
    if frozen_at is not None:
        return ClockReading(frozen_at, True, reading.control_generation)
    moment = system_now() + timedelta(microseconds=offset_us)
    return ClockReading(moment, False, reading.control_generation)


def set_org_clock(
    session: Session, org_id: int, current: ClockReading, command: str, value: Any
) -> None:
    """Apply "set", "advance" or "freeze" to one org's clock, starting from the clock it reads
    now (`current`); the caller invalidates the caches (the org's clock rides on its caller)."""
    if command == "freeze":
        moment, frozen = current.now, bool(value)
    else:
        moment = current.now + value if command == "advance" else value
        frozen = current.frozen
    offset_us, frozen_at = (0, moment) if frozen else (_micros(moment - system_now()), None)
    session.execute(
        update(Org)
        .where(Org.id == org_id)
        .values(clock_offset_us=offset_us, clock_frozen_at=frozen_at)
    )


def clear_org_clock(session: Session, org_id: int) -> None:
    session.execute(
        update(Org).where(Org.id == org_id).values(clock_offset_us=None, clock_frozen_at=None)
    )


def now(session: Session) -> datetime:
    return read_clock(session).now


def _write(session: Session, *, offset_us: int, frozen_at: datetime | None) -> None:
    session.execute(
        update(EmulatorState)
        .where(EmulatorState.id == STATE_ID)
        .values(clock_offset_us=offset_us, frozen_at=frozen_at)
    )


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""The clock's range: a running clock set near year 9999 would overflow a second later, and
every expiry date is computed from it."""
_RANGE = f"{EARLIEST.date().isoformat()} to {LATEST.date().isoformat()}"


def set_time(session: Session, moment: datetime) -> ClockReading:
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"{moment.isoformat()} is outside the clock's range ({_RANGE})")
    reading = read_clock(session)
    if reading.frozen:
        _write(session, offset_us=0, frozen_at=moment)
    else:
        _write(session, offset_us=_micros(moment - system_now()), frozen_at=None)
    return read_clock(session)


def advance(session: Session, delta: timedelta) -> ClockReading:
    try:
        moment = read_clock(session).now + delta
    except OverflowError:
        raise ValueError(f"{delta.days} days is beyond the clock's range ({_RANGE})") from None
    return set_time(session, moment)


def freeze(session: Session, frozen: bool) -> ClockReading:
    reading = read_clock(session)
    if frozen:
        _write(session, offset_us=0, frozen_at=reading.now)
    else:
        _write(session, offset_us=_micros(reading.now - system_now()), frozen_at=None)
    return read_clock(session)


def reset(session: Session) -> None:
    _write(session, offset_us=0, frozen_at=None)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


_DURATION = re.compile(
    r"^(?P<sign>[-+])?P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """ISO-8601 duration such as "P1D", "-PT15M", "P1W2DT3H"; a year is 365 days, a month 30."""
    match = _DURATION.match(text.strip())
    parts = {
        k: float(v) for k, v in (match.groupdict() if match else {}).items() if v and k != "sign"
    }
    if not parts or text.strip().endswith("T"):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    try:
        delta = timedelta(
            days=parts.get("years", 0) * 365
            + parts.get("months", 0) * 30
            + parts.get("weeks", 0) * 7
            + parts.get("days", 0),
            hours=parts.get("hours", 0),
            minutes=parts.get("minutes", 0),
            seconds=parts.get("seconds", 0),
        )
    except OverflowError:
        raise ValueError(f"{text!r} is longer than a duration can be") from None
    return -delta if text.strip().startswith("-") else delta


def parse_instant(text: str) -> datetime:
    """ISO-8601 timestamp; one without an offset is taken as UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
