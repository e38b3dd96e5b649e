"""Moving points between owners (customers and groups), and the transfer record clients see.

Customer and group transfers differ in how they find and check the parties; once checked, both
move points through `move_points`, and both render history through `transfer_record`.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from capillary_emulator.auth import Caller
from capillary_emulator.customers.service import iso_in_org, legacy_in_org, party
from capillary_emulator.errors import CapillaryError, InsufficientCurrentPointsError
from capillary_emulator.groups.service import group_object
from capillary_emulator.ledger.writer import Credit, Debit, Owner, write_points_event
from capillary_emulator.models import (
    CUSTOMER,
    USERGROUP2,
    Customer,
    PointsTransfer,
    Program,
    UserGroup,
)
from capillary_emulator.points import MAIN, as_float, whole_points


def move_points(
    session: Session,
    *,
    caller: Caller,
    now: datetime,
    source: Owner,
    target: Owner,
    program: Program,
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
    session.add(transfer)
    session.flush()
    return transfer, posted.balances[debit.key]


def transfer_record(
    session: Session,
    transfer: PointsTransfer,
    *,
    caller: Caller,
    viewer: Owner,
    program_name: str,
) -> dict[str, Any]:
    """The record of GET/POST /v2/points/transfer; `transferType` is relative to the viewer."""
    org = caller.org
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
            group = session.get(UserGroup, owner_id)
            record[f"transferred{side}UserGroup2"] = (
                group_object(session, group, org) if group else {"id": owner_id}
            )
    record["notes"] = transfer.notes
    record["programName"] = program_name
    return record


def breakup(program: Program, points_milli: int, balance_left_milli: int) -> list[dict[str, Any]]:
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


__all__ = ["USERGROUP2", "breakup", "move_points", "transfer_record", "transfers_of"]
