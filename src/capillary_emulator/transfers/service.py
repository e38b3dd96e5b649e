"""Moving points between owners (customers and groups), and the transfer record clients see.

Customer and group transfers differ in how they find and check the parties; once checked, both
move points through `move_points`, and both render history through `transfer_record`.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from capillary_emulator.customers.service import (
    SOURCES,
    customer_object,
    find_customer,
    identifier_type,
    iso_in_org,
    legacy_in_org,
    party,
)
from capillary_emulator.errors import (
    AccountIdMissingError,
    CapillaryError,
    EntityTypeInvalidError,
    FraudCheckConfigInvalidError,
    FraudCheckConfigUnreadableError,
    GroupActionForNonGroupError,
    InsufficientCurrentPointsError,
    InvalidConfigurationError,
    InvalidIdentifierError,
    InvalidPayloadFieldError,
    InvalidProgramError,
    InvalidSourceError,
    MergedCustomerError,
    NotEnrolledInLoyaltyError,
    PointsNotWholeError,
    PointsToBeTransferredInvalidError,
    PointsTransferNotAllowedError,
    RecipientIsFraudError,
    SameCustomerTransferError,
    SenderIsFraudError,
)
from capillary_emulator.groups.service import find_group, group_identifier_type, group_object
from capillary_emulator.ledger.writer import Credit, Debit, Owner, write_points_event
from capillary_emulator.models import (
    CUSTOMER,
    USERGROUP2,
    Customer,
    PointAward,
    PointsTransfer,
    Program,
    UserGroup,
)
from capillary_emulator.orgs import ConfigValueError, OrgConfig
from capillary_emulator.otp.service import POINTS_TRANSFER, consume_otp, issue_otp
from capillary_emulator.points import MAIN, MILLI, as_float, parse_points, to_milli, whole_points
from capillary_emulator.tenancy import Caller, OrgInfo, ProgramInfo

FRAUD = "FRAUD"
"""The customer status that blocks transfers while CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER is on."""
LOYALTY = "loyalty"


def move_points(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    source: Owner,
    target: Owner,
    program: ProgramInfo,
    points_milli: int,
    notes: str,
    transferred_by: int | None,
    insufficient: type[CapillaryError] = InsufficientCurrentPointsError,
) -> tuple[PointsTransfer, int]:
    """One transaction's worth: a PointsTransfer debit of the source and credit of the target.

    Only Main points of `program` move; the recipient's lots keep the sender's expiry dates.
    Returns the transfer and the source's Main balance left in the program (thousandths).
    """
    debit = Debit(source, program.id, MAIN, points_milli, insufficient=insufficient)
    credit = Credit(target, program.id, MAIN, points_milli, mirror=debit)
    posted = write_points_event(
        session,
        org_id=caller.org_id,
        event_name="PointsTransfer",
        now=now,
        movements=[debit, credit],
        till_id=caller.till.id,
        notes=notes,
    )
    transfer = PointsTransfer(
        org_id=caller.org_id,
        from_type=source.type,
        from_id=source.id,
        to_type=target.type,
        to_id=target.id,
        program_id=program.id,
        points_milli=points_milli,
        notes=notes,
        transferred_by_id=transferred_by,
        till_id=caller.till.id,
        created_at=now,
    )
    # A Core insert: the ORM unit of work costs more than the row (the object stays transient,
    # a plain record for the response).
    transfer.id = session.execute(
        _INSERT_TRANSFER,
        {c: getattr(transfer, c) for c in _TRANSFER_COLUMNS},
    ).scalar_one()
    return transfer, posted.balances[debit.key]


_TRANSFER_COLUMNS = (
    "org_id", "from_type", "from_id", "to_type", "to_id", "program_id", "points_milli", "notes",
    "transferred_by_id", "till_id", "created_at",
)  # fmt: skip
_INSERT_TRANSFER = insert(PointsTransfer).returning(PointsTransfer.id)


def transfer_record(
    session: Session,
    transfer: PointsTransfer,
    *,
    caller: Caller,
    viewer: Owner,
    program_name: str,
    rendered_groups: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The record of GET/POST /v2/points/transfer; `transferType` is relative to the viewer.

    `rendered_groups` (group id -> group object) lets a history render each group only once.
    """
    org = caller.org
    groups = rendered_groups if rendered_groups is not None else {}
    record: dict[str, Any] = {
        "toEntityId": transfer.to_id,
        "toEntityType": transfer.to_type,
        "fromEntityId": transfer.from_id,
        "fromEntityType": transfer.from_type,
        "pointsTransferDate": legacy_in_org(transfer.created_at, org),
        "pointsTransferDateISO": iso_in_org(transfer.created_at, org),
        "pointsTransferred": as_float(transfer.points_milli),
        "transferId": transfer.id,
        "transferType": (
            "DEDUCTION" if viewer == Owner(transfer.from_type, transfer.from_id) else "ADDITION"
        ),
    }
    for side, owner_type, owner_id in (
        ("From", transfer.from_type, transfer.from_id),
        ("To", transfer.to_type, transfer.to_id),
    ):
        if owner_type == CUSTOMER:
            customer = session.get(Customer, owner_id)
            record[f"transferred{side}"] = party(customer) if customer else {"userId": owner_id}
        else:
            if owner_id not in groups:
                group = session.get(UserGroup, owner_id)
                groups[owner_id] = group_object(session, group, org) if group else {"id": owner_id}
            record[f"transferred{side}UserGroup2"] = groups[owner_id]
    record["notes"] = transfer.notes
    record["programName"] = program_name
    return record


