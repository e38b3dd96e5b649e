"""Fault injection: make matching Capillary calls fail with a chosen status and code, or slow
down, for a number of calls or until cleared. Faults live in the database, so every worker
applies them; each worker caches the list and reloads it when `control_generation` moves."""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from capillary_emulator.clock import bump_control_generation
from capillary_emulator.errors import ControlRequestError, InjectedFaultError
from capillary_emulator.models import EmulatorFault


@dataclass(frozen=True)
class Fault:
    id: int
    method: str
    path: str
    http_status: int
    code: int
    message: str
    remaining: int | None
    delay_ms: int

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
        }


class FaultCache:
    """One worker's copy of the fault list, keyed by the generation it was read at."""

    def __init__(self) -> None:
        self.generation = -1
        self.faults: list[Fault] = []

    def current(self, session: Session, generation: int) -> list[Fault]:
        if generation != self.generation:
            self.faults = _load(session)
            self.generation = generation
        return self.faults


def _load(session: Session) -> list[Fault]:
    rows = session.execute(select(EmulatorFault).order_by(EmulatorFault.id)).scalars()
    return [
        Fault(r.id, r.method, r.path, r.http_status, r.code, r.message, r.remaining, r.delay_ms)
        for r in rows
    ]


async def apply_faults(session: Session, faults: list[Fault], *, method: str, path: str) -> None:
    """Apply the first fault matching this call: wait, then fail (or go on, for a delay)."""
    for fault in faults:
        if not fault.matches(method, path):
            continue
        if fault.remaining is not None:
            used = session.execute(
                update(EmulatorFault)
                .where(EmulatorFault.id == fault.id, EmulatorFault.remaining > 0)
                .values(remaining=EmulatorFault.remaining - 1)
            )
            if used.rowcount == 0:  # type: ignore[attr-defined]
                continue  # used up by earlier calls
            session.commit()
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.http_status:
            error_class = type(
                "InjectedFault",
                (InjectedFaultError,),
                {
                    "code": fault.code,
                    "http_status": fault.http_status,
                    "message": fault.message or InjectedFaultError.message,
                },
            )
            raise error_class()
        return


def add_fault(session: Session, spec: dict[str, Any], *, now: datetime) -> Fault:
    allowed = {"method", "path", "status", "code", "message", "count", "delayMs"}
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
    status = _whole(
        spec, "status", 0 if delay_ms and "status" not in spec else 500, low=0, high=599
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
    row = EmulatorFault(
        method=method.upper(),
        path=path,
        http_status=status,
        code=code,
        message=message,
        remaining=count,
        delay_ms=delay_ms,
        created_at=now,
    )
    session.add(row)
    session.flush()
    bump_control_generation(session)
    return Fault(row.id, row.method, row.path, status, code, message, count, delay_ms)


def _whole(spec: dict[str, Any], key: str, default: int, *, low: int, high: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ControlRequestError(detail=f'"{key}" must be a whole number from {low} to {high}')
    return value


def list_faults(session: Session) -> list[dict[str, Any]]:
    return [fault.body() for fault in _load(session)]


def clear_faults(session: Session, *, fault_id: int | None = None) -> int:
    query = delete(EmulatorFault)
    if fault_id is not None:
        query = query.where(EmulatorFault.id == fault_id)
    removed = session.execute(query).rowcount  # type: ignore[attr-defined]
    bump_control_generation(session)
    return int(removed)
