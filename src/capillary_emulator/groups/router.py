"""Capillary's group (USERGROUP2) points transfer: check and transfer."""

from fastapi import APIRouter

from capillary_emulator.context import ContextDep
from capillary_emulator.envelope import DataEnvelope
from capillary_emulator.groups import service
from capillary_emulator.groups.schemas import GroupTransferBody, GroupTransferrable
from capillary_emulator.transfer_core.schemas import TransferRecord

router = APIRouter(tags=["points"])


@router.post(
    "/v2/points/userGroup2/isTransferrable", response_model=DataEnvelope[GroupTransferrable]
)
async def is_transferrable(
    body: GroupTransferBody, ctx: ContextDep
) -> DataEnvelope[GroupTransferrable]:
    result = service.check_transferrable(ctx.session, caller=ctx.caller, request=body, now=ctx.now)
    return DataEnvelope[GroupTransferrable](data=[result])


@router.post("/v2/points/userGroup2/transfer", response_model=DataEnvelope[TransferRecord])
async def transfer_points(body: GroupTransferBody, ctx: ContextDep) -> DataEnvelope[TransferRecord]:
    with ctx.transaction():
        record = service.transfer_points(ctx.session, caller=ctx.caller, request=body, now=ctx.now)
    return DataEnvelope[TransferRecord](data=[record])
