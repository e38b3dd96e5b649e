"""Request-scoped dependencies: the Capillary endpoints' request context (session, clock
reading, faults, caller) and the control plane's session.

Endpoints and these dependencies are `async def` on purpose: each request runs one short
transaction inline on the event loop instead of hopping to the threadpool (see
docs/architecture.md, "Data access").
"""

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from capillary_emulator import caches, clock
from capillary_emulator.auth import OAUTH_HEADER
from capillary_emulator.clock import ClockReading
from capillary_emulator.config import Settings
from capillary_emulator.db import (
    Unit,
    WriteLockNeeded,
    begin_read_only,
    unit_of,
    unit_session,
)
from capillary_emulator.errors import AccessDeniedError, CapillaryError
from capillary_emulator.store.control import share_reset_lock
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller

T = TypeVar("T")
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_READ_ONLY: set[Callable[..., Any]] = set()
_OUTSIDE_RESET_LOCK: set[Callable[..., Any]] = set()
ORG_SCOPE_KEY = "capemu.org_id"
"""Where a request leaves its caller's org in the ASGI scope, for the request journal."""


def read_only(endpoint: Endpoint) -> Endpoint:
    """Marks an endpoint that only reads: on SQLite its transaction begins deferred (a WAL
    snapshot) instead of taking the write lock. One that may have to write after all (expire
    due points) runs its use case through `RequestContext.read`."""
    _READ_ONLY.add(endpoint)
    return endpoint


def outside_reset_lock(endpoint: Endpoint) -> Endpoint:
    """Marks an endpoint whose session does not share the reset lock: the reset, which takes it
    exclusively (`lifecycle.reset`), and the audit, whose one REPEATABLE READ snapshot must be
    chosen before its first statement."""
    _OUTSIDE_RESET_LOCK.add(endpoint)
    return endpoint


def _shares_reset_lock(session: Session) -> bool:
    """Postgres only: on SQLite the lock is not needed, and beginning the session's transaction
    here would take the write lock before the endpoint runs (an endpoint that reads through
    another connection, such as the health check, would then wait for it)."""
    return session.get_bind().dialect.name != "sqlite"


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = request.app.state.session_factory()
    endpoint = request.scope.get("endpoint")
    if endpoint in _READ_ONLY:
        begin_read_only(session)
    if endpoint not in _OUTSIDE_RESET_LOCK and _shares_reset_lock(session):
        share_reset_lock(Db(session))
    try:
        yield session
    finally:
        session.close()  # rolls back whatever the router did not commit


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class RequestContext:
    session: Session
    """Carries the request's `db.Unit` (`Db(session)` runs statements on it); not an ORM
    session: it is bound to no engine."""
    caller: Caller
    now: datetime
    settings: Settings
    request: Request = field(repr=False, compare=False)

    @property
    def unit(self) -> Unit:
        return unit_of(self.session)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The request's one commit, written around the service call in the router.

        Commits when the block succeeds, and also when it fails with an error whose failure must
        be remembered (`keep_changes`: a wrong OTP counts as an attempt); anything else raised
        is rolled back at once (on SQLite the write lock is not held while the error is
        answered).
        """
        unit = self.unit
        try:
            yield
        except CapillaryError as exc:
            if exc.keep_changes:
                unit.commit()
            else:
                unit.rollback()
            raise
        except BaseException:
            unit.rollback()
            raise
        unit.commit()

    def read(self, use_case: Callable[["RequestContext"], T]) -> T:
        """Run a read-only endpoint's use case. When it finds it must write after all
        (`db.WriteLockNeeded`, raised before anything is written), its snapshot is dropped and
        the whole use case runs again from the request's first statement (clock, caller) in a
        transaction that holds the write lock, so the answer reflects one serial moment."""
        try:
            return use_case(self)
        except WriteLockNeeded:
            self.unit.restart_with_write_lock()
            return use_case(_context(self.request, self.session, _first_statements(self.session)))


FaultInjector = Callable[[Request, Session, ClockReading], Awaitable[None]]
"""`app.state.inject_faults`: installed by the app factory (the control plane owns faults)."""


def _first_statements(session: Session) -> ClockReading:
    """A Capillary request's first statements: on Postgres the shared reset lock (waiting for a
    reset in progress), then the clock and the control generation (one round trip with the
    BEGIN)."""
    return clock.open_clock(session)


UNIT_SCOPE_KEY = "capemu.unit"
"""Where a Capillary request keeps its `db.Unit` in the ASGI scope, for `ClosesUnits`."""


async def get_context(request: Request) -> RequestContext:
    """Everything a Capillary endpoint depends on, in one dependency (FastAPI's dependency
    solving costs more per level than the work of most levels, and more again for a
    dependency with `yield`): the request's unit of work (`db.Unit`, closed by `ClosesUnits`
    once the request is answered), its first statements (the reset lock on Postgres; the clock
    and the control generation the worker's caches are checked against), the injected faults
    (before authentication, so a fault answers any client), then the caller."""
    read_only = request.scope.get("endpoint") in _READ_ONLY
    unit = request.scope[UNIT_SCOPE_KEY] = Unit(request.app.state.engine, read_only=read_only)
    session = unit_session(unit)
    try:
        reading = _first_statements(session)
        inject_faults: FaultInjector = request.app.state.inject_faults
        await inject_faults(request, session, reading)
        return _context(request, session, reading)
    except BaseException:
        unit.rollback()  # not left holding SQLite's write lock while the failure is answered
        raise


class ClosesUnits:
    """ASGI middleware: closes the request's unit of work (if it has one) when the request is
    answered, whatever happened (the router commits; a failed call was rolled back by
    `RequestContext.transaction`, or is here)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            unit: Unit | None = scope.get(UNIT_SCOPE_KEY)
            if unit is not None:
                unit.close()


def _context(request: Request, session: Session, reading: ClockReading) -> RequestContext:
    caller = request.app.state.caches.caller(
        session,
        reading,
        authorization=request.headers.get("authorization"),
        oauth_token=request.headers.get(OAUTH_HEADER),
    )
    request.scope[ORG_SCOPE_KEY] = caller.org_id
    return RequestContext(
        session=session,
        caller=caller,
        now=caches.org_reading(reading, caller.org).now,
        settings=request.app.state.settings,
        request=request,
    )


ContextDep = Annotated[RequestContext, Depends(get_context)]


ADMIN_COOKIE = "capemu_admin_token"
ADMIN_QUERY = "adminToken"


def admin_token_given(request: Request) -> str | None:
    """The admin token as the header, or for a browser as the console's cookie or a query
    parameter (`?adminToken=`)."""
    return (
        request.headers.get("x-capemu-admin-token")
        or request.cookies.get(ADMIN_COOKIE)
        or request.query_params.get(ADMIN_QUERY)
    )


async def require_admin(request: Request) -> None:
    token = request.app.state.settings.admin_token
    if not token:
        return
    given = admin_token_given(request)
    if given is None or not secrets.compare_digest(given.encode(), token.encode()):
        raise AccessDeniedError(detail="the /_emulator control plane needs X-CAPEMU-ADMIN-TOKEN")
