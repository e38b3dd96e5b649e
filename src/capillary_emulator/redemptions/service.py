"""Redeeming points through Capillary's v1.1 API: `isredeemable` checks, `redeem` debits.

A redemption is one `PointsRedemption` debit through the ledger writer (earliest-expiring lots
first), a `Redemption` row with a 6-character code, and the lots it drew
(`RedemptionAllocation`), so that a later reversal can tell which of them have expired.
"""

import secrets
import string
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator.errors import (
    CapillaryError,
    InsufficientLifetimePointsError,
    InsufficientLifetimePurchasesError,
    NotEnrolledInLoyaltyError,
    OtpNotGeneratedWarning,
    RedeemCustomerFraudError,
    RedeemCustomerNotFoundError,
    RedeemFraudStatusError,
    RedeemInsufficientPointsError,
    RedeemProgramInvalidError,
)
from capillary_emulator.inputs import config_flag, numeric_id
from capillary_emulator.models import CUSTOMER
from capillary_emulator.orgs import OrgConfig
from capillary_emulator.otp.service import consume_otp, issue_otp
from capillary_emulator.points import MAIN, MILLI, counts_as_lifetime
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
    ValidationCodeResponse,
)
from capillary_emulator.store import redemptions as store
from capillary_emulator.store.bills import lifetime_purchases_milli
from capillary_emulator.store.customer_lookup import FoundCustomer, find_customer
from capillary_emulator.store.customer_profiles import point_summary
from capillary_emulator.store.redemptions import RedemptionRow
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller, ProgramInfo
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


