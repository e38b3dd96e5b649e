"""The transfer record clients see, for one transfer just made and for a history."""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from capillary_emulator.customers.schemas import CustomerRef, TransferParty
from capillary_emulator.customers.service import iso_in_org, legacy_in_org
from capillary_emulator.models import CUSTOMER
from capillary_emulator.points import as_float, whole_points
from capillary_emulator.store.transfers import HistoryRow, Name, TransferRow
from capillary_emulator.tenancy import Caller, OrgInfo
from capillary_emulator.transfer_core.groups import group_side
from capillary_emulator.transfer_core.movement import Movement, move_points
from capillary_emulator.transfer_core.schemas import (
    GroupObject,
    GroupRef,
    ProgramBreakup,
    TransferRecord,
)
from capillary_emulator.writer.core import Owner

Side = TransferParty | CustomerRef | GroupObject | GroupRef
"""One side of a record: a customer's names (or only its id), a group object (or its id)."""


def make_transfer(
    session: Session,
    movement: Movement,
    *,
    caller: Caller,
    now: datetime,
    sides: Mapping[Owner, Side],
) -> TransferRecord:
    """Move the points; the answer is the record seen by the source, with what left which
    program. The writer checks the balance under its row lock (804), so concurrent transfers
    never overdraw the source. `sides` renders the source and the target."""
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
        transfer,
        org=caller.org,
        viewer=movement.source,
        program_name=program.name,
        from_side=sides[movement.source],
        to_side=sides[movement.target],
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
    transfer: TransferRow,
    *,
    org: OrgInfo,
    viewer: Owner,
    program_name: str,
    from_side: Side,
    to_side: Side,
) -> TransferRecord:
    """One record; `transferType` is relative to the viewer."""
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
        transferredFrom=from_side if from_customer else None,  # type: ignore[arg-type]
        transferredFromUserGroup2=None if from_customer else from_side,  # type: ignore[arg-type]
        transferredTo=to_side if to_customer else None,  # type: ignore[arg-type]
        transferredToUserGroup2=None if to_customer else to_side,  # type: ignore[arg-type]
        notes=transfer.notes,
        programName=program_name,
    )


def history_records(
    session: Session, rows: list[HistoryRow], *, caller: Caller, viewer: Owner
) -> list[TransferRecord]:
    """The viewer's history, newest first as given, each record seen from the viewer's side.

    Customer sides come with the rows; each group is rendered once."""
    org = caller.org
    groups: dict[int, GroupObject | GroupRef] = {}

    def side(owner_type: str, owner_id: int, name: Name | None) -> Side:
        if owner_type == CUSTOMER:
            if name is None:
                return CustomerRef(userId=owner_id)
            return TransferParty(
                userId=owner_id, firstName=name.first_name, lastName=name.last_name
            )
        if owner_id not in groups:
            groups[owner_id] = group_side(session, owner_id, org)
        return groups[owner_id]

    records = []
    for row in rows:
        t = row.transfer
        program = caller.programs.get(t.program_id)
        records.append(
            transfer_record(
                t,
                org=org,
                viewer=viewer,
                program_name=program.name if program is not None else "",
                from_side=side(t.from_type, t.from_id, row.from_customer),
                to_side=side(t.to_type, t.to_id, row.to_customer),
            )
        )
    return records
