"""Fault injection: make matching Capillary calls fail with a chosen status and code, or slow
down, for a number of calls or until cleared.

Faults live in the database, so every worker applies them; each worker keeps the list in its
`caches.WorkerCaches`, and adding or clearing one invalidates the caches. `inject_faults` runs
in every Capillary endpoint's request context (create_app installs it as
`app.state.inject_faults`, so the context knows nothing of faults), right after the clock is
read and before credentials are checked; only a fault scoped to one org
(`orgId`) resolves the caller (through the worker's caller cache), and a call whose credentials
fail matches no org-scoped fault (it then fails with its own 401).

Commits: a counted fault's use is committed at once in a short transaction of its own
(`_use`), because the request it fails rolls back everything else; see there.
"""

import asyncio
import json
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import delete
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from capillary_emulator import caches
from capillary_emulator.auth import OAUTH_HEADER
from capillary_emulator.caches import Fault
from capillary_emulator.clock import ClockReading
from capillary_emulator.db import unit_of
from capillary_emulator.envelope import StatusItem
from capillary_emulator.errors import CapillaryError, ControlRequestError, InjectedFaultError
from capillary_emulator.models import EmulatorFault
from capillary_emulator.store.bulk import existing_org
from capillary_emulator.store.faults import use_fault
from capillary_emulator.store.sql import Db


async def inject_faults(request: Request, session: Session, reading: ClockReading) -> None:
    """Apply the first fault matching this call that is not used up: wait, then fail (or go
    on, for a delay-only fault)."""
    faults = request.app.state.caches.faults(session, reading)
    if not faults:
        return
    method, path = request.method, request.url.path
    for fault in faults:
        if not fault.matches(method, path):
            continue
        if fault.org_id is not None and _caller_org(request, session, reading) != fault.org_id:
            continue
        if fault.remaining is not None and not _use(session, fault):
            continue  # used up by earlier calls
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.warning:
            request.scope[WARNING_SCOPE_KEY] = fault  # WarningFaults adds it to the answer
        elif fault.http_status:
            raise _error(fault)
        return


def _caller_org(request: Request, session: Session, reading: ClockReading) -> int | None:
    try:
        caller = request.app.state.caches.caller(
            session,
            reading,
            authorization=request.headers.get("authorization"),
            oauth_token=request.headers.get(OAUTH_HEADER),
        )
    except CapillaryError:
        return None
    return int(caller.org_id)


def _use(session: Session, fault: Fault) -> bool:
    """Count one use of a counted fault, committed at once; False when none is left.

    So far the request has only read (the clock, the fault list). That read is ended, and the
    count is committed in a transaction of its own on the request's connection (the request the
    fault fails rolls back everything else); whatever the request does next runs in a fresh
    transaction.
    """
    unit = unit_of(session)
    unit.rollback()
    try:
        used = use_fault(Db(session), fault.id)
        unit.commit()
    finally:
        unit.rollback()
    return used


def _error(fault: Fault) -> InjectedFaultError:
    error_class = type(
        "InjectedFault",
        (InjectedFaultError,),
        {
            "code": fault.code,
            "http_status": fault.http_status,
            "message": fault.message or InjectedFaultError.message,
        },
    )
    return error_class()


def add_fault(session: Session, spec: dict[str, Any], *, now: datetime) -> Fault:
    allowed = {
        "method", "path", "status", "code", "message", "count", "delayMs", "orgId", "warning"
    }  # fmt: skip
    unknown = set(spec) - allowed
    if unknown:
        raise ControlRequestError(detail=f"unknown fields {sorted(unknown)}; use {sorted(allowed)}")
    path = spec.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ControlRequestError(
            detail='"path" must be a request path such as /v2/points/transfer'
        )
    method = spec.get("method", "*")
    if not isinstance(method, str) or not method:
        raise ControlRequestError(detail='"method" must be an HTTP method or "*"')
    delay_ms = _whole(spec, "delayMs", 0, low=0, high=60_000)
    warning = spec.get("warning", False)
    if not isinstance(warning, bool):
        raise ControlRequestError(detail='"warning" must be true or false')
    if warning and ("status" in spec or "code" not in spec):
        raise ControlRequestError(
            detail='a "warning" fault takes a "code" (and a "message"), not a "status": '
            "the call goes on and its answer's warnings[] carries them"
        )
    status = (
        0
        if warning
        else _whole(
            spec, "status", 0 if delay_ms and "status" not in spec else 500, low=0, high=599
        )
    )
    if status and status < 200:
        raise ControlRequestError(detail='"status" must be 0 (delay only) or 200-599')
    code = _whole(spec, "code", status or 500, low=0, high=10**9)
    count = spec.get("count")
    if count is not None:
        count = _whole(spec, "count", 1, low=1, high=10**9)
    message = spec.get("message", "")
    if not isinstance(message, str):
        raise ControlRequestError(detail='"message" must be text')
    org_id = spec.get("orgId")
    if org_id is not None:
        org_id = _whole(spec, "orgId", 0, low=1, high=2**63 - 1)
        if not existing_org(session, org_id):
            raise ControlRequestError(detail=f'"orgId" {org_id} is not an org')
    row = EmulatorFault(
        method=method.upper(),
        path=path,
        http_status=status,
        code=code,
        message=message,
        remaining=count,
        delay_ms=delay_ms,
        created_at=now,
        org_id=org_id,
        warning=warning,
    )
    session.add(row)
    session.flush()
    caches.invalidate(session)
    return Fault(
        row.id, row.method, row.path, status, code, message, count, delay_ms, org_id, warning
    )


def _whole(spec: dict[str, Any], key: str, default: int, *, low: int, high: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ControlRequestError(detail=f'"{key}" must be a whole number from {low} to {high}')
    return value


def list_faults(session: Session) -> list[dict[str, Any]]:
    return [fault.body() for fault in caches.load_faults(session)]


def clear_faults(session: Session, *, fault_id: int | None = None) -> int:
    query = delete(EmulatorFault)
    if fault_id is not None:
        query = query.where(EmulatorFault.id == fault_id)
    removed = session.execute(query).rowcount  # type: ignore[attr-defined]
    caches.invalidate(session)
    return int(removed)


WARNING_SCOPE_KEY = "capemu.warning_fault"
"""Where `inject_faults` leaves a matching warning fault for `WarningFaults`."""


class WarningFaults:
    """ASGI middleware: a call a warning fault matched answers as it would, plus the fault's
    code and message as one more item of its JSON answer's `warnings[]` (the v2 envelopes; an
    answer without a top-level `warnings` list, such as v1.1's, is sent unchanged). Calls no
    warning fault matched pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_with_warning(message: Message) -> None:
            nonlocal start
            fault = scope.get(WARNING_SCOPE_KEY)
            if fault is None:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = _with_warning(b"".join(chunks), fault)
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, send_with_warning)


def _with_warning(body: bytes, fault: Fault) -> bytes:
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if not isinstance(answer, dict) or not isinstance(answer.get("warnings"), list):
        return body
    answer["warnings"].append(StatusItem(code=fault.code, message=fault.message).model_dump())
    return json.dumps(answer, separators=(",", ":"), ensure_ascii=False).encode()
