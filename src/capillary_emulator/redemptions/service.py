"""Redeeming points through Capillary's v1.1 API: `isredeemable` checks, `redeem` debits.

A redemption is one `PointsRedemption` debit through the ledger writer (earliest-expiring lots
first), a `Redemption` row with a 6-character code, and the lots it drew
(`RedemptionAllocation`), so that a later reversal can tell which of them have expired.
"""

import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from capillary_emulator.customers.service import find_customer, identifiers_of
from capillary_emulator.errors import (
    CapillaryError,
    CustomerNotFoundError,
    InvalidInputError,
    InvalidRedeemPointsError,
    NotEnrolledInLoyaltyError,
    PointsNotMultipleError,
    RedeemAboveMaximumError,
    RedeemBelowMinimumError,
    RedeemCustomerFraudError,
    RedeemCustomerNotFoundError,
    RedeemFraudStatusError,
    RedeemInsufficientPointsError,
    RedeemProgramInvalidError,
    RedemptionTimeInvalidError,
    TransactionNumberInvalidError,
)
from capillary_emulator.ledger.writer import (
    Debit,
    Owner,
    expire_due_points,
    lock_balances,
    write_points_event,
)
from capillary_emulator.models import (
    CUSTOMER,
    Customer,
    PointBalance,
    Program,
    Redemption,
    RedemptionAllocation,
    Reversal,
)
from capillary_emulator.orgs import OrgConfig
from capillary_emulator.otp.service import consume_otp, issue_otp
from capillary_emulator.points import MAIN, MILLI, parse_points, to_milli
from capillary_emulator.redemptions.schemas import batch_status, item_status
from capillary_emulator.tenancy import Caller

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 6
OTP_ACTION = "POINTS"
"""The /v2/otp action whose codes validate a redemption."""
MAX_POINTS = Decimal(10) ** 15
"""Larger requests are invalid: it keeps every amount inside a BIGINT of thousandths."""
REFERENCE_MAX_LENGTH = 200

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
CONTACT_FIELDS = {"mobile": "mobile", "email": "email", "external_id": "externalId"}
"""The customer keys every v1.1 points item repeats."""


@dataclass(frozen=True)
class V11Answer:
    body: dict[str, Any]
    all_failed: bool
    """No item succeeded: answered with the business-error HTTP status."""


