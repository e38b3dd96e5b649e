"""Reversing redemptions (POST /v2/points/reverse), in full or in several parts.

Points go back into the very lots the redemption drew from, latest-expiring first (undoing the
redemption's earliest-expiry-first draw). The part drawn from lots that have expired since is
reported as `expired` and not restored. The ledger credit is the restored part only, so the
ledger, the balances and the lots stay equal; `Reversal.points_milli` and
`Redemption.reversed_milli` count both parts, so an expired part is used up all the same.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import identifier_type
from capillary_emulator.envelope import status_items
from capillary_emulator.errors import (
    AlreadyReversedError,
    InvalidCustomerDetailsError,
    InvalidIdentifierError,
    InvalidPayloadFieldError,
    InvalidReversalPointsError,
    RedemptionNotFoundError,
    ReversalDisabledWarning,
    ReversalPointsMismatchError,
)
from capillary_emulator.inputs import config_flag
from capillary_emulator.models import CUSTOMER
from capillary_emulator.points import MAIN, as_float, parse_points, to_milli
from capillary_emulator.redemptions.parsing import MAX_POINTS, positive_points
from capillary_emulator.redemptions.service import insert_with_unused_code
from capillary_emulator.reversals.schemas import (
    IdentifierEcho,
    PointsReversedDetails,
    ReversalAnswer,
    ReversalDisabledAnswer,
)
from capillary_emulator.store import reversals as store
from capillary_emulator.store.customer_lookup import lookup_params
from capillary_emulator.store.reversals import LockedRedemption
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller
from capillary_emulator.writer.core import Credit, Owner, write_points_event

IDENTIFIER_TYPES = {"mobile", "email", "externalId", "id", "cardnumber", "cardExternalId"}
"""Identifier types a reversal accepts (the newer docs' list; the seed's is the first three)."""
CODE_MAX_LENGTH = 12


@dataclass
class TakeBack:
    """How an amount to reverse splits over the lots the redemption drew."""

    restore: list[tuple[int, int]] = field(default_factory=list)
    """(award_id, thousandths) going back into lots that are still valid."""
    expired_milli: int = 0
    """Thousandths whose lots have expired: reversed, but not restored."""
    allocations: list[tuple[int, int]] = field(default_factory=list)
    """(allocation id, its new `reversed_milli`) of each allocation touched."""

    @property
    def restored_milli(self) -> int:
        return sum(milli for _, milli in self.restore)


def reverse_redemption(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    redemption_id: object,
    points_to_be_reversed: object,
    identifier: object,
    misspelt_points: object = None,
) -> ReversalAnswer | ReversalDisabledAnswer:
    """One PointsRedemptionReversal credit; without `points_to_be_reversed`, all that remains.

    `misspelt_points` is a `pointsTobeReversed` (the transfer family's casing): sent without
    `pointsToBeReversed` it would silently reverse everything, so it is refused (434)."""
    if not config_flag(caller.config, "ALLOW_POINTS_REDEMPTION_REVERSAL"):
        return _disabled_answer(redemption_id, points_to_be_reversed, identifier)
    if misspelt_points is not None and points_to_be_reversed is None:
        raise InvalidPayloadFieldError(field="pointsTobeReversed (the field is pointsToBeReversed)")
    code = _redemption_code(redemption_id)
    requested = _points_to_reverse(points_to_be_reversed)
    db = Db(session)
    redemption = _locked_redemption(db, caller, code, _identifier(identifier))

    remaining = redemption.points_milli - redemption.reversed_milli
    if remaining <= 0:
        raise AlreadyReversedError()
    amount = remaining if requested is None else requested
    if amount > remaining:
        raise ReversalPointsMismatchError()

    take_back = _take_back(db, redemption, amount, now)
    owner = Owner(CUSTOMER, redemption.customer_id)
    posted = write_points_event(
        session,
        org_id=caller.org_id,
        event_name="PointsRedemptionReversal",
        now=now,
        movements=[
            Credit(
                owner,
                redemption.program_id,
                MAIN,
                take_back.restored_milli,
                restore=take_back.restore,
            )
        ],
        till_id=caller.till.id,
        transaction_number=redemption.transaction_number,
    )
    store.record_take_back(db, redemption.id, amount, take_back.allocations)
    _, reversal_code = insert_with_unused_code(
        partial(store.insert_reversal, db),
        org_id=caller.org_id,
        redemption_id=redemption.id,
        points_milli=amount,
        restored_milli=take_back.restored_milli,
        expired_milli=take_back.expired_milli,
        till_id=caller.till.id,
        created_at=now,
        ledger_event_id=posted.event_ids[owner],
    )
    return ReversalAnswer(
        redemptionId=redemption.code,
        pointsToBeReversed=as_float(amount),
        orgId=caller.org_id,
        identifier=_identifier_echo(identifier),
        customerId=redemption.customer_id,
        pointsReversed=as_float(amount),
        pointsReversedDetails=PointsReversedDetails(
            available=as_float(take_back.restored_milli),
            expired=as_float(take_back.expired_milli),
        ),
        reversalId=reversal_code,
    )


def _locked_redemption(
    db: Db, caller: Caller, code: str, identifier: tuple[str, object]
) -> LockedRedemption:
    """The redemption, locked; its customer must be the one the identifier names."""
    kind, value = identifier
    lookup = lookup_params(caller.org_id, caller.org.default_country_code, kind, value)
    redemption = store.locked_redemption(db, org_id=caller.org_id, code=code, lookup=lookup)
    if redemption is None:
        raise RedemptionNotFoundError()
    if redemption.named_customer_id != redemption.customer_id:
        raise InvalidCustomerDetailsError()
    return redemption


def _take_back(db: Db, redemption: LockedRedemption, amount: int, now: datetime) -> TakeBack:
    take_back = TakeBack()
    needed = amount
    for allocation in store.allocations(db, redemption.id):
        take = min(allocation.points_milli - allocation.reversed_milli, needed)
        if take <= 0:
            continue
        needed -= take
        take_back.allocations.append((allocation.id, allocation.reversed_milli + take))
        if allocation.expires_at is not None and allocation.expires_at <= now:
            take_back.expired_milli += take
        else:
            take_back.restore.append((allocation.award_id, take))
        if needed == 0:
            break
    if needed:
        # Every redemption records the lots it drew; anything else is a broken database.
        raise RuntimeError(f"allocations of redemption {redemption.code} do not cover it")
    return take_back


def _redemption_code(raw: object) -> str:
    """`redemptionId` as text (the docs type it "long"; every real one is 6 characters)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InvalidReversalPointsError()
    code = str(raw).strip()
    if not code:
        raise InvalidReversalPointsError()
    if len(code) > CODE_MAX_LENGTH:
        raise RedemptionNotFoundError()
    return code


def _points_to_reverse(raw: object) -> int | None:
    """Thousandths asked for, or None for "all that remains"; 901 when not a positive amount."""
    if raw is None:
        return None
    amount = positive_points(raw)
    if amount is None:
        raise InvalidReversalPointsError()
    return to_milli(amount)


def _identifier(raw: object) -> tuple[str, object]:
    if not isinstance(raw, dict):
        raise InvalidCustomerDetailsError()
    given = raw.get("type")
    # The newer docs' table spells the mobile identifier PHONE.
    if isinstance(given, str) and given.strip().upper() == "PHONE":
        return "mobile", raw.get("value")
    try:
        return identifier_type(given, allowed=IDENTIFIER_TYPES), raw.get("value")
    except InvalidIdentifierError:
        raise InvalidCustomerDetailsError() from None


def _identifier_echo(raw: object) -> IdentifierEcho | None:
    if not isinstance(raw, dict):
        return None
    return IdentifierEcho(type=raw.get("type"), value=raw.get("value"))


def _disabled_answer(
    redemption_id: object, points_to_be_reversed: object, identifier: object
) -> ReversalDisabledAnswer:
    """Warning 905 with nothing reversed: what Capillary answers while the config is off.
    Without `orgId`: a POS decides a reversal went through when `orgId > 0`."""
    amount = parse_points(points_to_be_reversed)
    return ReversalDisabledAnswer(
        redemptionId=(
            redemption_id
            if isinstance(redemption_id, str | int) and not isinstance(redemption_id, bool)
            else None
        ),
        pointsToBeReversed=(
            float(amount) if amount is not None and abs(amount) < MAX_POINTS else None
        ),
        identifier=_identifier_echo(identifier),
        warnings=status_items([ReversalDisabledWarning()]),
    )
