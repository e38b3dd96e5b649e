"""GET /v2/pointsLedger/getCustomerLedgerBalance and /getCustomerLedgerInfo."""

from typing import Any

from fastapi import APIRouter, Request

from capillary_emulator.context import ContextDep
from capillary_emulator.ledger import service
from capillary_emulator.ledger.schemas import LedgerQuery

router = APIRouter(tags=["points"])

QUERY_DOCS = {"parameters": LedgerQuery.openapi_parameters()}


@router.get("/v2/pointsLedger/getCustomerLedgerBalance", openapi_extra=QUERY_DOCS)
# The seed document's URL template has a double slash; clients copy it verbatim.
@router.get("/v2//pointsLedger/getCustomerLedgerBalance", include_in_schema=False)
async def get_customer_ledger_balance(request: Request, ctx: ContextDep) -> dict[str, Any]:
    with ctx.transaction():
        body = service.customer_ledger_balance(
            ctx.session,
            org=ctx.caller.org,
            config=ctx.caller.config,
            query=LedgerQuery.from_query(request.query_params),
            now=ctx.now,
        )
    return body


@router.get("/v2/pointsLedger/getCustomerLedgerInfo", openapi_extra=QUERY_DOCS)
@router.get("/v2//pointsLedger/getCustomerLedgerInfo", include_in_schema=False)
async def get_customer_ledger_info(request: Request, ctx: ContextDep) -> dict[str, Any]:
    with ctx.transaction():
        body = service.customer_ledger_info(
            ctx.session,
            org=ctx.caller.org,
            config=ctx.caller.config,
            query=LedgerQuery.from_query(request.query_params),
            now=ctx.now,
        )
    return body
