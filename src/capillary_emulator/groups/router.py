"""Capillary's group (USERGROUP2) points transfer: check and transfer."""

from typing import Any

from fastapi import APIRouter

from capillary_emulator.context import ContextDep
from capillary_emulator.envelope import data_envelope
from capillary_emulator.groups import transfer
from capillary_emulator.groups.schemas import GroupTransferBody

router = APIRouter(tags=["points"])


@router.post("/v2/points/userGroup2/isTransferrable")
async def is_transferrable(body: GroupTransferBody, ctx: ContextDep) -> dict[str, Any]:
    result = transfer.check_transferrable(
        ctx.session,
        caller=ctx.caller,
        points=body.points,
        notes=body.notes,
        program_id=body.programId,
        transferred_by=body.transferredBy,
        from_entity=body.fromEntity,
        to_entity=body.toEntity,
        now=ctx.now,
    )
    return data_envelope([result])


@router.post("/v2/points/userGroup2/transfer")
async def transfer_points(body: GroupTransferBody, ctx: ContextDep) -> dict[str, Any]:
    with ctx.transaction():
        record = transfer.transfer_points(
            ctx.session,
            caller=ctx.caller,
            points=body.points,
            notes=body.notes,
            program_id=body.programId,
            transferred_by=body.transferredBy,
            from_entity=body.fromEntity,
            to_entity=body.toEntity,
            now=ctx.now,
        )
    return data_envelope([record])
