"""Earning: bills added by POST /v2/transactions award points by the org's earning rule.

The rule is the org's `EARNING_RULE` config: `{"pointsPerCurrencyUnit": 1, "programId": 141,
"expiryDays": 365}` (program: the default one when left out; no expiry when left out). A
REGULAR bill credits floor(billAmount x rate) points to Main as a `TransactionAdd` event; a
RETURN of an added bill number debits floor(amount x rate) (the whole bill's points when no
amount is given) as a `ReturnBill` event. A bill number already added (or returned) for the
customer is refused with 8210, and nothing is awarded twice: the check runs after the
customer's balance row is locked, so concurrent bills for one customer run one at a time.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import find_customer_record, identifier_type, iso_in_org
from capillary_emulator.earning.schemas import (
    BulkAnswer,
    BulkItem,
    BulkResult,
    CustomerInfo,
    Earning,
    SideEffect,
    TransactionAdded,
    TransactionBody,
)
from capillary_emulator.envelope import status_items
from capillary_emulator.errors import (
    BillNotFoundError,
    CapillaryError,
    DuplicateBillError,
    EarningNotFoundError,
    InvalidBillError,
    InvalidConfigurationError,
)
from capillary_emulator.inputs import numeric_id
from capillary_emulator.models import CUSTOMER
from capillary_emulator.store import bills as store
from capillary_emulator.store.sql import Db, savepoint
from capillary_emulator.tenancy import Caller
from capillary_emulator.writer.core import Credit, Debit, Owner, lock_balances, write_points_event

MAIN = "Main"


@dataclass(frozen=True)
class EarningRule:
    program_id: int
    rate: Decimal
    expiry_days: int | None


DEFAULT_EARNING_RULE = {"pointsPerCurrencyUnit": 1, "expiryDays": 365}
"""The rule of an org whose config names none: 1 point per currency unit in the org's default
program, expiring after 365 days. So the demo org (whose seed document is the shared reference
and must stay unchanged) earns out of the box; `EARNING_RULE: null` switches earning off."""


def earning_rule(caller: Caller) -> EarningRule | None:
    """The org's rule, or None (`EARNING_RULE: null`: bills are kept and earn nothing)."""
    raw = caller.org.config.get("EARNING_RULE", DEFAULT_EARNING_RULE)
    if raw is None:
        return None
    try:
        rate = Decimal(str(raw.get("pointsPerCurrencyUnit", 1)))
        program = raw.get("programId")
        if program is None and caller.default_program is not None:
            program = caller.default_program.id
        expiry = raw.get("expiryDays")
        if program not in caller.programs or rate < 0 or (expiry is not None and int(expiry) < 0):
            raise InvalidConfigurationError()
        return EarningRule(int(program), rate, None if expiry is None else int(expiry))
    except (AttributeError, TypeError, ValueError, InvalidOperation) as e:
        raise InvalidConfigurationError() from e


def _amount(raw: object) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidBillError()
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation as e:
        raise InvalidBillError() from e
    if not amount.is_finite() or amount < 0 or amount > Decimal(10) ** 12:
        raise InvalidBillError()
    return amount


def _billing_date(raw: object, now: datetime) -> datetime:
    if raw is None or raw == "":
        return now
    if not isinstance(raw, str):
        raise InvalidBillError()
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as e:
        raise InvalidBillError() from e
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