def breakup(
    program: ProgramInfo, points_milli: int, balance_left_milli: int
) -> list[dict[str, Any]]:
    """`pointsTransferBreakupByEarningPrograms`: what left which program, and what it holds now."""
    return [
        {
            "programId": program.id,
            "deductedPoints": as_float(points_milli),
            "programCurrentPoints": whole_points(balance_left_milli),
        }
    ]


def transfers_of(
    session: Session, owner: Owner, *, program_id: int | None = None
) -> list[PointsTransfer]:
    """Every transfer the owner sent or received, newest first."""
    query = select(PointsTransfer).where(
        ((PointsTransfer.from_type == owner.type) & (PointsTransfer.from_id == owner.id))
        | ((PointsTransfer.to_type == owner.type) & (PointsTransfer.to_id == owner.id))
    )
    if program_id is not None:
        query = query.where(PointsTransfer.program_id == program_id)
    return list(
        session.execute(
            query.order_by(PointsTransfer.created_at.desc(), PointsTransfer.id.desc())
        ).scalars()
    )


# --- customer to customer -----------------------------------------------------------------------

CUSTOMER_TRANSFER_IDENTIFIERS = {
    "id",
    "mobile",
    "email",
    "externalId",
    "cardnumber",
    "cardExternalId",
}
"""`{type, value}` types of the transfer bodies: ID, MOBILE, EXTERNAL_ID, EMAIL (seed), plus
CARDNUMBER and CARDEXTERNALID (newer schema)."""
HISTORY_IDENTIFIERS = {
    "mobile", "email", "externalId", "cardnumber", "wechat", "martjackId", "fbId", "id",
}  # fmt: skip
"""`identifierName` values of GET /v2/points/transfer for customers: the seed's list plus the
newer `id`."""
GROUP_HISTORY_IDENTIFIERS = {"id", "externalId"}
MULTI_ACCOUNT_SOURCES = {"WECHAT", "FACEBOOK", "MOBILE_APP", "LINE"}
"""Sources whose customers live in one of several accounts: `accountId` is required (8045)."""
MAX_TRANSFER_POINTS = Decimal(9_000_000_000_000_000) / MILLI
"""Above this, the thousandths no longer fit the 64-bit columns: no one can hold that many."""

_TRUE_TEXT = {"true"}
_FALSE_TEXT = {"false", ""}


@dataclass(frozen=True)
class CheckedTransfer:
    sender: Customer
    recipient: Customer
    program: ProgramInfo
    points_milli: int
    notes: str


def _config_flag(config: OrgConfig, key: str) -> bool:
    try:
        return config.flag(key)
    except ConfigValueError:
        raise InvalidConfigurationError() from None


def _fraud_check_enabled(config: OrgConfig) -> bool:
    key = "CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER"
    # A key present without a value cannot be fetched (413); one with a value that is not a
    # boolean is "not set properly" (412).
    if config.is_set(key) and config.raw[key] is None:
        raise FraudCheckConfigUnreadableError()
    try:
        return config.flag(key)
    except ConfigValueError:
        raise FraudCheckConfigInvalidError() from None


def transfer_amount_milli(raw: object, *, reject_fractional: bool) -> int:
    """Whole points to move, in thousandths.

    Missing or not a number: 422. Zero or negative: 807. A fraction is cut off (EMULATION.md 4,
    as the seed's group samples do) unless the org rejects it with 807.
    """
    amount = parse_points(raw)
    if amount is None or amount > MAX_TRANSFER_POINTS:
        raise PointsToBeTransferredInvalidError()
    if amount <= 0:
        raise PointsNotWholeError()
    whole = amount.to_integral_value(rounding=ROUND_DOWN)
    if whole == 0 or (whole != amount and reject_fractional):
        raise PointsNotWholeError()
    return to_milli(whole)


