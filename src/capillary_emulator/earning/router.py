"""Capillary's transactions (earning) endpoints: add a bill, add bills in bulk, read one back."""

from fastapi import APIRouter

from capillary_emulator.context import ContextDep
from capillary_emulator.earning import promised, service
from capillary_emulator.earning.schemas import (
    BulkAnswer,
    Earning,
    TransactionAdded,
    TransactionBody,
    UnlockAnswer,
    UnlockBody,
)

router = APIRouter(tags=["earning"])


@router.post("/v2/transactions")
async def add_transaction(
    ctx: ContextDep,
    body: TransactionBody,
    identifierName: str | None = None,
    identifierValue: str | None = None,
) -> TransactionAdded:
    with ctx.transaction():
        return service.add_transaction(
            ctx.session,
            caller=ctx.caller,
            identifier_name=identifierName,
            identifier_value=identifierValue,
            body=body,
            now=ctx.now,
        )


@router.post("/v2/transactions/bulk")
async def add_transactions(ctx: ContextDep, body: list[TransactionBody]) -> BulkAnswer:
    with ctx.transaction():
        return service.add_transactions(ctx.session, caller=ctx.caller, items=body, now=ctx.now)


@router.get("/v2/earning/{created_id}", response_model_exclude_none=True)
async def get_earning(ctx: ContextDep, created_id: str) -> Earning:
    with ctx.transaction():
        return service.earning(ctx.session, caller=ctx.caller, created_id=created_id)


@router.post("/v2/points/unlockPromisedPoints")
async def unlock_promised_points(
    ctx: ContextDep,
    body: UnlockBody,
    identifierName: str | None = None,
    identifierValue: str | None = None,
    source: str | None = None,
    type: str | None = None,
) -> UnlockAnswer:
    with ctx.transaction():
        return promised.unlock_promised_points(
            ctx.session,
            caller=ctx.caller,
            identifier_name=identifierName,
            identifier_value=identifierValue,
            source=source,
            entity_type=type,
            body=body,
            now=ctx.now,
        )
