"""Capillary's v2 customers API: lookup, customerDetails, get, create, update."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from capillary_emulator.context import ContextDep
from capillary_emulator.customer_api import service, v11
from capillary_emulator.customer_api.schemas import (
    CustomerBody,
    CustomerCreated,
    CustomerDetails,
    CustomerEntity,
    V11CustomerBody,
    V11CustomerGetAnswer,
    V11RedemptionsAnswer,
    V11TransactionsAnswer,
)
from capillary_emulator.customer_api.service import Who
from capillary_emulator.v11_xml import to_xml

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


def _v11_answer(ctx: ContextDep, query: dict[str, str], body: dict[str, Any]) -> Response:
    """JSON, or XML for `format=xml`; the business-error HTTP status when no item succeeded."""
    status = body["response"]["status"]["code"]
    http_status = ctx.settings.business_error_status if status == 500 else 200
    if query.get("format", "json").strip().lower() == "xml":
        return Response(to_xml(body), status_code=http_status, media_type="application/xml")
    return JSONResponse(body, status_code=http_status)


def _query(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


@router.get(
    "/v1.1/customer/get",
    response_model=None,
    responses={200: {"model": V11CustomerGetAnswer}},
)
async def v11_get_customer(ctx: ContextDep, request: Request) -> Response:
    query = _query(request)
    with ctx.transaction():
        body = service.v11_customers(ctx.session, caller=ctx.caller, query=query)
    return _v11_answer(ctx, query, body)


@router.post(
    "/v1.1/customer/add",
    response_model=None,
    responses={200: {"model": V11CustomerGetAnswer}},
)
async def v11_add_customer(ctx: ContextDep, request: Request, body: V11CustomerBody) -> Response:
    with ctx.transaction():
        answer = v11.add_customers(ctx.session, caller=ctx.caller, root=body.root, now=ctx.now)
    return _v11_answer(ctx, _query(request), answer)


@router.post(
    "/v1.1/customer/update",
    response_model=None,
    responses={200: {"model": V11CustomerGetAnswer}},
)
async def v11_update_customer(ctx: ContextDep, request: Request, body: V11CustomerBody) -> Response:
    with ctx.transaction():
        answer = v11.update_customers(ctx.session, caller=ctx.caller, root=body.root, now=ctx.now)
    return _v11_answer(ctx, _query(request), answer)


@router.get(
    "/v1.1/customer/transactions",
    response_model=None,
    responses={200: {"model": V11TransactionsAnswer}},
)
async def v11_customer_transactions(ctx: ContextDep, request: Request) -> Response:
    query = _query(request)
    with ctx.transaction():
        body = v11.customer_transactions(ctx.session, caller=ctx.caller, query=query)
    return _v11_answer(ctx, query, body)


@router.get(
    "/v1.1/customer/redemptions",
    response_model=None,
    responses={200: {"model": V11RedemptionsAnswer}},
)
async def v11_customer_redemptions(ctx: ContextDep, request: Request) -> Response:
    query = _query(request)
    with ctx.transaction():
        body = v11.customer_redemptions(ctx.session, caller=ctx.caller, query=query)
    return _v11_answer(ctx, query, body)
