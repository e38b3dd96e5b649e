"""Customer-to-customer points transfer (check with OTP, transfer) and transfer history.

The shared core (amount and program parsing, moving points, the transfer record, group
lookup for group histories) lives in `transfer_core`; this module holds the customer rules.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import (
    SOURCES,
    customer_lookup,
    customer_objects,
    find_customer_record,
    find_customer_records,
    identifier_type,
    party,
)
from capillary_emulator.errors import (
    AccountIdMissingError,
    CapillaryError,
    CapillaryWarning,
    EntityTypeInvalidError,
    GroupActionForNonGroupError,
    InvalidConfigurationError,
    InvalidIdentifierError,
    InvalidPayloadFieldError,
    InvalidSourceError,
    MergedCustomerError,
    OtpNotGeneratedWarning,
    PointsTransferNotAllowed818Error,
    PointsTransferNotAllowedError,
    SameCustomerTransferError,
)
from capillary_emulator.inputs import config_flag, is_false, is_true
from capillary_emulator.inputs import notes as read_notes
from capillary_emulator.models import CUSTOMER, USERGROUP2
from capillary_emulator.orgs import ConfigValueError, OrgConfig
from capillary_emulator.otp.service import POINTS_TRANSFER, consume_otp, issue_otp
from capillary_emulator.points import whole_points
from capillary_emulator.store.customers import CustomerRecord, Lookup
from capillary_emulator.store.otp import contacts as otp_contacts
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller, OrgInfo
from capillary_emulator.transfer_core.groups import find_group, group_identifier_type
from capillary_emulator.transfer_core.movement import Movement, ensure_spendable, transfers_of
from capillary_emulator.transfer_core.parsing import program_for, transfer_amount_milli
from capillary_emulator.transfer_core.parties import check_customer_parties
from capillary_emulator.transfer_core.records import history_records, make_transfer
from capillary_emulator.transfer_core.schemas import TransferRecord
from capillary_emulator.transfers.schemas import (
    CustomerTransferBody,
    TransferHistoryQuery,
    Transferrable,
)
from capillary_emulator.writer.core import Owner

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


@dataclass(frozen=True)
class CheckedTransfer:
    sender: CustomerRecord
    recipient: CustomerRecord
    movement: Movement


def _transfer_not_allowed(config: OrgConfig) -> CapillaryError:
    """ALLOW_POINTS_TRANSFER off: the seed's 888 by default, the newer docs' 818 when the org's
    POINTS_TRANSFER_DISABLED_CODE says 818 (any other value is itself an invalid config)."""
    try:
        code = config.integer("POINTS_TRANSFER_DISABLED_CODE")
    except ConfigValueError:
        return InvalidConfigurationError()
    if code == PointsTransferNotAllowed818Error.code:
        return PointsTransferNotAllowed818Error()
    return PointsTransferNotAllowedError()


def _party_lookup(org: OrgInfo, raw: object, field: str) -> Lookup:
    if not isinstance(raw, dict):
        raise InvalidPayloadFieldError(field=field)
    kind = identifier_type(raw.get("type"), allowed=CUSTOMER_TRANSFER_IDENTIFIERS)
    value = raw.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
        raise InvalidPayloadFieldError(field=f"{field}.value")
    return customer_lookup(org, kind, value)


def _find_parties(
    session: Session, org: OrgInfo, request: CustomerTransferBody
) -> tuple[CustomerRecord, CustomerRecord]:
    """Sender and recipient in one statement. Their errors keep Capillary's order: everything
    about the sender (its 8015 included) before anything about the recipient."""
    sender = _party_lookup(org, request.fromCustomerIdentifier, "fromCustomerIdentifier")
    try:
        recipient = _party_lookup(org, request.toCustomerIdentifier, "toCustomerIdentifier")
    except CapillaryError:
        find_customer_records(session, org, [sender])
        raise
    found = find_customer_records(session, org, [sender, recipient])
    return found[0], found[1]


def _check_group_program_transfer(raw: object) -> None:
    """The customer endpoints take only `false` (the seed's samples send the string)."""
    if is_false(raw):
        return
    if is_true(raw):
        raise GroupActionForNonGroupError()
    raise InvalidPayloadFieldError(field="groupProgramTransfer")


def check_customer_transfer(
    session: Session, *, caller: Caller, request: CustomerTransferBody
) -> CheckedTransfer:
    """Every rule of a customer-to-customer transfer except the OTP and the balance.

    Input first (888/818, 422/807, 3316, 885, 434, 8013, 8015), then the parties (418, 419,
    412/413/415/414, 881).
    """
    config = caller.config
    if not config_flag(config, "ALLOW_POINTS_TRANSFER"):
        raise _transfer_not_allowed(config)
    points_milli = transfer_amount_milli(
        request.points,
        reject_fractional=config_flag(config, "POINTS_TRANSFER_REJECT_FRACTIONAL"),
    )
    _check_group_program_transfer(request.groupProgramTransfer)
    notes = read_notes(request.notes)
    program = program_for(caller, request.programId)
    sender, recipient = _find_parties(session, caller.org, request)
    if sender.id == recipient.id:
        raise SameCustomerTransferError()
    for party_ in (sender, recipient):
        if party_.merged_into_id is not None:
            raise MergedCustomerError(customer_id=party_.id)
    check_customer_parties(config, sender=sender, recipient=recipient)
    movement = Movement(
        Owner(CUSTOMER, sender.id), Owner(CUSTOMER, recipient.id), program, points_milli, notes,
        transferred_by=sender.id,
    )  # fmt: skip
    return CheckedTransfer(sender, recipient, movement)


def is_transferrable(
    session: Session,
    *,
    caller: Caller,
    request: CustomerTransferBody,
    issue_otp_flag: object,
    now: datetime,
) -> tuple[Transferrable, list[CapillaryWarning]]:
    """POST /v2/points/isTransferrable (and /issuePointsTransferOtp): data[0] and warnings.

    With `issue_otp_flag` (the body's `issueOtp`: true, "true" or "1") the sender gets a
    POINTSTRANSFER code once every check passed; a sender with neither mobile nor email
    cannot be sent one: warning 876, the check itself still passes.
    """
    checked = check_customer_transfer(session, caller=caller, request=request)
    ensure_spendable(session, checked.movement, now=now)
    warnings: list[CapillaryWarning] = []
    if is_true(issue_otp_flag):
        contacts = otp_contacts(Db(session), checked.sender.id)
        if contacts:
            issue_otp(
                session, org=caller.org, customer=checked.sender,
                action=POINTS_TRANSFER, now=now, contacts=contacts,
            )  # fmt: skip
        else:
            warnings.append(OtpNotGeneratedWarning())
    transfer_from, transfer_to = customer_objects(
        session, (checked.sender, checked.recipient), caller.org
    )
    answer = Transferrable(
        pointsTobeTransferred=whole_points(checked.movement.points_milli),
        transferFrom=transfer_from,
        transferTo=transfer_to,
        transferrable=True,
    )
    return answer, warnings


def transfer_between_customers(
    session: Session, *, caller: Caller, request: CustomerTransferBody, now: datetime
) -> TransferRecord:
    """POST /v2/points/transfer: check, use up the sender's OTP, move the points; data[0]."""
    checked = check_customer_transfer(session, caller=caller, request=request)
    if config_flag(caller.config, "POINTS_TRANSFER_OTP_REQUIRED"):
        consume_otp(
            session, org=caller.org, customer=checked.sender,
            action=POINTS_TRANSFER, code=request.code, now=now,
        )  # fmt: skip
    movement = checked.movement
    sides = {movement.source: party(checked.sender), movement.target: party(checked.recipient)}
    return make_transfer(session, movement, caller=caller, now=now, sides=sides)


# --- history ----------------------------------------------------------------------------------


def transfer_history(
    session: Session,
    *,
    caller: Caller,
    query: TransferHistoryQuery,
) -> list[TransferRecord]:
    """GET /v2/points/transfer: every transfer of a customer or (USERGROUP2) a group, newest
    first, each seen from that side (DEDUCTION when it sent, ADDITION when it received)."""
    org = caller.org
    entity_type = (query.userEntityType or CUSTOMER).strip().upper()
    if entity_type not in (CUSTOMER, USERGROUP2):
        raise EntityTypeInvalidError()
    program = program_for(caller, query.programId) if query.programId is not None else None
    owner: Owner
    if entity_type == USERGROUP2:
        kind = group_identifier_type(query.identifierName)
        if kind not in GROUP_HISTORY_IDENTIFIERS:
            raise InvalidIdentifierError()
        owner = Owner(USERGROUP2, find_group(session, org, kind, query.identifierValue).id)
    else:
        kind = identifier_type(query.identifierName, allowed=HISTORY_IDENTIFIERS)
        # Required for customers (not groups), as the ledger reads require it.
        checked_source = (query.source or "").strip().upper()
        if checked_source not in SOURCES:
            raise InvalidSourceError()
        if checked_source in MULTI_ACCOUNT_SOURCES and not (query.accountId or "").strip():
            raise AccountIdMissingError()
        customer = find_customer_record(session, org, kind, query.identifierValue)
        owner = Owner(CUSTOMER, customer.id)
    transfers = transfers_of(session, owner, program_id=program.id if program else None)
    return history_records(session, transfers, caller=caller, viewer=owner)
