"""Readers of the v1.1 redeem input: items, amounts, times and references, each refused with
the code Capillary gives it. Pure functions: they read no table and write nothing."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from capillary_emulator.errors import (
    InvalidInputError,
    InvalidRedeemPointsError,
    PointsNotMultipleError,
    RedeemAboveMaximumError,
    RedeemBelowMinimumError,
    RedemptionTimeInvalidError,
    TransactionNumberInvalidError,
)
from capillary_emulator.inputs import NOTES_MAX_LENGTH, storable
from capillary_emulator.orgs import OrgConfig
from capillary_emulator.points import parse_points, to_milli

MAX_POINTS = Decimal(10) ** 15
"""Larger requests are invalid: it keeps every amount inside a BIGINT of thousandths."""
REFERENCE_MAX_LENGTH = 200


def redeem_items(root: object) -> list[dict[str, Any]]:
    redeem = root.get("redeem") if isinstance(root, dict) else None
    items = [redeem] if isinstance(redeem, dict) else redeem
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InvalidInputError(detail="root.redeem must be an object or a list of objects")
    return items


def positive_points(raw: object) -> Decimal | None:
    """A positive amount of at most three decimals below MAX_POINTS, or None."""
    amount = parse_points(raw)
    if (
        amount is None
        or amount <= 0
        or amount >= MAX_POINTS
        or amount.normalize().as_tuple().exponent < -3  # type: ignore[operator]
    ):
        return None
    return amount


def points_to_redeem(config: OrgConfig, raw: object) -> int:
    """The thousandths to redeem, checked against the org's redemption rules."""
    amount = positive_points(raw)
    if amount is None:
        raise InvalidRedeemPointsError()
    multiple = config.integer("POINTS_REDEMPTION_MULTIPLE")
    if multiple > 0 and amount % multiple:
        raise PointsNotMultipleError(multiple=multiple)
    minimum = config.integer("POINTS_REDEMPTION_MIN")
    if minimum > 0 and amount < minimum:
        raise RedeemBelowMinimumError()
    maximum = config.integer("POINTS_REDEMPTION_MAX")
    if maximum > 0 and amount > maximum:
        raise RedeemAboveMaximumError()
    return to_milli(amount)


def check_redemption_time(raw: object) -> None:
    """`redemption_time` must read "YYYY-MM-DD HH:MM:SS" (or ISO-8601); 859 otherwise."""
    if raw is None or raw == "":
        return
    if not isinstance(raw, str):
        raise RedemptionTimeInvalidError()
    try:
        datetime.strptime(raw.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        try:
            datetime.fromisoformat(raw.strip())
        except ValueError:
            raise RedemptionTimeInvalidError() from None


def reference(raw: object) -> str | None:
    """A transaction or external reference number; 811 when it cannot be one."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise TransactionNumberInvalidError()
    text = str(raw).strip()
    if len(text) > REFERENCE_MAX_LENGTH or not storable(text):
        raise TransactionNumberInvalidError()
    return text or None


@dataclass(frozen=True)
class RedeemLine:
    """One item of the redeem body, read and checked: every refusal comes before any write."""

    milli: int
    transaction_number: str | None
    external_reference: str | None
    notes: str
    purpose: str


def read_line(config: OrgConfig, item: dict[str, Any]) -> RedeemLine:
    milli = points_to_redeem(config, item.get("points_redeemed"))
    check_redemption_time(item.get("redemption_time"))
    transaction_number = reference(item.get("transaction_number"))
    external_reference = reference(item.get("external_reference_number"))
    notes, purpose = item.get("notes"), item.get("redemption_purpose")
    return RedeemLine(
        milli=milli,
        transaction_number=transaction_number,
        external_reference=external_reference,
        # v1.1 has no code for bad notes: like the purpose, they are kept only where storable,
        # and cut at the emulator's limit.
        notes=notes[:NOTES_MAX_LENGTH] if isinstance(notes, str) and storable(notes) else "",
        purpose=purpose[:REFERENCE_MAX_LENGTH]
        if isinstance(purpose, str) and storable(purpose)
        else "",
    )
