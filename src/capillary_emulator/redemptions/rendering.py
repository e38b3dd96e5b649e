"""The v1.1 answers of isredeemable and redeem, built from what the service decided.

v1.1 repeats the customer's contacts in every item, and echoes a failed item's points as well
as they can be read; these are the only places that know those renderings.
"""

from decimal import Decimal
from typing import TypedDict

from capillary_emulator.errors import CapillaryError, CapillaryWarning
from capillary_emulator.points import MILLI, parse_points, to_milli
from capillary_emulator.redemptions.parsing import MAX_POINTS
from capillary_emulator.redemptions.schemas import (
    FailedRedeemItem,
    IsRedeemableBody,
    IsRedeemableResponse,
    Points,
    RedeemableItem,
    RedeemablePoints,
    RedeemBody,
    RedeemedItem,
    RedeemResponse,
    RedeemResponses,
    RedeemResult,
    SideEffect,
    SideEffects,
    V11Status,
    ValidationCodeBody,
    ValidationCodeItem,
    ValidationCodeResponse,
    ValidationCodes,
    batch_status,
    item_status,
)
from capillary_emulator.store.customer_lookup import FoundCustomer
from capillary_emulator.store.redemptions import RedemptionRow

CONTACT_FIELDS = {"mobile": "mobile", "email": "email", "external_id": "externalId"}
"""The customer keys every v1.1 points item repeats."""


class Contacts(TypedDict):
    mobile: str
    email: str
    external_id: str


def redeemable_answer(
    customer: FoundCustomer,
    given: object,
    milli: int,
    warning: CapillaryWarning | None = None,
) -> IsRedeemableResponse:
    """Redeemable; a warning (876: no code could be sent) takes the item status' place, still
    with `success: "true"`."""
    value = points_number(milli)
    status = item_status(800, "Points can be redeemed")
    if warning is not None:
        status = V11Status(success="true", code=warning.code, message=warning.text)
    item = RedeemableItem(
        **contacts(customer, given),
        points=value,
        is_redeemable="true",
        points_redeem_value=value,
        points_redeem_local_value=value,
        item_status=status,
    )
    return _isredeemable_response(item, failed=False)


def not_redeemable_answer(
    customer: FoundCustomer | None,
    given: object,
    points: object,
    failure: CapillaryError,
) -> IsRedeemableResponse:
    echoed = points_echo(points)
    item = RedeemableItem(
        **contacts(customer, given),
        points=0 if echoed is None else points_number(echoed),
        is_redeemable="false",
        points_redeem_value=0,
        points_redeem_local_value=0,
        item_status=item_status(failure.code, failure.text),
    )
    return _isredeemable_response(item, failed=True)


def _isredeemable_response(item: RedeemableItem, *, failed: bool) -> IsRedeemableResponse:
    status = batch_status(0, 1) if failed else batch_status(1, 0)
    return IsRedeemableResponse(
        response=IsRedeemableBody(status=status, points=RedeemablePoints(redeemable=item))
    )


def redeem_answer(results: list[RedeemResult]) -> RedeemResponse:
    failed = sum(isinstance(r, FailedRedeemItem) for r in results)
    points = results[0] if len(results) == 1 else results
    return RedeemResponse(
        response=RedeemBody(
            status=batch_status(len(results) - failed, failed),
            responses=RedeemResponses(points=points),
        )
    )


def redeemed_item(
    customer: FoundCustomer, redemption: RedemptionRow, balance_milli: int
) -> RedeemedItem:
    points = points_number(redemption.points_milli)
    effect = SideEffect(
        id=redemption.id,
        num_points=points,
        currency_value=points,
        validation_code=redemption.validation_code or "",
        points_redemption_summary_id=str(redemption.id),
        redeemed_on_bill_number=redemption.transaction_number or "",
    )
    return RedeemedItem(
        **contacts(customer, None),
        user_id=str(customer.id),
        redemption_id=redemption.code,
        points_redeemed=points_text(redemption.points_milli),
        redemption_purpose=redemption.purpose,
        redeemed_value=points,
        redeemed_local_value=points,
        balance=points_number(balance_milli),
        side_effects=SideEffects(effect=[effect]),
        item_status=item_status(800, "Points Redeemed"),
    )


def failed_item(
    customer: FoundCustomer | None, item: dict[str, object], failure: CapillaryError
) -> FailedRedeemItem:
    raw = item.get("points_redeemed")
    echoed = points_echo(raw)
    return FailedRedeemItem(
        **contacts(customer, item.get("customer")),
        user_id=str(customer.id) if customer is not None else None,
        points_redeemed=("" if raw is None else str(raw))
        if echoed is None
        else points_text(echoed),
        item_status=item_status(failure.code, failure.text),
    )


def contacts(customer: FoundCustomer | None, given: object) -> Contacts:
    """`mobile`, `email`, `external_id` of the customer, or as the request gave them."""
    if customer is not None:
        held = customer.contacts
        found = {key: held.get(kind, "") for key, kind in CONTACT_FIELDS.items()}
    else:
        sent = given if isinstance(given, dict) else {}
        found = {
            key: str(sent[key]) if isinstance(sent.get(key), str | int) else ""
            for key in CONTACT_FIELDS
        }
    return Contacts(mobile=found["mobile"], email=found["email"], external_id=found["external_id"])


def points_number(milli: int) -> Points:
    """v1.1 renders whole points as integers (`"balance": 2906`)."""
    return milli // MILLI if milli % MILLI == 0 else milli / MILLI


def points_text(milli: int) -> str:
    return format((Decimal(milli) / MILLI).normalize(), "f")


def points_echo(raw: object) -> int | None:
    """The thousandths a failed item asked for, when they can be read at all."""
    amount = parse_points(raw)
    if amount is None or abs(amount) >= MAX_POINTS:
        return None
    return to_milli(amount)


def validation_code_answer(
    customer: FoundCustomer | None,
    given: object,
    points: object,
    failure: CapillaryError | None,
) -> ValidationCodeResponse:
    """`points` are the thousandths issued for, or (on a failure) as the request sent them."""
    if failure is None:
        assert isinstance(points, int)
        shown = points_text(points)
        status = V11Status(success="true", code=200, message="Operation Successful")
        item = V11Status(success="true", code=200, message="Validation Code Issued by SMS/Email")
    else:
        echoed = points_echo(points)
        shown = ("" if points is None else str(points)) if echoed is None else points_text(echoed)
        status = batch_status(0, 1)
        item = item_status(failure.code, failure.text)
    code = ValidationCodeItem(
        **contacts(customer, given),
        user_id=str(customer.id) if customer is not None else "",
        points=shown,
        item_status=item,
    )
    return ValidationCodeResponse(
        response=ValidationCodeBody(status=status, validation_code=ValidationCodes(code=code))
    )
