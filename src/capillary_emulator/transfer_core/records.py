"""The transfer record clients see, for one transfer just made and for a history."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from capillary_emulator.customers.schemas import CustomerRef, TransferParty
from capillary_emulator.customers.service import iso_in_org, legacy_in_org, party
from capillary_emulator.models import CUSTOMER, Customer, PointsTransfer, Program, UserGroup
from capillary_emulator.points import as_float, whole_points
from capillary_emulator.tenancy import Caller
from capillary_emulator.transfer_core.groups import group_object
from capillary_emulator.transfer_core.movement import Movement, move_points
from capillary_emulator.transfer_core.schemas import (
    GroupObject,
    GroupRef,
    ProgramBreakup,
    TransferRecord,
)
from capillary_emulator.writer.core import Owner


def make_transfer(
    session: Session, movement: Movement, *, caller: Caller, now: datetime
) -> TransferRecord:
    """Move the points; the answer is the record seen by the source, with what left which
    program. The writer checks the balance under its row lock (804), so concurrent transfers
    never overdraw the source."""
    program = movement.program
    transfer, left_milli = move_points(
        session,
        caller=caller,
        now=now,
        source=movement.source,
        target=movement.target,
        program=program,
        points_milli=movement.points_milli,
        notes=movement.notes,
        transferred_by=movement.transferred_by,
    )
    record = transfer_record(
        session, transfer, caller=caller, viewer=movement.source, program_name=program.name
    )
    record.pointsTransferBreakupByEarningPrograms = [
        ProgramBreakup(
            programId=program.id,
            deductedPoints=as_float(movement.points_milli),
            programCurrentPoints=whole_points(left_milli),
        )
    ]
    return record


def transfer_record(
    session: Session,
    transfer: PointsTransfer,
    *,
    caller: Caller,
    viewer: Owner,
    program_name: str,
    rendered_groups: dict[int, GroupObject | GroupRef] | None = None,
) -> TransferRecord:
    """One record; `transferType` is relative to the viewer.

    `rendered_groups` (group id -> group object) lets a history render each group only once.
    """
    org = caller.org
    groups = rendered_groups if rendered_groups is not None else {}

    def customer_side(owner_id: int) -> TransferParty | CustomerRef:
        customer = session.get(Customer, owner_id)
        return party(customer) if customer else CustomerRef(userId=owner_id)

    def group_side(owner_id: int) -> GroupObject | GroupRef:
        if owner_id not in groups:
            group = session.get(UserGroup, owner_id)
            groups[owner_id] = group_object(session, group, org) if group else GroupRef(id=owner_id)
        return groups[owner_id]

    from_customer = transfer.from_type == CUSTOMER
    to_customer = transfer.to_type == CUSTOMER
    return TransferRecord(
        toEntityId=transfer.to_id,
        toEntityType=transfer.to_type,
        fromEntityId=transfer.from_id,
        fromEntityType=transfer.from_type,
        pointsTransferDate=legacy_in_org(transfer.created_at, org),
        pointsTransferDateISO=iso_in_org(transfer.created_at, org),
        pointsTransferred=as_float(transfer.points_milli),
        transferId=transfer.id,
        transferType=(
            "DEDUCTION" if viewer == Owner(transfer.from_type, transfer.from_id) else "ADDITION"
        ),
        transferredFrom=customer_side(transfer.from_id) if from_customer else None,
        transferredFromUserGroup2=None if from_customer else group_side(transfer.from_id),
        transferredTo=customer_side(transfer.to_id) if to_customer else None,
        transferredToUserGroup2=None if to_customer else group_side(transfer.to_id),
        notes=transfer.notes,
        programName=program_name,
    )


def history_records(
    session: Session, transfers: list[PointsTransfer], *, caller: Caller, viewer: Owner
) -> list[TransferRecord]:
    """The viewer's history, newest first as given, each record seen from the viewer's side."""
    if not transfers:
        return []
    _load_parties(session, transfers)
    program_names = dict(
        session.execute(
            select(Program.id, Program.name).where(Program.org_id == caller.org_id)
        ).all()
    )
    rendered_groups: dict[int, GroupObject | GroupRef] = {}
    return [
        transfer_record(
            session,
            transfer,
            caller=caller,
            viewer=viewer,
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
