"""Capillary's v2 customers API: lookup, customerDetails, get, create, update."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from capillary_emulator.context import ContextDep
from capillary_emulator.customer_api import service
from capillary_emulator.customer_api.schemas import (
    CustomerBody,
    CustomerCreated,
    CustomerDetails,
    CustomerEntity,
    V11CustomerGetAnswer,
)
from capillary_emulator.customer_api.service import Who
from capillary_emulator.customer_api.xml import to_xml

router = APIRouter(tags=["customers"])


@router.get("/v2/customers/lookup", response_model_exclude_none=True)
async def lookup_customer(
    ctx: ContextDep, identifierName: str | None = None, identifierValue: str | None = None
) -> CustomerEntity:
    with ctx.transaction():
        return service.lookup(
            ctx.session, org=ctx.caller.org, who=Who(identifierName, identifierValue)
        )


@router.get("/v2/customers/lookup/customerDetails", response_model_exclude_none=True)
async def lookup_customer_details(
    ctx: ContextDep,
    identifierName: str | None = None,
    identifierValue: str | None = None,
    embed: str | None = None,
) -> CustomerDetails:
    with ctx.transaction():
        return service.customer_details(
            ctx.session, caller=ctx.caller, who=Who(identifierName, identifierValue), embed=embed
        )


@router.get("/v2/customers/{user_id}", response_model_exclude_none=True)
async def get_customer(ctx: ContextDep, user_id: str, embed: str | None = None) -> CustomerDetails:
    with ctx.transaction():
        return service.customer_details(
            ctx.session, caller=ctx.caller, who=Who("id", user_id), embed=embed
        )


@router.post("/v2/customers")
async def create_customer(ctx: ContextDep, body: CustomerBody) -> CustomerCreated:
    with ctx.transaction():
        return service.create_customer(ctx.session, caller=ctx.caller, body=body, now=ctx.now)


@router.put("/v2/customers")
async def update_customer_by_identifier(
    ctx: ContextDep,
    body: CustomerBody,
    identifierName: str | None = None,
    identifierValue: str | None = None,
) -> CustomerCreated:
    with ctx.transaction():
        return service.update_customer(
            ctx.session,
            caller=ctx.caller,
            who=Who(identifierName, identifierValue),
            body=body,
            now=ctx.now,
        )


@router.put("/v2/customers/{user_id}")
async def update_customer(ctx: ContextDep, user_id: str, body: CustomerBody) -> CustomerCreated:
    with ctx.transaction():
        return service.update_customer(
            ctx.session, caller=ctx.caller, who=Who("id", user_id), body=body, now=ctx.now
        )


@router.get(
    "/v1.1/customer/get",
    response_model=None,
    responses={200: {"model": V11CustomerGetAnswer}},
)
async def v11_get_customer(ctx: ContextDep, request: Request) -> Response:
    query = {k: v for k, v in request.query_params.items()}
    with ctx.transaction():
        body = service.v11_customers(ctx.session, caller=ctx.caller, query=query)
    if query.get("format", "json").strip().lower() == "xml":
        return Response(to_xml(body), media_type="application/xml")
    return JSONResponse(body)
