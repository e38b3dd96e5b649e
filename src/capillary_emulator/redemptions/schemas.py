"""Wire shapes of the v1.1 points API: the request body and the `{"response": {...}}` answers.

v1.1 writes its flags as strings ("true"/"false") and its codes as numbers, as the redeem
sample does; whole points are integers (`"balance": 2906`), other amounts floats, which is why
amounts are typed `int | float`.
"""

from pydantic import BaseModel, Field

from capillary_emulator import lenient
from capillary_emulator.envelope import StatusItem

SOME_FAILED = "Some requests have failed due to errors"
ALL_FAILED = "All requests have failed due to errors"

Points = int | float


class RedeemRequest(BaseModel):
    """`{"root": {"redeem": [{...}]}}`; `redeem` may also be a single object."""

    root: lenient.RedeemRoot = None


class V11Status(BaseModel):
    """`response.status` and every `item_status`."""

    success: str
    code: int
    message: str


def item_status(code: int, message: str) -> V11Status:
    return V11Status(success="true" if code == 800 else "false", code=code, message=message)


def batch_status(succeeded: int, failed: int) -> V11Status:
    """The request-level `response.status` of v1.1: 200 all, 201 some, 500 none succeeded."""
    if not failed:
        return V11Status(success="true", code=200, message="Success")
    if succeeded:
        return V11Status(success="true", code=201, message=SOME_FAILED)
    return V11Status(success="false", code=500, message=ALL_FAILED)


# --- GET /v1.1/points/isredeemable -------------------------------------------------------------


class RedeemableItem(BaseModel):
    mobile: str
    email: str
    external_id: str
    points: Points
    is_redeemable: str
    points_redeem_value: Points
    points_redeem_local_value: Points
    input_type: str = "points"
    points_currency_ratio: str = "1"
    item_status: V11Status


class RedeemablePoints(BaseModel):
    redeemable: RedeemableItem


class IsRedeemableBody(BaseModel):
    status: V11Status
    points: RedeemablePoints


class IsRedeemableResponse(BaseModel):
    response: IsRedeemableBody


# --- POST /v1.1/points/redeem ------------------------------------------------------------------


class SideEffect(BaseModel):
    id: int
    case_value: str = "true"
    num_points: Points
    currency_value: Points
    validation_code: str
    points_redemption_summary_id: str
    redeemed_on_bill_number: str
    redeemed_on_bill_id: int = -1
    type: str = "points"


class SideEffects(BaseModel):
    effect: list[SideEffect] = Field(default_factory=list)


class RedeemedItem(BaseModel):
    mobile: str
    email: str
    external_id: str
    user_id: str
    redemption_id: str
    points_redeemed: str
    redemption_purpose: str
    redeemed_value: Points
    redeemed_local_value: Points
    balance: Points
    side_effects: SideEffects
    item_status: V11Status


class FailedRedeemItem(BaseModel):
    mobile: str
    email: str
    external_id: str
    user_id: str | None
    points_redeemed: str
    redeemed_value: Points = 0
    side_effects: SideEffects = Field(default_factory=SideEffects)
    item_status: V11Status


RedeemResult = RedeemedItem | FailedRedeemItem


class RedeemResponses(BaseModel):
    points: RedeemResult | list[RedeemResult]
    """One item is answered as an object, several as a list."""


class RedeemBody(BaseModel):
    status: V11Status
    responses: RedeemResponses


class RedeemResponse(BaseModel):
    response: RedeemBody


# --- GET /v1.1/points/validationcode -----------------------------------------------------------


class ValidationCodeItem(BaseModel):
    """The customer the code was issued to (the code itself goes to the OTP inbox)."""

    user_id: str
    mobile: str
    email: str
    external_id: str
    points: str
    item_status: V11Status


class ValidationCodes(BaseModel):
    code: ValidationCodeItem


class ValidationCodeBody(BaseModel):
    status: V11Status
    validation_code: ValidationCodes


class ValidationCodeResponse(BaseModel):
    response: ValidationCodeBody


# --- PUT /v2/points/updateRedemption -----------------------------------------------------------


class RedemptionEntity(BaseModel):
    """Whose redemption it is; `type` may be left out (CUSTOMER)."""

    type: lenient.Text = None
    identifierType: lenient.Text = None
    identifierValue: lenient.Text = None


class UpdateRedemptionBody(BaseModel):
    """Either `redemptionId` or `externalReferenceNumber` names the redemption."""

    redemptionId: lenient.Text = None
    externalReferenceNumber: lenient.Text = None
    billNumber: lenient.Text = None
    billId: lenient.Whole = None
    purpose: lenient.Text = None
    entity: RedemptionEntity | None = None
    customFields: dict[str, lenient.Text] = Field(default_factory=dict)


class RedemptionUpdated(BaseModel):
    id: int
    """The redemption's number (v1.1's `points_redemption_summary_id`)."""
    redemptionId: str
    programId: int
    pointsRedeemed: float
    billId: int
    """As sent, -1 when none was (not stored)."""
    billNumber: str
    validationCode: str
    purpose: str
    customerId: int
    externalReferenceNumber: str | None = None
    """Left out when the redemption has none."""
    warnings: list[StatusItem] = Field(default_factory=list)
