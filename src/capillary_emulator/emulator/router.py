"""The emulator's own control plane under /_emulator (not part of Capillary's API)."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from capillary_emulator import clock, lifecycle
from capillary_emulator.context import SessionDep, outside_reset_lock, require_admin
from capillary_emulator.db import begin_read_only
from capillary_emulator.emulator import faults, service
from capillary_emulator.emulator.audit import audit as run_audit
from capillary_emulator.store.journal import JournalFilter

MAX_ID = 2**63 - 1
"""Ids are 64-bit in the database; a bigger number is a 400, not an overflow in the driver."""
OrgIdQuery = Annotated[int | None, Query(ge=0, le=MAX_ID)]
OrgIdPath = Annotated[int, Path(ge=0, le=MAX_ID)]
FaultIdPath = Annotated[int, Path(ge=0, le=2**31 - 1)]
"""A fault id is an INTEGER column: a larger one would fail Postgres's bind (a 500), not miss."""
WaitQuery = Annotated[
    float,
    Query(ge=0, le=service.MAX_WAIT_SECONDS, description="seconds to wait for a match (max 30)"),
]

CLOCK_EXAMPLES = {
    "advance": {"summary": "Move on (ISO 8601 duration)", "value": {"advance": "P1D"}},
    "set": {"summary": "Jump to an instant", "value": {"set": "2026-01-01T00:00:00Z"}},
    "freeze": {"summary": "Stop the clock", "value": {"freeze": True}},
}
FAULT_EXAMPLES = {
    "fail": {
        "summary": "Fail the next two transfers",
        "value": {"path": "/v2/points/transfer", "status": 503, "code": 503, "count": 2},
    },
    "slow": {
        "summary": "Slow every points call",
        "value": {"path": "/v2/points/*", "delayMs": 300},
    },
}

router = APIRouter(prefix="/_emulator", tags=["emulator"], dependencies=[Depends(require_admin)])
open_router = APIRouter(prefix="/_emulator", tags=["emulator"])
"""Calls without the admin token: health probes and the image's healthcheck send none."""


@open_router.get("/health")
async def health(request: Request, session: SessionDep) -> JSONResponse:
    ready = lifecycle.is_ready(request.app.state.engine)
    return JSONResponse(
        {"status": "ok" if ready else "starting"}, status_code=200 if ready else 503
    )


@router.post("/reset")
@outside_reset_lock
async def reset(request: Request, session: SessionDep, orgId: OrgIdQuery = None) -> dict[str, Any]:
    lifecycle.reset(session, request.app.state.settings, org_id=orgId)
    session.commit()
    return {"status": "ok", "orgId": orgId}


SEED_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "title": "Document"}}},
    }
}
"""The body as documentation: the endpoint reads it itself (`seed.service.parse_seed_json`)."""


@router.post("/seed", openapi_extra=SEED_BODY)
async def add_seed(request: Request, session: SessionDep) -> dict[str, Any]:
    raw = await request.body()
    created = service.add_seed(session, raw, now=clock.now(session))
    session.commit()
    return created


@router.post("/orgs", status_code=201)
async def create_org(
    session: SessionDep, body: Annotated[dict[str, Any] | None, Body()] = None
) -> dict[str, Any]:
    """A fresh, isolated org (the demo org's config, a default program, a till and an OAuth
    client) plus whatever the body adds in the seed-document format, ids optional."""
    created = service.create_org(session, body, now=clock.now(session))
    session.commit()
    return created


@router.delete("/orgs/{org_id}", status_code=204)
async def delete_org(session: SessionDep, org_id: OrgIdPath) -> Response:
    service.delete_org(session, org_id)
    session.commit()
    return Response(status_code=204)


@router.get("/seed/schema")
async def seed_schema() -> dict[str, Any]:
    from capillary_emulator.seed.schema import seed_json_schema  # the seed modules load lazily

    return seed_json_schema()


@router.get("/clock")
async def get_clock(session: SessionDep, orgId: OrgIdQuery = None) -> dict[str, Any]:
    if orgId is not None:
        return service.org_clock_body(session, orgId)
    return service.clock_body(clock.read_clock(session))


@router.post("/clock")
async def set_clock(
    session: SessionDep,
    command: Annotated[dict[str, Any], Body(openapi_examples=CLOCK_EXAMPLES)],
    orgId: OrgIdQuery = None,
) -> dict[str, Any]:
    """The global clock, or with `orgId` that org's own clock (no other org is affected)."""
    if orgId is not None:
        service.change_org_clock(session, orgId, command)
        session.commit()
        return service.org_clock_body(session, orgId)
    reading = service.change_clock(session, command)
    session.commit()
    return service.clock_body(reading)


