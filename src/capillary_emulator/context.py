"""Request-scoped dependencies: one session per request, its clock reading, the caller.

Endpoints and these dependencies are `async def` on purpose: each request runs one short
transaction inline on the event loop instead of hopping to the threadpool (see
docs/architecture.md, "Data access").
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from capillary_emulator import clock
from capillary_emulator.auth import OAUTH_HEADER
from capillary_emulator.clock import ClockReading
from capillary_emulator.config import Settings
from capillary_emulator.errors import AccessDeniedError, CapillaryError
from capillary_emulator.tenancy import Caller


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()  # rolls back whatever the router did not commit


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class RequestContext:
    session: Session
    caller: Caller
    now: datetime
    settings: Settings

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The request's one commit, written around the service call in the router.

        Commits when the block succeeds, and also when it fails with an error whose failure must
        be remembered (`keep_changes`: a wrong OTP counts as an attempt). Anything else raised
        leaves the transaction to be rolled back when the session closes.
        """
        try:
            yield
        except CapillaryError as exc:
            if exc.keep_changes:
                self.session.commit()
            raise
        self.session.commit()


async def read_request_clock(session: SessionDep) -> ClockReading:
    """The request's first statement: the clock and the control generation the worker's caches
    are checked against. A dependency of its own so that everything else a request depends on
    (the caller here, fault injection for the Capillary routers) shares the one reading."""
    return clock.read_clock(session)


ClockDep = Annotated[ClockReading, Depends(read_request_clock)]


async def get_context(request: Request, session: SessionDep, reading: ClockDep) -> RequestContext:
    caller = request.app.state.caches.caller(
        session,
        reading,
        authorization=request.headers.get("authorization"),
        oauth_token=request.headers.get(OAUTH_HEADER),
    )
    return RequestContext(
        session=session, caller=caller, now=reading.now, settings=request.app.state.settings
    )


ContextDep = Annotated[RequestContext, Depends(get_context)]


async def require_admin(request: Request) -> None:
    token = request.app.state.settings.admin_token
    if token and request.headers.get("x-capemu-admin-token") != token:
        raise AccessDeniedError(detail="the /_emulator control plane needs X-CAPEMU-ADMIN-TOKEN")
