"""POST /v2/points/reverse: take back a redemption, in full or in part."""

from fastapi import APIRouter

from capillary_emulator.context import ContextDep
from capillary_emulator.reversals.schemas import (
    ReversalAnswer,
    ReversalDisabledAnswer,
    ReverseRequest,
)
from capillary_emulator.reversals.service import reverse_redemption

router = APIRouter(tags=["points"])


@router.post("/v2/points/reverse")
async def reverse_points(
    ctx: ContextDep, body: ReverseRequest
) -> ReversalAnswer | ReversalDisabledAnswer:
    with ctx.transaction():
        return reverse_redemption(
            ctx.session,
            caller=ctx.caller,
            now=ctx.now,
            redemption_id=body.redemptionId,
            points_to_be_reversed=body.pointsToBeReversed,
            misspelt_points=body.pointsTobeReversed,
            identifier=body.identifier,
        )
