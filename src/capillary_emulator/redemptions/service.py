"""Redeeming points through Capillary's v1.1 API: `isredeemable` checks, `redeem` debits.

A redemption is one `PointsRedemption` debit through the ledger writer (earliest-expiring lots
first), a `Redemption` row with a 6-character code, and the lots it drew
(`RedemptionAllocation`), so that a later reversal can tell which of them have expired.
"""

import secrets
import string
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from capillary_emulator.customers.service import find_customer
from capillary_emulator.errors import (
    CapillaryError,
    CustomerNotFoundError,
    NotEnrolledInLoyaltyError,
    RedeemCustomerFraudError,
    RedeemCustomerNotFoundError,
    RedeemFraudStatusError,
    RedeemInsufficientPointsError,
    RedeemProgramInvalidError,
)
from capillary_emulator.inputs import numeric_id
from capillary_emulator.models import (
    CUSTOMER,
    Customer,
    PointAward,
    PointBalance,
    Program,
    Redemption,
    RedemptionAllocation,
    Reversal,
)
from capillary_emulator.otp.service import consume_otp, issue_otp
from capillary_emulator.points import MAIN
from capillary_emulator.redemptions import rendering
from capillary_emulator.redemptions.parsing import (
    RedeemLine,
    points_to_redeem,
    read_line,
    redeem_items,
)
from capillary_emulator.redemptions.schemas import (
    IsRedeemableResponse,
    RedeemedItem,
    RedeemResponse,
    RedeemResult,
)
from capillary_emulator.tenancy import Caller
from capillary_emulator.writer.core import Debit, Key, Owner, write_points_event
from capillary_emulator.writer.expiry import expire_due_points

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 6
OTP_ACTION = "POINTS"
"""The /v2/otp action whose codes validate a redemption."""

CUSTOMER_FIELDS = {
    "mobile": "mobile",
    "email": "email",
    "external_id": "externalId",
    "card_number": "cardnumber",
    "card_external_id": "cardExternalId",
    "id": "id",
    "user_id": "id",
}
"""v1.1 customer keys, in the order they are tried, -> the stored identifier type."""