def unused_code(session: Session, model: type[Redemption] | type[Reversal], org_id: int) -> str:
    """A fresh 6-character `[A-Za-z0-9]` id, unique in the org (redemptionId, reversalId)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = session.execute(
            select(model.id).where(model.org_id == org_id, model.code == code)
        ).first()
        if taken is None:
            return code


def is_true(raw: object) -> bool:
    """A v1.1 boolean query parameter ("true", "1")."""
    return isinstance(raw, str) and raw.strip().lower() in ("true", "1")


def redeeming_program(session: Session, org_id: int, program_id: object) -> Program:
    """`program_id` of the org, or its default program when absent; 1101 otherwise."""
    query = select(Program).where(Program.org_id == org_id)
    text = "" if program_id is None else str(program_id).strip()
    if not text:
        query = query.where(Program.is_default.is_(True))
    elif text.isascii() and text.isdigit() and len(text) <= 18:
        query = query.where(Program.id == int(text))
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
) -> V11Answer:
    """Whether the customer could redeem `points` now; optionally issue the POINTS OTP."""
    program = redeeming_program(session, caller.org_id, program_id)
    customer: Customer | None = None
    try:
        customer = _customer_of(session, caller, identifiers)
        _check_may_redeem(customer, fraud=RedeemCustomerFraudError)
        milli = _points_to_redeem(caller.config, points)
        if milli > _main_balance(session, caller.org_id, customer.id, program.id, now):
            raise RedeemInsufficientPointsError()
    except CapillaryError as failure:
        item = {
            **_contacts(session, customer, identifiers),
            "points": _points_echo(points, as_text=False),
            "is_redeemable": "false",
            "points_redeem_value": 0,
            "points_redeem_local_value": 0,
            "input_type": "points",
            "points_currency_ratio": "1",
            "item_status": item_status(failure.code, failure.text),
        }
        return V11Answer(_isredeemable_envelope(item, failed=True), all_failed=True)
    if send_validation_code:
        issue_otp(session, org=caller.org, customer=customer, action=OTP_ACTION, now=now)
    value = _points_number(milli)
    item = {
        **_contacts(session, customer, identifiers),
        "points": value,
        "is_redeemable": "true",
        "points_redeem_value": value,
        "points_redeem_local_value": value,
        "input_type": "points",
        "points_currency_ratio": "1",
        "item_status": item_status(800, "Points can be redeemed"),
    }
    return V11Answer(_isredeemable_envelope(item, failed=False), all_failed=False)


def _isredeemable_envelope(item: dict[str, Any], *, failed: bool) -> dict[str, Any]:
    status = batch_status(0, 1) if failed else batch_status(1, 0)
    return {"response": {"status": status, "points": {"redeemable": item}}}


# --- POST /v1.1/points/redeem ------------------------------------------------------------------


def redeem_points(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    root: object,
    program_id: object,
    skip_validation: bool,
) -> V11Answer:
    """Redeem every item of `root.redeem`; each item succeeds or fails on its own.

    Each item runs in a savepoint, so a failed item leaves nothing behind (except a wrong
    validation code, which counts as an attempt) while the others still commit.
    """
    items = _redeem_items(root)
    program = redeeming_program(session, caller.org_id, program_id)
    results: list[dict[str, Any]] = []
    failed = 0
    for item in items:
        customer: Customer | None = None
        savepoint = session.begin_nested()
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
            if failure.keep_changes:
                savepoint.commit()
            else:
                savepoint.rollback()
            failed += 1
            results.append(_failed_item(session, customer, item, failure))
            continue
        savepoint.commit()
        results.append(result)
    points: dict[str, Any] | list[dict[str, Any]] = results[0] if len(results) == 1 else results
    body = {
        "response": {
            "status": batch_status(len(results) - failed, failed),
            "responses": {"points": points},
        }
    }
    return V11Answer(body, all_failed=failed == len(results))


def _redeem_items(root: object) -> list[dict[str, Any]]:
    redeem = root.get("redeem") if isinstance(root, dict) else None
    items = [redeem] if isinstance(redeem, dict) else redeem
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InvalidInputError(detail="root.redeem must be an object or a list of objects")
    return items


def _redeem_item(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    program: Program,
    customer: Customer,
    item: dict[str, Any],
    skip_validation: bool,
) -> dict[str, Any]:
    org_id = caller.org_id
    _check_may_redeem(customer, fraud=RedeemFraudStatusError)
    milli = _points_to_redeem(caller.config, item.get("points_redeemed"))
    _check_redemption_time(item.get("redemption_time"))
    transaction_number = _reference(item.get("transaction_number"))
    external_reference = _reference(item.get("external_reference_number"))
    owner = Owner(CUSTOMER, customer.id)

    if external_reference is not None:
        # Lock first, so that two requests with one reference cannot both miss each other.
        lock_balances(session, org_id=org_id, keys=[(CUSTOMER, customer.id, program.id, MAIN)])
        earlier = session.execute(
            select(Redemption)
            .where(
                Redemption.org_id == org_id,
                Redemption.customer_id == customer.id,
                Redemption.external_reference_number == external_reference,
            )
            .limit(1)
        ).scalar_one_or_none()
        if earlier is not None:
            balance = _main_balance(session, org_id, customer.id, earlier.program_id, now)
            return _redeemed_item(session, customer, earlier, balance)

    validation_code = None
    if not skip_validation:
        otp = consume_otp(
            session,
            org=caller.org,
            customer=customer,
            action=OTP_ACTION,
            code=item.get("validation_code"),
            now=now,
        )
        validation_code = otp.code
    notes = item.get("notes") if isinstance(item.get("notes"), str) else ""
    purpose = item.get("redemption_purpose")
    debit = Debit(owner, program.id, MAIN, milli)
    posted = write_points_event(
        session,
        org_id=org_id,
        event_name="PointsRedemption",
        now=now,
        movements=[debit],
        till_id=caller.till.id,
        transaction_number=transaction_number,
        notes=notes or None,
    )
    redemption = Redemption(
        org_id=org_id,
        code=unused_code(session, Redemption, org_id),
        customer_id=customer.id,
        program_id=program.id,
        points_milli=milli,
        reversed_milli=0,
        transaction_number=transaction_number,
        external_reference_number=external_reference,
        validation_code=validation_code,
        purpose=purpose[:REFERENCE_MAX_LENGTH] if isinstance(purpose, str) else "",
        notes=notes,
        till_id=caller.till.id,
        redeemed_at=now,
        ledger_event_id=posted.event_ids[owner],
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
    return _redeemed_item(session, customer, redemption, posted.balances[debit.key])


def _redeemed_item(
    session: Session, customer: Customer, redemption: Redemption, balance_milli: int
) -> dict[str, Any]:
    points = _points_number(redemption.points_milli)
    return {
        **_contacts(session, customer, None),
        "user_id": str(customer.id),
        "redemption_id": redemption.code,
        "points_redeemed": _points_text(redemption.points_milli),
        "redemption_purpose": redemption.purpose,
        "redeemed_value": points,
        "redeemed_local_value": points,
        "balance": _points_number(balance_milli),
        "side_effects": {
            "effect": [
                {
                    "id": redemption.id,
                    "case_value": "true",
                    "num_points": points,
                    "currency_value": points,
                    "validation_code": redemption.validation_code or "",
                    "points_redemption_summary_id": str(redemption.id),
                    "redeemed_on_bill_number": redemption.transaction_number or "",
                    "redeemed_on_bill_id": -1,
                    "type": "points",
                }
            ]
        },
        "item_status": item_status(800, "Points Redeemed"),
    }


def _failed_item(
    session: Session, customer: Customer | None, item: dict[str, Any], failure: CapillaryError
) -> dict[str, Any]:
    return {
        **_contacts(session, customer, item.get("customer")),
        "user_id": str(customer.id) if customer is not None else None,
        "points_redeemed": _points_echo(item.get("points_redeemed"), as_text=True),
        "redeemed_value": 0,
        "side_effects": {"effect": []},
        "item_status": item_status(failure.code, failure.text),
    }


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


def _points_to_redeem(config: OrgConfig, raw: object) -> int:
    """The thousandths to redeem, checked against the org's redemption rules."""
    amount = parse_points(raw)
    if (
        amount is None
        or amount <= 0
        or amount >= MAX_POINTS
        or amount.normalize().as_tuple().exponent < -3  # type: ignore[operator]
    ):
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


