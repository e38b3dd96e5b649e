"""The emulator's own control plane under /_emulator (not part of Capillary's API)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from capillary_emulator import clock, lifecycle
from capillary_emulator.context import SessionDep, require_admin
from capillary_emulator.emulator import faults, service
from capillary_emulator.emulator.audit import audit as run_audit

router = APIRouter(prefix="/_emulator", tags=["emulator"], dependencies=[Depends(require_admin)])


@router.get("/health")
async def health(request: Request, session: SessionDep) -> JSONResponse:
    ready = lifecycle.is_ready(request.app.state.engine)
    return JSONResponse(
        {"status": "ok" if ready else "starting"}, status_code=200 if ready else 503
    )


@router.post("/reset")
async def reset(
    request: Request, session: SessionDep, orgId: Annotated[int | None, Query()] = None
) -> dict[str, Any]:
    lifecycle.reset(session, request.app.state.settings, org_id=orgId)
    session.commit()
    return {"status": "ok", "orgId": orgId}


@router.post("/seed")
async def add_seed(session: SessionDep, document: Annotated[Any, Body()]) -> dict[str, Any]:
    created = service.add_seed(session, document, now=clock.now(session))
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
async def delete_org(session: SessionDep, org_id: int) -> Response:
    service.delete_org(session, org_id)
    session.commit()
    return Response(status_code=204)


@router.get("/seed/schema")
async def seed_schema() -> dict[str, Any]:
    from capillary_emulator.seed.schema import seed_json_schema  # the seed modules load lazily

    return seed_json_schema()


@router.get("/clock")
async def get_clock(session: SessionDep) -> dict[str, Any]:
    return service.clock_body(clock.read_clock(session))


@router.post("/clock")
async def set_clock(
    session: SessionDep, command: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    reading = service.change_clock(session, command)
    session.commit()
    return service.clock_body(reading)


@router.get("/otps")
async def otps(
    session: SessionDep,
    orgId: Annotated[int | None, Query()] = None,
    identifierType: Annotated[str | None, Query()] = None,
    identifierValue: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    items = service.list_otps(
        session,
        org_id=orgId,
        identifier_type_name=identifierType,
        identifier_value=identifierValue,
        now=clock.now(session),
    )
    return {"otps": items}


@router.get("/faults")
async def list_faults(session: SessionDep) -> dict[str, Any]:
    return {"faults": faults.list_faults(session)}


@router.post("/faults")
async def add_fault(session: SessionDep, spec: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    fault = faults.add_fault(session, spec, now=clock.now(session))
    session.commit()
    return fault.body()


@router.delete("/faults")
async def clear_faults(session: SessionDep) -> dict[str, Any]:
    removed = faults.clear_faults(session)
    session.commit()
    return {"removed": removed}


@router.delete("/faults/{fault_id}")
async def remove_fault(session: SessionDep, fault_id: int) -> dict[str, Any]:
    removed = faults.clear_faults(session, fault_id=fault_id)
    session.commit()
    return {"removed": removed}


@router.get("/journal")
async def read_journal(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    path: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    """This worker's most recent Capillary calls, newest first."""
    return {"entries": request.app.state.journal.read(limit=limit, path=path)}


@router.delete("/journal")
async def clear_journal(request: Request) -> dict[str, Any]:
    request.app.state.journal.clear()
    return {"status": "ok"}


@router.get("/audit")
async def audit(session: SessionDep) -> dict[str, Any]:
    if session.get_bind().dialect.name == "postgresql":
        # One snapshot for all of the audit's reads, or a transfer committing between them
        # would look like a violation.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return run_audit(session)
