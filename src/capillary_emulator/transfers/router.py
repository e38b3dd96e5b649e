"""Capillary's customer-to-customer points transfer: check (with OTP), transfer, history."""

from fastapi import APIRouter

from capillary_emulator.context import ContextDep, RequestContext, read_only
from capillary_emulator.envelope import DataEnvelope, status_items
from capillary_emulator.transfer_core.schemas import TransferRecord
from capillary_emulator.transfers import service
from capillary_emulator.transfers.schemas import (
    CustomerTransferBody,
    TransferHistoryQuery,
    Transferrable,
)

router = APIRouter(tags=["points"])

# Parametrised once: `DataEnvelope[...]` looks its class up on every use.
TransferrableEnvelope = DataEnvelope[Transferrable]
RecordEnvelope = DataEnvelope[TransferRecord]


@router.post("/v2/points/isTransferrable", response_model=TransferrableEnvelope)
async def is_transferrable(body: CustomerTransferBody, ctx: ContextDep) -> TransferrableEnvelope:
    return _transferrable(body, ctx, issue_otp_flag=body.issueOtp)


@router.post("/v2/points/issuePointsTransferOtp", response_model=TransferrableEnvelope)
async def issue_points_transfer_otp(
    body: CustomerTransferBody, ctx: ContextDep
) -> TransferrableEnvelope:
    """Named by the transfer docs as the other way to get the OTP; the isTransferrable check
    that always issues it."""
    return _transferrable(body, ctx, issue_otp_flag=True)


def _transferrable(
    body: CustomerTransferBody, ctx: RequestContext, *, issue_otp_flag: object
) -> TransferrableEnvelope:
    with ctx.transaction():
        result, warnings = service.is_transferrable(
            ctx.session, caller=ctx.caller, request=body, issue_otp_flag=issue_otp_flag, now=ctx.now
        )
    return TransferrableEnvelope(data=[result], warnings=status_items(warnings))


@router.post("/v2/points/transfer", response_model=RecordEnvelope)
async def transfer_points(body: CustomerTransferBody, ctx: ContextDep) -> RecordEnvelope:
    with ctx.transaction():
        record = service.transfer_between_customers(
            ctx.session, caller=ctx.caller, request=body, now=ctx.now
        )
    return RecordEnvelope(data=[record])


@router.get(
    "/v2/points/transfer",
    response_model=RecordEnvelope,
    openapi_extra={"parameters": TransferHistoryQuery.openapi_parameters()},
)
@read_only
async def transfer_history(ctx: ContextDep) -> RecordEnvelope:
    query = TransferHistoryQuery.from_query(ctx.request.query_params)
    records = service.transfer_history(ctx.session, caller=ctx.caller, query=query)
    return RecordEnvelope(data=records)