def _check_redemption_time(raw: object) -> None:
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


def _reference(raw: object) -> str | None:
    """A transaction or external reference number; 811 when it cannot be one."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise TransactionNumberInvalidError()
    text = str(raw).strip()
    if len(text) > REFERENCE_MAX_LENGTH:
        raise TransactionNumberInvalidError()
    return text or None


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


def _contacts(session: Session, customer: Customer | None, given: object) -> dict[str, str]:
    """`mobile`, `email`, `external_id` of the customer, or as the request gave them."""
    if customer is not None:
        held = dict(identifiers_of(session, [customer.id])[customer.id])
        return {key: held.get(kind, "") for key, kind in CONTACT_FIELDS.items()}
    sent = given if isinstance(given, dict) else {}
    return {
        key: str(sent[key]) if isinstance(sent.get(key), str | int) else ""
        for key in CONTACT_FIELDS
    }


def _points_number(milli: int) -> int | float:
    """v1.1 renders whole points as integers (`"balance": 2906`)."""
    return milli // MILLI if milli % MILLI == 0 else milli / MILLI


def _points_text(milli: int) -> str:
    return format((Decimal(milli) / MILLI).normalize(), "f")


def _points_echo(raw: object, *, as_text: bool) -> Any:
    """The points a failed item asked for, as well as they can be read."""
    amount = parse_points(raw)
    if amount is None or abs(amount) >= MAX_POINTS:
        return ("" if raw is None else str(raw)) if as_text else 0
    milli = to_milli(amount)
    return _points_text(milli) if as_text else _points_number(milli)
