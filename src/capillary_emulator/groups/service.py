"""Group (USERGROUP2) points transfer: group -> customer, customer -> group, group -> group.

A group's points are a wallet of their own, `Owner(USERGROUP2, groupId)`, moved through the
same ledger writer as a customer's. Checks run cheapest first: the org switch, the payload
(1206, 1207, 1208, 1646, 434, 8012, 422/807, 885), then the parties (8015, 1645, 889, 419),
the customers' fraud status and enrolment (412/413, 415, 414, 881), the acting customer's
right to move the source's points (830, 1651) and last the balance (804).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import find_customer_record, identifier_type, party
from capillary_emulator.errors import (
    CapillaryError,
    EntityTypeInvalidError,
    FromEntityMissingError,
    GroupLoyaltyDisabledError,
    GroupNotValidError,
    GroupTransferEntityTypeError,
    InvalidIdentifierError,
    InvalidPayloadFieldError,
    InvalidSourceError,
    MergedCustomerError,
    NotGroupMemberError,
    PointsProcessingFailedError,
    ToEntityMissingError,
    TransferNotPermittedError,
)
from capillary_emulator.groups.schemas import GroupTransferBody, GroupTransferrable
from capillary_emulator.inputs import config_flag
from capillary_emulator.inputs import notes as read_notes
from capillary_emulator.models import CUSTOMER, USERGROUP2
from capillary_emulator.points import as_float
from capillary_emulator.store import groups as store
from capillary_emulator.store.customers import CustomerRecord
from capillary_emulator.store.groups import GroupRecord
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller
from capillary_emulator.transfer_core.groups import find_group, group_identifier_type, group_object
from capillary_emulator.transfer_core.movement import Movement, ensure_spendable
from capillary_emulator.transfer_core.parsing import program_for, transfer_amount_milli
from capillary_emulator.transfer_core.parties import check_customer_parties
from capillary_emulator.transfer_core.records import Side, make_transfer
from capillary_emulator.transfer_core.schemas import TransferRecord
from capillary_emulator.writer.core import Owner

ENTITY_TYPES = (CUSTOMER, USERGROUP2)
CUSTOMER_IDENTIFIERS = {
    "mobile", "email", "externalId", "cardnumber", "wechat", "martjackId", "fbId", "id",
}  # fmt: skip
"""Customer `identifierType`s of the group docs, plus `id` (used by the newer samples)."""
ACTIVE = "ACTIVE"
INACTIVE = "INACTIVE"


@dataclass(frozen=True)
class EntityRef:
    """An entity as the payload names it, checked for form but not yet looked up."""

    type: str
    """CUSTOMER or USERGROUP2."""
    kind: str
    """Canonical identifier type: a customer's (`mobile`, `id`, ...) or a group's."""
    value: str


@dataclass(frozen=True)
class Party:
    """One side of the transfer, found in the org."""

    owner: Owner
    customer: CustomerRecord | None = None
    group: GroupRecord | None = None


def check_transferrable(
    session: Session, *, caller: Caller, request: GroupTransferBody, now: datetime
) -> GroupTransferrable:
    """POST /v2/points/userGroup2/isTransferrable: data[0]."""
    movement, _source, _target = _check(session, caller=caller, request=request)
    ensure_spendable(session, movement, now=now)
    return GroupTransferrable(
        pointsTobeTransferred=as_float(movement.points_milli), transferrable=True
    )


def transfer_points(
    session: Session, *, caller: Caller, request: GroupTransferBody, now: datetime
) -> TransferRecord:
    """POST /v2/points/userGroup2/transfer: check, move the points; data[0] seen by the source."""
    movement, source, target = _check(session, caller=caller, request=request)
    sides = {p.owner: _side(session, p, caller) for p in (source, target)}
    return make_transfer(session, movement, caller=caller, now=now, sides=sides)


def _side(session: Session, found: Party, caller: Caller) -> Side:
    if found.customer is not None:
        return party(found.customer)
    assert found.group is not None
    return group_object(session, found.group, caller.org)


def _check(
    session: Session, *, caller: Caller, request: GroupTransferBody
) -> tuple[Movement, Party, Party]:
    """Every rule of a group transfer except the balance; the movement and both parties."""
    config = caller.config
    if not config_flag(config, "ENABLE_USER_GROUP_LOYALTY"):
        raise GroupLoyaltyDisabledError()
    source_ref = _entity_ref(request.fromEntity, field="fromEntity", missing=FromEntityMissingError)
    target_ref = _entity_ref(request.toEntity, field="toEntity", missing=ToEntityMissingError)
    if source_ref.type == CUSTOMER and target_ref.type == CUSTOMER:
        # Customer to customer has its own endpoint (with its OTP); this one needs a group.
        raise GroupTransferEntityTypeError()
    actor_ref = _actor_ref(request.transferredBy)
    if actor_ref is None and source_ref.type == USERGROUP2:
        raise TransferNotPermittedError()
    points_milli = transfer_amount_milli(
        request.points,
        reject_fractional=config_flag(config, "POINTS_TRANSFER_REJECT_FRACTIONAL"),
    )
    notes = read_notes(request.notes)
    program = program_for(caller, request.programId)

    source = _party(session, caller, source_ref)
    target = _party(session, caller, target_ref)
    if source.owner == target.owner:
        raise PointsProcessingFailedError()
    check_customer_parties(config, sender=source.customer, recipient=target.customer)
    if actor_ref is None:
        assert source.customer is not None
        actor = source.customer
    else:
        actor = find_customer_record(session, caller.org, actor_ref.kind, actor_ref.value)
        if actor.merged_into_id is not None:
            raise MergedCustomerError(customer_id=actor.id)
    _check_may_move(session, source=source, actor=actor)
    movement = Movement(source.owner, target.owner, program, points_milli, notes, actor.id)
    return movement, source, target


def _entity_ref(raw: object, *, field: str, missing: type[CapillaryError]) -> EntityRef:
    if not isinstance(raw, dict):
        raise missing()
    entity_type = raw.get("type")
    # Capillary's enum is case-sensitive: "customer" is as unknown as "STORE".
    if entity_type not in ENTITY_TYPES:
        raise EntityTypeInvalidError()
    if entity_type == USERGROUP2:
        kind = group_identifier_type(raw.get("identifierType"))
    else:
        kind = _customer_identifier_type(raw.get("identifierType"))
    if kind is None:
        raise InvalidPayloadFieldError(field=f"{field}.identifierType")
    value = _identifier_value(raw, field=field)
    if entity_type == CUSTOMER:
        _require_source(raw)
    return EntityRef(entity_type, kind, value)


def _require_source(raw: dict[str, Any]) -> None:
    """`source` is "required for customer entity" (seed). Any text passes: Capillary accepts
    junk sources here (its newer sample sends "INSTOREwe") and a customer is one profile per
    org in the emulator; missing, empty or not text is the ledger's 8012."""
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InvalidSourceError()