@router.get("/otps")
async def otps(
    request: Request,
    orgId: OrgIdQuery = None,
    identifierType: Annotated[str | None, Query()] = None,
    identifierValue: Annotated[str | None, Query()] = None,
    since: Annotated[str | None, Query(description="issued at or after (ISO-8601)")] = None,
    wait: WaitQuery = 0,
) -> dict[str, Any]:
    """The OTPs issued, newest first; with `wait`, answers as soon as one matches."""
    issued_since = service.parse_since(since)
    factory = request.app.state.session_factory

    def read() -> list[dict[str, Any]]:
        # A session per look: nothing is held while the long-poll sleeps.
        with factory() as session:
            begin_read_only(session)
            return service.list_otps(
                session,
                org_id=orgId,
                identifier_type_name=identifierType,
                identifier_value=identifierValue,
                since=issued_since,
                now=clock.now(session),
            )

    return {"otps": await service.poll_until(read, ready=bool, wait=wait)}


@router.get("/faults")
async def list_faults(session: SessionDep) -> dict[str, Any]:
    return {"faults": faults.list_faults(session)}


@router.post("/faults")
async def add_fault(
    session: SessionDep,
    spec: Annotated[dict[str, Any], Body(openapi_examples=FAULT_EXAMPLES)],
) -> dict[str, Any]:
    fault = faults.add_fault(session, spec, now=clock.now(session))
    session.commit()
    return fault.body()


@router.delete("/faults")
async def clear_faults(session: SessionDep) -> dict[str, Any]:
    removed = faults.clear_faults(session)
    session.commit()
    return {"removed": removed}


@router.delete("/faults/{fault_id}")
async def remove_fault(session: SessionDep, fault_id: FaultIdPath) -> dict[str, Any]:
    removed = faults.clear_faults(session, fault_id=fault_id)
    session.commit()
    return {"removed": removed}


async def journal_filter(
    path: Annotated[str | None, Query()] = None,
    method: Annotated[str | None, Query(max_length=10)] = None,
    status: Annotated[int | None, Query(ge=0, le=999)] = None,
    orgId: OrgIdQuery = None,
    code: Annotated[int | None, Query(ge=-(2**31), le=2**31 - 1)] = None,
    since: Annotated[str | None, Query(description="arrived at or after (ISO-8601)")] = None,
) -> JournalFilter:
    return service.journal_filter(
        path=path, method=method, status=status, org_id=orgId, code=code, since=since
    )


JournalFilterDep = Annotated[JournalFilter, Depends(journal_filter)]


@router.get("/journal")
async def read_journal(
    request: Request,
    where: JournalFilterDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    wait: WaitQuery = 0,
) -> dict[str, Any]:
    """The most recent Capillary calls of every worker, newest first; with `wait`, answers as
    soon as one matches."""
    journal = request.app.state.journal
    found = await service.poll_until(
        lambda: journal.entries(where, limit=limit), ready=bool, wait=wait
    )
    return {"entries": [entry.wire() for entry in found]}


@router.get("/journal/count")
async def count_journal(
    request: Request, where: JournalFilterDep, wait: WaitQuery = 0
) -> dict[str, int]:
    journal = request.app.state.journal
    count = await service.poll_until(lambda: journal.count(where), ready=lambda n: n > 0, wait=wait)
    return {"count": count}


@router.delete("/journal")
async def clear_journal(request: Request) -> dict[str, Any]:
    """Clears every worker's entries."""
    request.app.state.journal.clear()
    return {"status": "ok"}


@router.get("/snapshot")
@outside_reset_lock  # its REPEATABLE READ snapshot must begin with its first statement
async def export_snapshot(session: SessionDep, orgId: OrgIdQuery = None) -> Response:
    """The whole state, or with `orgId` one org's, as a versioned JSON document (tables, rows
    by primary key); `POST /_emulator/snapshot` restores it exactly."""
    if session.get_bind().dialect.name == "postgresql":
        # One snapshot for every table's read, as the audit does.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    document = service.export_snapshot(session, orgId)
    name = "capillary-snapshot" + (f"-org{orgId}" if orgId is not None else "") + ".json"
    return Response(
        json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/snapshot")
async def restore_snapshot(session: SessionDep, document: Annotated[Any, Body()]) -> dict[str, Any]:
    """Replace the whole state (or the document's org) with a snapshot document, in one
    transaction; a document that does not fit is a 400 and changes nothing."""
    restored = service.restore_snapshot(session, document)
    session.commit()
    return restored


@router.get("/audit")
@outside_reset_lock
async def audit(session: SessionDep) -> dict[str, Any]:
    if session.get_bind().dialect.name == "postgresql":
        # One snapshot for all of the audit's reads, or a transfer committing between them
        # would look like a violation.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return run_audit(session)