def unused_code(session: Session, model: type[Redemption] | type[Reversal], org_id: int) -> str:
    """A fresh 6-character `[A-Za-z0-9]` id, unique in the org (redemptionId, reversalId)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = session.execute(
            select(model.id).where(model.org_id == org_id, model.code == code)
        ).first()
        if taken is None:
            return code


def redeeming_program(session: Session, org_id: int, program_id: object) -> Program:
    """`program_id` of the org, or its default program when absent; 1101 otherwise."""
    query = select(Program).where(Program.org_id == org_id)
    if program_id is None or not str(program_id).strip():
        query = query.where(Program.is_default.is_(True))
    elif (wanted := numeric_id(program_id)) is not None:
        query = query.where(Program.id == wanted)
    else:
        raise RedeemProgramInvalidError()
    program = session.execute(query.limit(1)).scalar_one_or_none()
    if program is None:
        raise RedeemProgramInvalidError()
    return program


# --- GET /v1.1/points/isredeemable -------------------------------------------------------------


def check_redeemable(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    identifiers: dict[str, Any],
    points: object,
    program_id: object,
    send_validation_code: bool,
) -> IsRedeemableResponse:
    """Whether the customer could redeem `points` now; optionally issue the POINTS OTP."""
    program = redeeming_program(session, caller.org_id, program_id)
    customer: Customer | None = None
    try:
        customer = _customer_of(session, caller, identifiers)
        _check_may_redeem(customer, fraud=RedeemCustomerFraudError)
        milli = points_to_redeem(caller.config, points)
        if milli > _main_balance(session, caller.org_id, customer.id, program.id, now):
            raise RedeemInsufficientPointsError()
    except CapillaryError as failure:
        return rendering.not_redeemable_answer(session, customer, identifiers, points, failure)
    if send_validation_code:
        issue_otp(session, org=caller.org, customer=customer, action=OTP_ACTION, now=now)
    return rendering.redeemable_answer(session, customer, identifiers, milli)


# --- POST /v1.1/points/redeem ------------------------------------------------------------------


def redeem_points(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    root: object,
    program_id: object,
    skip_validation: bool,
) -> RedeemResponse:
    """Redeem every item of `root.redeem`; each item succeeds or fails on its own.

    A failed item leaves nothing behind (except a wrong validation code, which counts as an
    attempt) while the others still commit: `_redeem_item` runs every check that can fail
    before its first write, so the request needs no savepoint and commits once, in the router.
    """
    items = redeem_items(root)
    program = redeeming_program(session, caller.org_id, program_id)
    results: list[RedeemResult] = []
    for item in items:
        customer: Customer | None = None
        try:
            customer = _customer_of(session, caller, item.get("customer"))
            result = _redeem_item(
                session,
                caller=caller,
                now=now,
                program=program,
                customer=customer,
                item=item,
                skip_validation=skip_validation,
            )
        except CapillaryError as failure:
            results.append(rendering.failed_item(session, customer, item, failure))
            continue
        results.append(result)
    return rendering.redeem_answer(results)


def _redeem_item(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    program: Program,
    customer: Customer,
    item: dict[str, Any],
    skip_validation: bool,
) -> RedeemedItem:
    org_id = caller.org_id
    _check_may_redeem(customer, fraud=RedeemFraudStatusError)
    line = read_line(caller.config, item)
    milli = line.milli
    debit = Debit(Owner(CUSTOMER, customer.id), program.id, MAIN, milli)

    if line.external_reference is not None:
        # Lock first, so that two requests with one reference cannot both miss each other.
        _locked_balance(session, debit.key)
        earlier = session.execute(
            select(Redemption)
            .where(
                Redemption.org_id == org_id,
                Redemption.customer_id == customer.id,
                Redemption.external_reference_number == line.external_reference,
            )
            .limit(1)
        ).scalar_one_or_none()
        if earlier is not None:
            balance = _main_balance(session, org_id, customer.id, earlier.program_id, now)
            return rendering.redeemed_item(session, customer, earlier, balance)

    def check_balance() -> None:
        if _spendable_milli(session, debit.key, now) < milli:
            raise debit.insufficient()

    validation_code = None
    if skip_validation:
        check_balance()
    else:
        # A wrong code is the one refusal that writes (its attempt count); the balance is
        # checked only once the code is right, and before it is used up.
        validation_code = consume_otp(
            session,
            org=caller.org,
            customer=customer,
            action=OTP_ACTION,
            code=item.get("validation_code"),
            now=now,
            before_use=check_balance,
        ).code
    redemption, balance = _record_redemption(session, caller, now, debit, line, validation_code)
    return rendering.redeemed_item(session, customer, redemption, balance)


def _record_redemption(
    session: Session,
    caller: Caller,
    now: datetime,
    debit: Debit,
    line: RedeemLine,
    validation_code: str | None,
) -> tuple[Redemption, int]:
    """The debit, the redemption and the lots it drew: writes only, every check is done.

    Returns the redemption and the Main balance after it, in thousandths.
    """
    org_id = caller.org_id
    transaction_number = line.transaction_number
    try:
        posted = write_points_event(
            session,
            org_id=org_id,
            event_name="PointsRedemption",
            now=now,
            movements=[debit],
            till_id=caller.till.id,
            transaction_number=transaction_number,
            notes=line.notes or None,
        )
    except CapillaryError as refusal:
        # The balance was checked under its lock; a refusal now means a broken database, and
        # must fail the whole request rather than keep this item's earlier writes.
        raise RuntimeError(f"the writer refused a checked redemption: {refusal}") from refusal
    redemption = Redemption(
        org_id=org_id,
        code=unused_code(session, Redemption, org_id),
        customer_id=debit.owner.id,
        program_id=debit.program_id,
        points_milli=debit.points_milli,
        reversed_milli=0,
        transaction_number=transaction_number,
        external_reference_number=line.external_reference,
        validation_code=validation_code,
        purpose=line.purpose,
        notes=line.notes,
        till_id=caller.till.id,
        redeemed_at=now,
        ledger_event_id=posted.event_ids[debit.owner],
    )
    session.add(redemption)
    session.flush()
    session.execute(
        insert(RedemptionAllocation),
        [
            {
                "redemption_id": redemption.id,
                "award_id": lot.award_id,
                "points_milli": lot.points_milli,
                "reversed_milli": 0,
            }
            for lot in debit.drawn
        ],
    )
    return redemption, posted.balances[debit.key]


# --- rules shared by both endpoints ------------------------------------------------------------


def _customer_of(session: Session, caller: Caller, given: object) -> Customer:
    """The customer named by the first identifier given; 816 when there is none."""
    if isinstance(given, dict):
        for key, kind in CUSTOMER_FIELDS.items():
            value = given.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            try:
                return find_customer(session, caller.org, kind, value)
            except CustomerNotFoundError:
                raise RedeemCustomerNotFoundError() from None
    raise RedeemCustomerNotFoundError()


def _check_may_redeem(customer: Customer, *, fraud: type[CapillaryError]) -> None:
    if customer.loyalty_type != "loyalty":
        raise NotEnrolledInLoyaltyError()
    if customer.status.upper() == "FRAUD":
        raise fraud(customer_id=customer.id)


def _main_balance(
    session: Session, org_id: int, customer_id: int, program_id: int, now: datetime
) -> int:
    """The customer's redeemable (Main) thousandths in the program, due expiries applied."""
    expire_due_points(session, org_id=org_id, now=now, owners=[Owner(CUSTOMER, customer_id)])
    balance = session.execute(
        select(PointBalance.points_milli).where(
            PointBalance.owner_type == CUSTOMER,
            PointBalance.owner_id == customer_id,
            PointBalance.program_id == program_id,
            PointBalance.category == MAIN,
        )
    ).scalar()
    return balance or 0


def _locked_balance(session: Session, key: Key) -> int | None:
    """The balance row of `key`, locked on Postgres (SQLite transactions are serialised).

    Unlike the writer's lock it creates no missing row, so a refused item leaves none behind;
    a missing row is a balance of 0, which no redemption can draw on.
    """
    owner_type, owner_id, program_id, category = key
    return session.execute(
        select(PointBalance.points_milli)
        .where(
            PointBalance.owner_type == owner_type,
            PointBalance.owner_id == owner_id,
            PointBalance.program_id == program_id,
            PointBalance.category == category,
        )
        .with_for_update()
    ).scalar()


def _spendable_milli(session: Session, key: Key, now: datetime) -> int:
    """What the writer will find to debit: the balance less its lots that are due to expire,
    read without writing (the writer expires them only when the debit goes through)."""
    balance = _locked_balance(session, key)
    if balance is None:
        return 0
    owner_type, owner_id, program_id, category = key
    due = session.execute(
        select(func.coalesce(func.sum(PointAward.remaining_milli), 0)).where(
            PointAward.owner_type == owner_type,
            PointAward.owner_id == owner_id,
            PointAward.program_id == program_id,
            PointAward.category == category,
            PointAward.remaining_milli > 0,
            PointAward.expires_at.is_not(None),
            PointAward.expires_at <= now,
        )
    ).scalar_one()
    return balance - int(due)