def _actor_ref(raw: object) -> EntityRef | None:
    """`transferredBy`, always a customer; None when the payload leaves it out."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidPayloadFieldError(field="transferredBy")
    kind = _customer_identifier_type(raw.get("identifierType"))
    if kind is None:
        raise InvalidPayloadFieldError(field="transferredBy.identifierType")
    return EntityRef(CUSTOMER, kind, _identifier_value(raw, field="transferredBy"))


def _customer_identifier_type(raw: object) -> str | None:
    try:
        return identifier_type(raw, allowed=CUSTOMER_IDENTIFIERS)
    except InvalidIdentifierError:
        return None


def _identifier_value(raw: dict[str, Any], *, field: str) -> str:
    value = raw.get("identifierValue")
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise InvalidPayloadFieldError(field=f"{field}.identifierValue")
    return str(value).strip()


def _party(session: Session, caller: Caller, ref: EntityRef) -> Party:
    """The org's customer (8015, 419 if merged away) or group (1645; 889 if inactive).

    `source` and `accountId` are not used to find anyone: a customer is one profile per org in
    the emulator, and Capillary accepts junk sources here (its own samples send "INSTOREwe").
    """
    if ref.type == CUSTOMER:
        customer = find_customer_record(session, caller.org, ref.kind, ref.value)
        if customer.merged_into_id is not None:
            raise MergedCustomerError(customer_id=customer.id)
        return Party(Owner(CUSTOMER, customer.id), customer=customer)
    group = find_group(session, caller.org, ref.kind, ref.value)
    if group.status == INACTIVE:
        raise PointsProcessingFailedError()
    if group.status != ACTIVE:
        raise GroupNotValidError()
    return Party(Owner(USERGROUP2, group.id), group=group)


def _check_may_move(session: Session, *, source: Party, actor: CustomerRecord) -> None:
    """A customer's points move only by that customer; a group's only by an active member
    allowed to transfer (the primary member always is)."""
    if source.customer is not None:
        if actor.id != source.customer.id:
            raise TransferNotPermittedError()
        return
    assert source.group is not None
    member = store.member(Db(session), source.group.id, actor.id)
    if member is None or not member.active:
        raise NotGroupMemberError()
    if not (member.primary_member or member.allow_points_transfer):
        raise TransferNotPermittedError()
