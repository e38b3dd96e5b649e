"""GET /v1.1/points/isredeemable, POST /v1.1/points/redeem (JSON only) and GET
/v1.1/points/validationcode (JSON or XML).

They mint the redemptions that POST /v2/points/reverse takes back. Per-item failures come back
in v1.1's item envelope; when every item failed the HTTP status is the business-error status
(200 by default, like the rest of the emulator; Capillary's newer docs file it under 400).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from capillary_emulator.context import ContextDep
from capillary_emulator.errors import InvalidInputError, V11FormatNotEmulatedError
from capillary_emulator.inputs import is_true
from capillary_emulator.redemptions import updates
from capillary_emulator.redemptions.schemas import (
    IsRedeemableResponse,
    RedeemRequest,
    RedeemResponse,
    RedemptionUpdated,
    UpdateRedemptionBody,
    V11Status,
    ValidationCodeResponse,
)
from capillary_emulator.redemptions.service import (
    CUSTOMER_FIELDS,
    check_redeemable,
    issue_validation_code,
    redeem_points,
)
from capillary_emulator.v11_xml import to_xml

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


def _set_status(response: Response, status: V11Status, business_error_status: int) -> None:
    """No item succeeded (v1.1's 500 in the body): the business-error HTTP status."""
    if status.code == 500:
        response.status_code = business_error_status


@router.get("/v1.1/points/isredeemable", dependencies=[Depends(json_v11_only)])
async def is_redeemable(
    request: Request,
    response: Response,
    ctx: ContextDep,
    points: QueryText = None,
    program_id: QueryText = None,
    issue_otp: QueryText = None,
) -> IsRedeemableResponse:
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
    _set_status(response, answer.response.status, ctx.settings.business_error_status)
    return answer


@router.get(
    "/v1.1/points/validationcode",
    response_model=None,
    responses={200: {"model": ValidationCodeResponse}},
)
async def validation_code(request: Request, ctx: ContextDep, points: QueryText = None) -> Response:
    """JSON, or XML with `format=xml`."""
    with ctx.transaction():
        answer = issue_validation_code(
            ctx.session,
            caller=ctx.caller,
            now=ctx.now,
            identifiers={key: request.query_params.get(key) for key in CUSTOMER_FIELDS},
            points=points,
        )
    status = answer.response.status.code
    http_status = ctx.settings.business_error_status if status == 500 else 200
    if (request.query_params.get("format") or "").strip().lower() == "xml":
        return Response(
            to_xml(answer.model_dump()), status_code=http_status, media_type="application/xml"
        )
    return Response(
        answer.model_dump_json(), status_code=http_status, media_type="application/json"
    )


@router.post("/v1.1/points/redeem", dependencies=[Depends(json_v11_only)])
async def redeem(
    response: Response,
    ctx: ContextDep,
    body: RedeemRequest,
    program_id: QueryText = None,
    skip_validation: QueryText = None,
) -> RedeemResponse:
    with ctx.transaction():
        answer = redeem_points(
            ctx.session,
            caller=ctx.caller,
            now=ctx.now,
            root=body.root,
            program_id=program_id,
            skip_validation=is_true(skip_validation),
        )
    _set_status(response, answer.response.status, ctx.settings.business_error_status)
    return answer


@router.put("/v2/points/updateRedemption", response_model_exclude_none=True)
async def update_redemption(ctx: ContextDep, body: UpdateRedemptionBody) -> RedemptionUpdated:
    with ctx.transaction():
        return updates.update_redemption(ctx.session, caller=ctx.caller, body=body)