def add_transaction(
    session: Session,
    *,
    caller: Caller,
    identifier_name: object,
    identifier_value: object,
    body: TransactionBody,
    now: datetime,
) -> TransactionAdded:
    customer = find_customer_record(
        session, caller.org, identifier_type(identifier_name), identifier_value
    )
    kind = str(body.type or "REGULAR").strip().upper()
    if kind not in ("REGULAR", "RETURN"):
        raise InvalidBillError()
    number = body.billNumber
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)
    if not isinstance(number, str) or not number.strip() or len(number) > 200:
        raise InvalidBillError()
    number = number.strip()
    amount = _amount(body.billAmount)
    if kind == "REGULAR" and amount is None:
        raise InvalidBillError()
    billing_date = _billing_date(body.billingDate, now)
    rule = earning_rule(caller)
    program = (
        rule.program_id
        if rule
        else (caller.default_program or next(iter(caller.programs.values()))).id
    )
    db = Db(session)
    owner = Owner(CUSTOMER, customer.id)
    key = (CUSTOMER, customer.id, program, MAIN)
    # The lock first: a concurrent bill for this customer waits here, then sees this one's row.
    lock_balances(session, org_id=caller.org.id, keys=[key])
    if store.same_bill(db, customer.id, kind, number) is not None:
        raise DuplicateBillError(bill_number=number)
    rate = rule.rate if rule else Decimal(0)
    if kind == "REGULAR":
        assert amount is not None
        raw_points = amount * rate
    else:
        original_id = store.same_bill(db, customer.id, "REGULAR", number)
        original = None if original_id is None else store.bill_by_id(db, caller.org.id, original_id)
        if original is None:
            raise BillNotFoundError(bill_number=number)
        billed = Decimal(original.bill_amount_milli) / 1000
        if amount is None or amount >= billed:
            amount = billed
            raw_points = Decimal(original.points_milli) / 1000
        else:
            raw_points = min(amount * rate, Decimal(original.points_milli) / 1000)
    points = math.floor(raw_points)
    event_id = None
    if points > 0:
        movement: Credit | Debit
        if kind == "REGULAR":
            expires = None
            if rule and rule.expiry_days is not None:
                expires = now + timedelta(days=rule.expiry_days)
            movement = Credit(owner, program, MAIN, points * 1000, expires_at=expires)
        else:
            movement = Debit(owner, program, MAIN, points * 1000)
        posted = write_points_event(
            session,
            org_id=caller.org.id,
            event_name="TransactionAdd" if kind == "REGULAR" else "ReturnBill",
            now=now,
            movements=[movement],
            till_id=caller.till.id,
            transaction_number=number,
        )
        event_id = posted.event_ids[owner]
    bill_id = store.insert_bill(
        db,
        org_id=caller.org.id,
        customer_id=customer.id,
        type=kind,
        bill_number=number,
        bill_amount_milli=int(amount * 1000),
        billing_date=billing_date,
        program_id=program,
        points_milli=points * 1000 if kind == "REGULAR" else -points * 1000,
        event_id=event_id,
        till_id=caller.till.id,
        created_at=now,
    )
    signed = raw_points if kind == "REGULAR" else -raw_points
    return TransactionAdded(
        createdId=bill_id,
        sideEffects=[
            SideEffect(
                rawAwardedPoints=float(round(signed, 3)),
                awardedPoints=points if kind == "REGULAR" else -points,
            )
        ],
        customerInfo=CustomerInfo(firstName=customer.first_name, lastName=customer.last_name),
    )


def add_transactions(
    session: Session, *, caller: Caller, items: list[TransactionBody], now: datetime
) -> BulkAnswer:
    """Each item on its own savepoint: a refused bill leaves the others in place."""
    answers: list[BulkItem] = []
    for item in items:
        number = str(item.billNumber) if item.billNumber is not None else ""
        try:
            with savepoint(session):
                added = add_transaction(
                    session,
                    caller=caller,
                    identifier_name=item.identifierName,
                    identifier_value=item.identifierValue,
                    body=item,
                    now=now,
                )
        except CapillaryError as error:
            answers.append(
                BulkItem(result=BulkResult(billNumber=number), errors=status_items([error]))
            )
            continue
        answers.append(
            BulkItem(
                result=BulkResult(
                    billNumber=number, id=added.createdId, sideEffects=added.sideEffects
                )
            )
        )
    return BulkAnswer(response=answers)


def earning(session: Session, *, caller: Caller, created_id: object) -> Earning:
    bill_id = numeric_id(str(created_id))
    bill = None if bill_id is None else store.bill_by_id(Db(session), caller.org.id, bill_id)
    if bill is None:
        raise EarningNotFoundError()
    return Earning(
        id=bill.id,
        customerId=bill.customer_id,
        type=bill.type,
        billNumber=bill.bill_number,
        billAmount=bill.bill_amount_milli / 1000,
        billingDate=iso_in_org(bill.billing_date, caller.org),
        programId=bill.program_id,
        awardedPoints=bill.points_milli // 1000,
        eventLogId=bill.event_id,
    )
