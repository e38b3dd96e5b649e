"""The emulator's own control plane under /_emulator (not part of Capillary's API)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse

from capillary_emulator import clock, lifecycle
from capillary_emulator.context import SessionDep, require_admin
from capillary_emulator.emulator import service
from capillary_emulator.seed.schema import seed_json_schema
from capillary_emulator.seed.service import load_seed, parse_seed

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
    parsed = parse_seed(document)
    created = load_seed(session, parsed, now=clock.now(session))
    session.commit()
    return created


@router.get("/seed/schema")
async def seed_schema() -> dict[str, Any]:
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


@router.get("/audit")
async def audit(session: SessionDep) -> dict[str, Any]:
    return service.audit(session)
