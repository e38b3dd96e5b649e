"""Every per-worker cache, what it holds, and the one rule that invalidates it.

A worker keeps two things it would otherwise read on every request: the caller behind each
credential it has accepted (`tenancy.Caller`, frozen values) and the list of injected faults
(`Fault`, frozen). Both are valid for one *control generation*, a counter in the `emulator_state`
row that the request's first statement reads together with the clock (`clock.read_clock`), so
checking them costs no query of its own.

The rule: a write that can change what these caches hold (loading a seed, a reset, adding or
clearing faults, a change to an org's config, programs, tills or OAuth clients) calls
`invalidate(session)` in its own transaction. When that commits, the next request of every
worker, in every process sharing the database, reads the new generation and drops its copies.
A write that skips it is not seen by a worker that has cached the old values.
"""

from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from capillary_emulator import clock
from capillary_emulator.auth import authenticate_until
from capillary_emulator.clock import STATE_ID, ClockReading
from capillary_emulator.models import EmulatorState
from capillary_emulator.store.faults import faults as store_faults
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller, OrgInfo


def invalidate(session: Session) -> None:
    """Make every worker drop its cached callers and faults once this transaction commits."""
    session.execute(
        update(EmulatorState)
        .where(EmulatorState.id == STATE_ID)
        .values(control_generation=EmulatorState.control_generation + 1)
    )


@dataclass(frozen=True)
class Fault:
    """An injected fault as it was when the list was read (`remaining` is not kept current:
    each use is counted in the database, which stays the judge of whether one is left)."""

    id: int
    method: str
    path: str
    http_status: int
    code: int
    message: str
    remaining: int | None
    delay_ms: int
    org_id: int | None = None
    """Only calls authenticated as this org match (None: every caller)."""
    warning: bool = False
    """The call goes on; its answer carries the code and message in `warnings[]`."""

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method == method) and fnmatchcase(path, self.path)

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.http_status,
            "code": self.code,
            "message": self.message,
            "remaining": self.remaining,
            "delayMs": self.delay_ms,
            "orgId": self.org_id,
            "warning": self.warning,
        }


def load_faults(session: Session) -> tuple[Fault, ...]:
    return tuple(Fault(*row) for row in store_faults(Db(session)))


def org_reading(reading: ClockReading, org: OrgInfo) -> ClockReading:
    """The clock this org's requests read: its own when set, else the global `reading`."""
    return clock.org_reading(reading, org.clock_offset_us, org.clock_frozen_at)


class WorkerCaches:
    """This worker's caches (one per app, on `app.state.caches`), all valid for the same
    control generation. Failed credentials are never cached."""

    CALLER_LIMIT = 10_000

    def __init__(self) -> None:
        self._generation = -1
        self._callers: dict[str, tuple[datetime | None, Caller]] = {}
        self._faults: tuple[Fault, ...] | None = None

    def _at(self, generation: int) -> None:
        if generation != self._generation:
            self._callers.clear()
            self._faults = None
            self._generation = generation

    def faults(self, session: Session, reading: ClockReading) -> tuple[Fault, ...]:
        self._at(reading.control_generation)
        if self._faults is None:
            self._faults = load_faults(session)
        return self._faults

    def caller(
        self,
        session: Session,
        reading: ClockReading,
        *,
        authorization: str | None,
        oauth_token: str | None,
    ) -> Caller:
        """The caller behind these credentials; a known one costs no query. A cached OAuth
        caller is only good until its token expires on the emulator clock."""
        self._at(reading.control_generation)
        now = reading.now
        key = f"t:{oauth_token}" if oauth_token else f"b:{authorization}"
        cached = self._callers.get(key)
        if cached is not None:
            expires_at, caller = cached
            if expires_at is None or org_reading(reading, caller.org).now < expires_at:
                return caller
        caller, expires_at = authenticate_until(
            session, authorization=authorization, oauth_token=oauth_token, now=now
        )
        if len(self._callers) >= self.CALLER_LIMIT:
            self._callers.clear()
        self._callers[key] = (expires_at, caller)
        return caller