def new_code() -> str:
    """A random 6-character `[A-Za-z0-9]` id (redemptionId, reversalId)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def insert_with_unused_code(insert: Callable[..., int | None], **values: Any) -> tuple[int, str]:
    """Insert a row under a fresh code unique in its org: `insert` writes nothing and answers
    None when the org has the code already. Returns (id, code)."""
    while True:
        code = new_code()
        found = insert(code=code, **values)
        if found is not None:
            return found, code


def redeeming_program(caller: Caller, program_id: object) -> ProgramInfo:
    """`program_id` of the org, or its default program when absent; 1101 otherwise."""
    program: ProgramInfo | None
    if program_id is None or not str(program_id).strip():
        defaults = [p for p in caller.programs.values() if p.is_default]
        program = min(defaults, key=lambda p: p.id) if defaults else None
    elif (wanted := numeric_id(program_id)) is not None:
        program = caller.programs.get(wanted)
    else:
        raise RedeemProgramInvalidError()
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
    program = redeeming_program(caller, program_id)
    db = Db(session)
    customer: FoundCustomer | None = None
    try:
        customer = _customer_of(db, caller, identifiers, balance_of=(program.id, MAIN, now))
        _check_may_redeem(customer, fraud=RedeemCustomerFraudError)
        milli = points_to_redeem(caller.config, points)
        _check_lifetime_minimums(db, caller.config, customer, program.id)
        if milli > _main_balance(session, caller.org_id, customer, program.id, now):
            raise RedeemInsufficientPointsError()
    except CapillaryError as failure:
        return rendering.not_redeemable_answer(customer, identifiers, points, failure)
    if send_validation_code:
        if not {"mobile", "email"} & customer.contacts.keys():
            # Nowhere to send a code: redeemable all the same, with the seed's warning.
            return rendering.redeemable_answer(
                customer, identifiers, milli, warning=OtpNotGeneratedWarning()
            )
        issue_otp(
            session,
            org=caller.org,
            customer=customer,
            action=OTP_ACTION,
            now=now,
            contacts=customer.contacts,
        )
    return rendering.redeemable_answer(customer, identifiers, milli)


# --- GET /v1.1/points/validationcode ----------------------------------------------------------


def issue_validation_code(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    identifiers: dict[str, Any],
    points: object,
) -> ValidationCodeResponse:
    """The customer's POINTS code into the OTP inbox, as isredeemable with `issue_otp=true`
    issues it (the live one again while it is valid); redeem then takes it as
    `validation_code`. The balance is not checked: redeem checks it."""
    customer: FoundCustomer | None = None
    try:
        customer = _customer_of(Db(session), caller, identifiers)
        _check_may_redeem(customer, fraud=RedeemCustomerFraudError)
        milli = points_to_redeem(caller.config, points)
    except CapillaryError as failure:
        return rendering.validation_code_answer(customer, identifiers, points, failure)
    issue_otp(
        session,
        org=caller.org,
        customer=customer,
        action=OTP_ACTION,
        now=now,
        contacts=customer.contacts,
    )
    return rendering.validation_code_answer(customer, identifiers, milli, None)


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
    program = redeeming_program(caller, program_id)
    db = Db(session)
    results: list[RedeemResult] = []
    for item in items:
        customer: FoundCustomer | None = None
        try:
            customer = _customer_of(db, caller, item.get("customer"))
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
            results.append(rendering.failed_item(customer, item, failure))
            continue
        results.append(result)
    return rendering.redeem_answer(results)


def _redeem_item(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    program: ProgramInfo,
    customer: FoundCustomer,
    item: dict[str, Any],
    skip_validation: bool,
) -> RedeemedItem:
    org_id = caller.org_id
    _check_may_redeem(customer, fraud=RedeemFraudStatusError)
    line = read_line(caller.config, item)
    milli = line.milli
    db = Db(session)
    _check_lifetime_minimums(db, caller.config, customer, program.id)
    debit = Debit(Owner(CUSTOMER, customer.id), program.id, MAIN, milli)
    # Read under the balance lock, which keeps it valid for the rest of the request.
    spendable: int | None = None

    def check_balance() -> None:
        nonlocal spendable
        if spendable is None:
            spendable = _locked_spendable(db, debit.key, now)
        if spendable < milli:
            raise debit.insufficient()

    if line.external_reference is not None:
        # Lock first, so that two requests with one reference cannot both miss each other.
        spendable = _locked_spendable(db, debit.key, now)
        earlier = store.by_external_reference(
            db, org_id=org_id, customer_id=customer.id, external_reference=line.external_reference
        )
        if earlier is not None:
            balance = _main_balance(session, org_id, customer, earlier.program_id, now)
            return rendering.redeemed_item(customer, earlier, balance)

    validation_code = None
    # Several POS orgs redeem without a code: whether one is required is an org setting.
    if skip_validation or not config_flag(caller.config, "POINTS_REDEMPTION_VALIDATION_REQUIRED"):
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
    return rendering.redeemed_item(customer, redemption, balance)


def _record_redemption(
    session: Session,
    caller: Caller,
    now: datetime,
    debit: Debit,
    line: RedeemLine,
    validation_code: str | None,
) -> tuple[RedemptionRow, int]:
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
    db = Db(session)
    redemption_id, code = insert_with_unused_code(
        partial(store.insert_redemption, db),
        org_id=org_id,
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
    store.insert_allocations(
        db, redemption_id, [(lot.award_id, lot.points_milli) for lot in debit.drawn]
    )
    redemption = RedemptionRow(
        id=redemption_id,
        code=code,
        program_id=debit.program_id,
        points_milli=debit.points_milli,
        transaction_number=transaction_number,
        validation_code=validation_code,
        purpose=line.purpose,
    )
    return redemption, posted.balances[debit.key]


# --- rules shared by both endpoints ------------------------------------------------------------


def _customer_of(
    db: Db, caller: Caller, given: object, balance_of: tuple[int, str, datetime] | None = None
) -> FoundCustomer:
    """The customer named by the first identifier given; 816 when there is none."""
    if isinstance(given, dict):
        for key, kind in CUSTOMER_FIELDS.items():
            value = given.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            found = find_customer(
                db,
                org_id=caller.org_id,
                default_country_code=caller.org.default_country_code,
                kind=kind,
                value=value,
                balance_of=balance_of,
            )
            if found is None:
                raise RedeemCustomerNotFoundError()
            return found
    raise RedeemCustomerNotFoundError()


def _check_may_redeem(customer: FoundCustomer, *, fraud: type[CapillaryError]) -> None:
    if customer.loyalty_type != "loyalty":
        raise NotEnrolledInLoyaltyError()
    if customer.status.upper() == "FRAUD":
        raise fraud(customer_id=customer.id)


def _check_lifetime_minimums(
    db: Db, config: OrgConfig, customer: FoundCustomer, program_id: int
) -> None:
    """The org's thresholds a customer must have reached to redeem at all (0 = none):
    `POINTS_REDEMPTION_MIN_LIFETIME_POINTS` (lifetime points of the program, 805) and
    `POINTS_REDEMPTION_MIN_LIFETIME_PURCHASES` (lifetime purchases, 806)."""
    minimum_points = config.integer("POINTS_REDEMPTION_MIN_LIFETIME_POINTS")
    if minimum_points > 0:
        lifetime = sum(
            total
            for program, category, event, credit, total in point_summary(db, customer.id)
            if program == program_id and category == MAIN and counts_as_lifetime(event, credit)
        )
        if lifetime < minimum_points * MILLI:
            raise InsufficientLifetimePointsError()
    minimum_purchases = config.integer("POINTS_REDEMPTION_MIN_LIFETIME_PURCHASES")
    if minimum_purchases > 0 and lifetime_purchases_milli(db, customer.id) < (
        minimum_purchases * MILLI
    ):
        raise InsufficientLifetimePurchasesError()


def _main_balance(
    session: Session, org_id: int, customer: FoundCustomer, program_id: int, now: datetime
) -> int:
    """The customer's redeemable (Main) thousandths in the program, due expiries applied.

    A lookup made `with_balance` for this program already holds it, unless lots are due.
    """
    owner = Owner(CUSTOMER, customer.id)
    if customer.balance_program == program_id and not customer.expiry_due:
        return customer.main_milli
    expire_due_points(session, org_id=org_id, now=now, owners=[owner])
    return store.balance(
        Db(session), owner_type=CUSTOMER, owner_id=customer.id, program_id=program_id, category=MAIN
    )


def _locked_spendable(db: Db, key: Key, now: datetime) -> int:
    """What the writer will find to debit: the balance, locked on Postgres (SQLite
    transactions are serialised), less its lots that are due to expire, read without writing
    (the writer expires them only when the debit goes through).

    Unlike the writer's lock it creates no missing row, so a refused item leaves none behind;
    a missing row is a balance of 0, which no redemption can draw on.
    """
    owner_type, owner_id, program_id, category = key
    found = store.locked_spendable(
        db,
        owner_type=owner_type,
        owner_id=owner_id,
        program_id=program_id,
        category=category,
        now=now,
    )
    return 0 if found is None else found
