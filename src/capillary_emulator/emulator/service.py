"""The control plane's rules: clock, OTP inbox (and its long-poll), journal filters."""

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from capillary_emulator import caches, clock
from capillary_emulator.customers.service import find_customer, identifier_type
from capillary_emulator.errors import ControlRequestError, CustomerNotFoundError, OrgNotFoundError
from capillary_emulator.models import (
    Org,
    Otp,
)
from capillary_emulator.store.journal import JournalFilter
from capillary_emulator.tenancy import OrgInfo
from capillary_emulator.writer.expiry import expire_due_points

T = TypeVar("T")

MAX_WAIT_SECONDS = 30
POLL_SECONDS = 0.05
"""How often a long-poll (`wait=`) looks again; each look is one short read, nothing is held
in between."""


async def poll_until(read: Callable[[], T], *, ready: Callable[[T], bool], wait: float) -> T:
    """`read()` until `ready` says yes or `wait` seconds have passed; the last reading."""
    deadline = time.monotonic() + wait
    while True:
        value = read()
        left = deadline - time.monotonic()
        if ready(value) or left <= 0:
            return value
        await asyncio.sleep(min(POLL_SECONDS, left))


def parse_since(since: str | None) -> datetime | None:
    if since is None:
        return None
    try:
        return clock.parse_instant(since)
    except ValueError:
        raise ControlRequestError(detail=f"since: not an ISO-8601 time: {since!r}") from None


def journal_filter(
    *,
    path: str | None,
    method: str | None,
    status: int | None,
    org_id: int | None,
    code: int | None,
    since: str | None,
) -> JournalFilter:
    return JournalFilter(
        path=path,
        method=method.upper() if method else None,
        status=status,
        org_id=org_id,
        code=code,
        since=parse_since(since),
    )


def add_seed(session: Session, raw: bytes, *, now: datetime) -> dict[str, Any]:
    """Load a seed document (JSON) next to what is there (all or nothing)."""
    from capillary_emulator.seed.service import load_seed, parse_seed_json, paused_gc
    from capillary_emulator.store.bulk import analyze

    with paused_gc():
        created = load_seed(session, parse_seed_json(raw), now=now)
    if session.get_bind().dialect.name == "postgresql":
        # A large seed leaves the planner without statistics until autovacuum gets to it, and it
        # would scan whole tables meanwhile.
        analyze(session)
    return created


def create_org(session: Session, body: Any, *, now: datetime) -> dict[str, Any]:
    from capillary_emulator.seed.new_org import create_org as create

    return create(session, body, now=now)


def delete_org(session: Session, org_id: int) -> None:
    from capillary_emulator.seed.new_org import delete_org as delete

    delete(session, org_id)


def clock_body(reading: clock.ClockReading) -> dict[str, Any]:
    return {"now": reading.now.isoformat(), "frozen": reading.frozen}


def org_clock(session: Session, org_id: int) -> clock.ClockReading:
    """The clock this org's requests read (its own when set, else the global one)."""
    org = session.get(Org, org_id)
    if org is None:
        raise OrgNotFoundError(org_id=org_id)
    return clock.org_reading(clock.read_clock(session), org.clock_offset_us, org.clock_frozen_at)


def org_clock_body(session: Session, org_id: int) -> dict[str, Any]:
    org = session.get(Org, org_id)
    own = org is not None and org.clock_offset_us is not None
    return {**clock_body(org_clock(session, org_id)), "orgId": org_id, "ownClock": own}


def change_org_clock(session: Session, org_id: int, command: dict[str, Any]) -> None:
    """One org's clock: the same commands as the global one; expires that org's due points."""
    key, value = _clock_command(command)
    current = org_clock(session, org_id)
    try:
        if key == "set":
            value = clock.parse_instant(str(value))
        elif key == "advance":
            value = clock.parse_duration(str(value))
        elif not isinstance(value, bool):
            raise ValueError("freeze takes true or false")
    except ValueError as exc:
        raise ControlRequestError(detail=f"{key}: {exc}") from None
    clock.set_org_clock(session, org_id, current, key, value)
    session.expire_all()
    caches.invalidate(session)  # the org's clock rides on its cached caller
    expire_due_points(session, org_id=org_id, now=org_clock(session, org_id).now)


