"""GET /v1.1/points/isredeemable and POST /v1.1/points/redeem (JSON only).

They mint the redemptions that POST /v2/points/reverse takes back. Per-item failures come back
in v1.1's item envelope; when every item failed the HTTP status is the business-error status
(200 by default, like the rest of the emulator; Capillary's newer docs file it under 400).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from capillary_emulator.context import ContextDep
from capillary_emulator.errors import InvalidInputError, V11FormatNotEmulatedError
from capillary_emulator.redemptions.schemas import RedeemRequest
from capillary_emulator.redemptions.service import (
    CUSTOMER_FIELDS,
    V11Answer,
    check_redeemable,
    is_true,
    redeem_points,
)

router = APIRouter(tags=["points"])

QueryText = Annotated[str | None, Query()]


async def json_v11_only(
    request: Request, response_format: Annotated[str | None, Query(alias="format")] = None
) -> None:
    """Refuse what the emulator does not speak: XML, and group (user_group2_*) redemption."""
    if response_format is not None and response_format.strip().lower() not in ("", "json"):
        raise V11FormatNotEmulatedError(format=response_format)
    if any(
        key.startswith("user_group2_") or key == "use_default_user_group2"
        for key in request.query_params
    ):
        raise InvalidInputError(
            detail="group redemption (user_group2_* parameters) is not emulated"
        )


def _answer(answer: V11Answer, business_error_status: int) -> JSONResponse:
    return JSONResponse(
        answer.body, status_code=business_error_status if answer.all_failed else 200
    )


@router.get("/v1.1/points/isredeemable", dependencies=[Depends(json_v11_only)])
async def is_redeemable(
    request: Request,
    ctx: ContextDep,
    points: QueryText = None,
    program_id: QueryText = None,
    issue_otp: QueryText = None,
) -> JSONResponse:
    with ctx.transaction():
        answer = check_redeemable(
            ctx.session,
            caller=ctx.caller,
            now=ctx.now,
            identifiers={key: request.query_params.get(key) for key in CUSTOMER_FIELDS},
            points=points,
            program_id=program_id,
            send_validation_code=is_true(issue_otp),
        )
    return _answer(answer, ctx.settings.business_error_status)


@router.post("/v1.1/points/redeem", dependencies=[Depends(json_v11_only)])
async def redeem(
    ctx: ContextDep,
    body: RedeemRequest,
    program_id: QueryText = None,
    skip_validation: QueryText = None,
) -> JSONResponse:
    with ctx.transaction():
        answer = redeem_points(
            ctx.session,
            caller=ctx.caller,
            now=ctx.now,
            root=body.root,
            program_id=program_id,
            skip_validation=is_true(skip_validation),
        )
    return _answer(answer, ctx.settings.business_error_status)
