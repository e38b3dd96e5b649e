"""Points as exact integers: thousandths of a point ("milli"), and how Capillary renders them."""

from decimal import ROUND_DOWN, Decimal, InvalidOperation

MILLI = 1000

MAIN = "Main"
"""Redeemable points (pointCategoryType REGULAR): the only category that moves or redeems."""
DELAYED = "DelayedAccrualPointCategory"
"""Promised points (pointCategoryType PROMISED)."""
TRIGGER_BASED = "ExternalTriggerBasedPointCategory"
"""Points promised on an external trigger (pointCategoryType TRIGGER_BASED)."""
CATEGORIES = (MAIN, DELAYED, TRIGGER_BASED)


def counts_as_lifetime(event_name: str, is_credit: bool) -> bool:
    """Whether a Main ledger entry adds to the owner's lifetime points: every credit except
    redemption reversals (points given back, not earned) and returned bills."""
    if not is_credit or event_name == "ReturnBill":
        return False
    return not event_name.startswith("PointsRedemption")


def to_milli(value: object) -> int:
    """Exact thousandths of a point; anything finer is cut off, never rounded up."""
    if isinstance(value, bool):
        raise ValueError("points must be a number")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return int((amount * MILLI).to_integral_value(rounding=ROUND_DOWN))


def parse_points(value: object) -> Decimal | None:
    """A client's points value (number or numeric string) as a Decimal, or None if it is not one."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def as_float(milli: int) -> float:
    return milli / MILLI


def as_decimal(milli: int) -> Decimal:
    return Decimal(milli) / MILLI


def format_points(milli: int) -> str:
    """Capillary's string form with three decimals: "30000.000", "-10.000"."""
    sign = "-" if milli < 0 else ""
    whole, frac = divmod(abs(milli), MILLI)
    return f"{sign}{whole}.{frac:03d}"


def whole_points(milli: int) -> int:
    return milli // MILLI