def _clock_command(command: dict[str, Any]) -> tuple[str, Any]:
    given = [k for k in ("set", "advance", "freeze") if k in command]
    if len(given) != 1 or set(command) - {"set", "advance", "freeze"}:
        raise ControlRequestError(detail='send exactly one of "set", "advance" or "freeze"')
    return given[0], command[given[0]]


def change_clock(session: Session, command: dict[str, Any]) -> clock.ClockReading:
    """Apply one of {"set": iso}, {"advance": duration}, {"freeze": bool}; expire what is due."""
    key, value = _clock_command(command)
    try:
        if key == "set":
            reading = clock.set_time(session, clock.parse_instant(str(value)))
        elif key == "advance":
            reading = clock.advance(session, clock.parse_duration(str(value)))
        else:
            if not isinstance(value, bool):
                raise ValueError("freeze takes true or false")
            reading = clock.freeze(session, value)
    except ValueError as exc:
        raise ControlRequestError(detail=f"{key}: {exc}") from None
    expire_all(session, reading.now)
    return reading


def expire_all(session: Session, now: datetime) -> int:
    total = 0
    own_clock = Org.clock_offset_us.is_not(None)  # such an org's points expire on its own clock
    for org_id in session.execute(select(Org.id).where(~own_clock).order_by(Org.id)).scalars():
        total += expire_due_points(session, org_id=org_id, now=now)
    return total


def list_otps(
    session: Session,
    *,
    org_id: int | None,
    identifier_type_name: str | None,
    identifier_value: str | None,
    since: datetime | None = None,
    now: datetime,
) -> list[dict[str, Any]]:
    """Newest first; `since`: only codes issued at or after it (emulator clock)."""
    query = select(Otp).order_by(Otp.issued_at.desc(), Otp.id.desc())
    if since is not None:
        query = query.where(Otp.issued_at >= since)
    if org_id is not None:
        query = query.where(Otp.org_id == org_id)
    if identifier_value is not None:
        if identifier_type_name is None:
            raise ControlRequestError(detail="identifierValue needs identifierType")
        kind = identifier_type(identifier_type_name)
        orgs = session.execute(
            select(Org).where(Org.id == org_id) if org_id is not None else select(Org)
        ).scalars()
        customer_ids = []
        for org in orgs:
            try:
                customer_ids.append(
                    find_customer(session, OrgInfo.from_row(org), kind, identifier_value).id
                )
            except CustomerNotFoundError:
                continue
        query = query.where(Otp.customer_id.in_(customer_ids))
    return [
        {
            "id": otp.id,
            "orgId": otp.org_id,
            "code": otp.code,
            "action": otp.action,
            "userId": otp.customer_id,
            "entityType": otp.entity_type,
            "entityValue": otp.entity_value,
            "issuedAt": otp.issued_at.isoformat(),
            "expiresAt": otp.expires_at.isoformat(),
            "used": otp.used_at is not None,
            "expired": otp.expires_at <= now,
            "failedAttempts": otp.failed_attempts,
        }
        for otp in session.execute(query).scalars()
    ]


def export_snapshot(session: Session, org_id: int | None) -> dict[str, Any]:
    """The state (or one org's) as a snapshot document (`seed/state.py`)."""
    from capillary_emulator.lifecycle import SCHEMA_REVISION
    from capillary_emulator.seed.state import export_state

    return export_state(session, schema_revision=SCHEMA_REVISION, org_id=org_id)


def restore_snapshot(session: Session, document: Any) -> dict[str, Any]:
    """Write a snapshot document back; a state that fails the audit is refused (the caller's
    transaction is then rolled back, nothing changed)."""
    from capillary_emulator.emulator.audit import audit
    from capillary_emulator.errors import SnapshotDocumentError
    from capillary_emulator.seed.service import paused_gc
    from capillary_emulator.seed.state import restore_state

    with paused_gc():
        restored = restore_state(session, document)
    found = audit(session)
    if not found["ok"]:
        first = found["violations"][0]
        raise SnapshotDocumentError(
            path="tables",
            problem=f"the restored state fails the audit ({len(found['violations'])} "
            f"violations, the first: {first})",
        )
    return restored
