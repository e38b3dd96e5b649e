"""Capillary's customer-to-customer points transfer: check (with OTP), transfer, history."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from capillary_emulator.context import ContextDep
from capillary_emulator.envelope import data_envelope
from capillary_emulator.transfers import service
from capillary_emulator.transfers.schemas import CustomerTransferBody

router = APIRouter(tags=["points"])


@router.post("/v2/points/isTransferrable")
async def is_transferrable(body: CustomerTransferBody, ctx: ContextDep) -> dict[str, Any]:
    with ctx.transaction():
        result = service.is_transferrable(
            ctx.session,
            caller=ctx.caller,
            points=body.points,
            program_id=body.programId,
            from_identifier=body.fromCustomerIdentifier,
            to_identifier=body.toCustomerIdentifier,
            group_program_transfer=body.groupProgramTransfer,
            notes=body.notes,
            issue_otp_flag=body.issueOtp,
            now=ctx.now,
        )
    return data_envelope([result])


@router.post("/v2/points/issuePointsTransferOtp")
async def issue_points_transfer_otp(body: CustomerTransferBody, ctx: ContextDep) -> dict[str, Any]:
    """Named by the transfer docs as the other way to get the OTP; the isTransferrable check
    that always issues it."""
    with ctx.transaction():
        result = service.is_transferrable(
            ctx.session,
            caller=ctx.caller,
            points=body.points,
            program_id=body.programId,
            from_identifier=body.fromCustomerIdentifier,
            to_identifier=body.toCustomerIdentifier,
            group_program_transfer=body.groupProgramTransfer,
            notes=body.notes,
            issue_otp_flag=True,
            now=ctx.now,
        )
    return data_envelope([result])


@router.post("/v2/points/transfer")
async def transfer_points(body: CustomerTransferBody, ctx: ContextDep) -> dict[str, Any]:
    with ctx.transaction():
        record = service.transfer_between_customers(
            ctx.session,
            caller=ctx.caller,
            points=body.points,
            program_id=body.programId,
            from_identifier=body.fromCustomerIdentifier,
            to_identifier=body.toCustomerIdentifier,
            group_program_transfer=body.groupProgramTransfer,
            notes=body.notes,
            code=body.code,
            now=ctx.now,
        )
    return data_envelope([record])


@router.get("/v2/points/transfer")
async def transfer_history(
    ctx: ContextDep,
    identifierName: Annotated[str | None, Query()] = None,
    identifierValue: Annotated[str | None, Query()] = None,
    source: Annotated[str | None, Query()] = None,
    accountId: Annotated[str | None, Query()] = None,
    programId: Annotated[str | None, Query()] = None,
    userEntityType: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    records = service.transfer_history(
        ctx.session,
        caller=ctx.caller,
        identifier_name=identifierName,
        identifier_value=identifierValue,
        source=source,
        account_id=accountId,
        program_id=programId,
        user_entity_type=userEntityType,
    )
    return data_envelope(records)
