"""Capillary's group (USERGROUP2) points transfer: check and transfer."""

from fastapi import APIRouter

from capillary_emulator.context import ContextDep
from capillary_emulator.envelope import DataEnvelope
from capillary_emulator.groups import service
from capillary_emulator.groups.schemas import GroupTransferBody, GroupTransferrable
from capillary_emulator.transfer_core.schemas import TransferRecord

router = APIRouter(tags=["points"])

# Parametrised once: `DataEnvelope[...]` looks its class up on every use.
TransferrableEnvelope = DataEnvelope[GroupTransferrable]
RecordEnvelope = DataEnvelope[TransferRecord]


@router.post("/v2/points/userGroup2/isTransferrable", response_model=TransferrableEnvelope)
async def is_transferrable(body: GroupTransferBody, ctx: ContextDep) -> TransferrableEnvelope:
    result = service.check_transferrable(ctx.session, caller=ctx.caller, request=body, now=ctx.now)
    return TransferrableEnvelope(data=[result])


@router.post("/v2/points/userGroup2/transfer", response_model=RecordEnvelope)
async def transfer_points(body: GroupTransferBody, ctx: ContextDep) -> RecordEnvelope:
    with ctx.transaction():
        record = service.transfer_points(ctx.session, caller=ctx.caller, request=body, now=ctx.now)
    return RecordEnvelope(data=[record])