def program_for(caller: Caller, raw: object) -> ProgramInfo:
    """The org's program `raw` names (885 if none), or its default program when absent."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        program = caller.default_program
    else:
        text = str(raw).strip() if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
        # ASCII digits only; anything else names no program.
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise InvalidProgramError()
        program = caller.programs.get(int(text))
    if program is None:
        raise InvalidProgramError()
    return program


def _customer_by_identifier(session: Session, org: OrgInfo, raw: object, field: str) -> Customer:
    if not isinstance(raw, dict):
        raise InvalidPayloadFieldError(field=field)
    kind = identifier_type(raw.get("type"), allowed=CUSTOMER_TRANSFER_IDENTIFIERS)
    value = raw.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
        raise InvalidPayloadFieldError(field=f"{field}.value")
    return find_customer(session, org, kind, value)


def _check_group_program_transfer(raw: object) -> None:
    """The customer endpoints take only `false` (the seed's samples send the string)."""
    text = raw.strip().lower() if isinstance(raw, str) else None
    if raw is None or raw is False or text in _FALSE_TEXT:
        return
    if raw is True or text in _TRUE_TEXT:
        raise GroupActionForNonGroupError()
    raise InvalidPayloadFieldError(field="groupProgramTransfer")


def _notes(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidPayloadFieldError(field="notes")
    return str(raw)


def _is_true(raw: object) -> bool:
    return raw is True or (isinstance(raw, str) and raw.strip().lower() in _TRUE_TEXT)


def spendable_main_milli(session: Session, *, owner: Owner, program_id: int, now: datetime) -> int:
    """Main points the owner can move now: unspent lots not yet past their expiry.

    Read-only twin of what the writer finds after expiring due lots under its lock.
    """
    total = session.execute(
        select(func.coalesce(func.sum(PointAward.remaining_milli), 0)).where(
            PointAward.owner_type == owner.type,
            PointAward.owner_id == owner.id,
            PointAward.program_id == program_id,
            PointAward.category == MAIN,
            PointAward.remaining_milli > 0,
            (PointAward.expires_at.is_(None)) | (PointAward.expires_at > now),
        )
    ).scalar_one()
    return int(total)


def check_customer_transfer(
    session: Session,
    *,
    caller: Caller,
    points: object,
    program_id: object,
    from_identifier: object,
    to_identifier: object,
    group_program_transfer: object,
    notes: object,
) -> CheckedTransfer:
    """Every rule of a customer-to-customer transfer except the OTP and the balance.

    Input first (818, 422/807, 3316, 885, 434, 8013, 8015), then the parties (418, 419,
    412/413/415/414, 881).
    """
    config = caller.config
    if not _config_flag(config, "ALLOW_POINTS_TRANSFER"):
        raise PointsTransferNotAllowedError()
    points_milli = transfer_amount_milli(
        points, reject_fractional=_config_flag(config, "POINTS_TRANSFER_REJECT_FRACTIONAL")
    )
    _check_group_program_transfer(group_program_transfer)
    checked_notes = _notes(notes)
    program = program_for(caller, program_id)
    sender = _customer_by_identifier(session, caller.org, from_identifier, "fromCustomerIdentifier")
    recipient = _customer_by_identifier(session, caller.org, to_identifier, "toCustomerIdentifier")
    if sender.id == recipient.id:
        raise SameCustomerTransferError()
    for party_ in (sender, recipient):
        if party_.merged_into_id is not None:
            raise MergedCustomerError(customer_id=party_.id)
    if _fraud_check_enabled(config):
        if sender.status == FRAUD:
            raise SenderIsFraudError()
        if recipient.status == FRAUD:
            raise RecipientIsFraudError()
    for party_ in (sender, recipient):
        if party_.loyalty_type != LOYALTY:
            raise NotEnrolledInLoyaltyError()
    return CheckedTransfer(sender, recipient, program, points_milli, checked_notes)


def is_transferrable(
    session: Session,
    *,
    caller: Caller,
    points: object,
    program_id: object,
    from_identifier: object,
    to_identifier: object,
    group_program_transfer: object,
    notes: object,
    issue_otp_flag: object,
    now: datetime,
) -> dict[str, Any]:
    """POST /v2/points/isTransferrable (and /issuePointsTransferOtp): data[0].

    With `issue_otp_flag` (the body's `issueOtp`: true or "true") the sender gets a
    POINTSTRANSFER code once every check passed.
    """
    checked = check_customer_transfer(
        session,
        caller=caller,
        points=points,
        program_id=program_id,
        from_identifier=from_identifier,
        to_identifier=to_identifier,
        group_program_transfer=group_program_transfer,
        notes=notes,
    )
    sender_owner = Owner(CUSTOMER, checked.sender.id)
    available = spendable_main_milli(
        session, owner=sender_owner, program_id=checked.program.id, now=now
    )
    if available < checked.points_milli:
        raise InsufficientCurrentPointsError()
    if _is_true(issue_otp_flag):
        issue_otp(session, org=caller.org, customer=checked.sender, action=POINTS_TRANSFER, now=now)
    return {
        # Whole points (the seed's sample echoes the int 10).
        "pointsTobeTransferred": whole_points(checked.points_milli),
        "transferFrom": customer_object(session, checked.sender, caller.org),
        "transferTo": customer_object(session, checked.recipient, caller.org),
        "transferrable": True,
    }


def transfer_between_customers(
    session: Session,
    *,
    caller: Caller,
    points: object,
    program_id: object,
    from_identifier: object,
    to_identifier: object,
    group_program_transfer: object,
    notes: object,
    code: object,
    now: datetime,
) -> dict[str, Any]:
    """POST /v2/points/transfer: check, use up the sender's OTP, move the points; data[0]."""
    checked = check_customer_transfer(
        session,
        caller=caller,
        points=points,
        program_id=program_id,
        from_identifier=from_identifier,
        to_identifier=to_identifier,
        group_program_transfer=group_program_transfer,
        notes=notes,
    )
    if _config_flag(caller.config, "POINTS_TRANSFER_OTP_REQUIRED"):
        consume_otp(
            session, org=caller.org, customer=checked.sender, action=POINTS_TRANSFER, code=code,
            now=now,
        )  # fmt: skip
    sender = Owner(CUSTOMER, checked.sender.id)
    transfer, left_milli = move_points(
        session,
        caller=caller,
        now=now,
        source=sender,
        target=Owner(CUSTOMER, checked.recipient.id),
        program=checked.program,
        points_milli=checked.points_milli,
        notes=checked.notes,
        transferred_by=checked.sender.id,
    )
    record = transfer_record(
        session, transfer, caller=caller, viewer=sender, program_name=checked.program.name
    )
    record["pointsTransferBreakupByEarningPrograms"] = breakup(
        checked.program, checked.points_milli, left_milli
    )
    return record


# --- history ----------------------------------------------------------------------------------


def transfer_history(
    session: Session,
    *,
    caller: Caller,
    identifier_name: str | None,
    identifier_value: str | None,
    source: str | None,
    account_id: str | None,
    program_id: str | None,
    user_entity_type: str | None,
) -> list[dict[str, Any]]:
    """GET /v2/points/transfer: every transfer of a customer or (USERGROUP2) a group, newest
    first, each seen from that side (DEDUCTION when it sent, ADDITION when it received)."""
    org = caller.org
    entity_type = (user_entity_type or CUSTOMER).strip().upper()
    if entity_type not in (CUSTOMER, USERGROUP2):
        raise EntityTypeInvalidError()
    program = program_for(caller, program_id) if program_id is not None else None
    owner: Owner
    if entity_type == USERGROUP2:
        kind = group_identifier_type(identifier_name)
        if kind not in GROUP_HISTORY_IDENTIFIERS:
            raise InvalidIdentifierError()
        owner = Owner(USERGROUP2, find_group(session, org, kind, identifier_value).id)
    else:
        kind = identifier_type(identifier_name, allowed=HISTORY_IDENTIFIERS)
        # Required for customers (not groups), as the ledger reads require it.
        checked_source = (source or "").strip().upper()
        if checked_source not in SOURCES:
            raise InvalidSourceError()
        if checked_source in MULTI_ACCOUNT_SOURCES and not (account_id or "").strip():
            raise AccountIdMissingError()
        owner = Owner(CUSTOMER, find_customer(session, org, kind, identifier_value).id)
    transfers = transfers_of(session, owner, program_id=program.id if program else None)
    if not transfers:
        return []
    _load_parties(session, transfers)
    program_names = dict(
        session.execute(select(Program.id, Program.name).where(Program.org_id == org.id)).all()
    )
    rendered_groups: dict[int, dict[str, Any]] = {}
    return [
        transfer_record(
            session,
            transfer,
            caller=caller,
            viewer=owner,
            program_name=program_names.get(transfer.program_id, ""),
            rendered_groups=rendered_groups,
        )
        for transfer in transfers
    ]


def _load_parties(session: Session, transfers: list[PointsTransfer]) -> None:
    """One query for every customer and group of a history, so rendering finds them in the
    session instead of asking the database once per record."""
    customer_ids: set[int] = set()
    group_ids: set[int] = set()
    for t in transfers:
        for owner_type, owner_id in ((t.from_type, t.from_id), (t.to_type, t.to_id)):
            (customer_ids if owner_type == CUSTOMER else group_ids).add(owner_id)
    if customer_ids:
        session.execute(select(Customer).where(Customer.id.in_(customer_ids))).scalars().all()
    if group_ids:
        session.execute(select(UserGroup).where(UserGroup.id.in_(group_ids))).scalars().all()
