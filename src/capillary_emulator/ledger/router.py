"""GET /v2/pointsLedger/getCustomerLedgerBalance and /getCustomerLedgerInfo.

Both are read-only (a deferred snapshot on SQLite) until the owner has points due to expire;
then `RequestContext.read` serves them again under the write lock.
"""

from fastapi import APIRouter

from capillary_emulator.context import ContextDep, RequestContext, read_only
from capillary_emulator.ledger import service
from capillary_emulator.ledger.schemas import CustomerLedgerBalance, CustomerLedgerInfo, LedgerQuery

router = APIRouter(tags=["points"])

QUERY_DOCS = {"parameters": LedgerQuery.openapi_parameters()}


@router.get(
    "/v2/pointsLedger/getCustomerLedgerBalance",
    response_model=CustomerLedgerBalance,
    openapi_extra=QUERY_DOCS,
)
# The seed document's URL template has a double slash; clients copy it verbatim.
@router.get(
    "/v2//pointsLedger/getCustomerLedgerBalance",
    response_model=CustomerLedgerBalance,
    include_in_schema=False,
)
@read_only
async def get_customer_ledger_balance(ctx: ContextDep) -> CustomerLedgerBalance:
    # Read from the raw query string (`query_string.QueryModel`), not as a dependency: each
    # level of FastAPI's dependency solving costs more than the read.
    query = LedgerQuery.from_query(ctx.request.query_params)

    def balance(c: RequestContext) -> CustomerLedgerBalance:
        return service.customer_ledger_balance(
            c.session, org=c.caller.org, config=c.caller.config, query=query, now=c.now
        )

    with ctx.transaction():
        return ctx.read(balance)


@router.get(
    "/v2/pointsLedger/getCustomerLedgerInfo",
    response_model=CustomerLedgerInfo,
    openapi_extra=QUERY_DOCS,
)
@router.get(
    "/v2//pointsLedger/getCustomerLedgerInfo",
    response_model=CustomerLedgerInfo,
    include_in_schema=False,
)
@read_only
async def get_customer_ledger_info(ctx: ContextDep) -> CustomerLedgerInfo:
    query = LedgerQuery.from_query(ctx.request.query_params)

    def page(c: RequestContext) -> CustomerLedgerInfo:
        return service.customer_ledger_info(
            c.session, org=c.caller.org, config=c.caller.config, query=query, now=c.now
        )

    with ctx.transaction():
        return ctx.read(page)
