"""Moving Main points between two owners (customers or groups) through the ledger writer."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from capillary_emulator.errors import CapillaryError, InsufficientCurrentPointsError
from capillary_emulator.models import PointAward, PointsTransfer
from capillary_emulator.points import MAIN
from capillary_emulator.tenancy import Caller, ProgramInfo
from capillary_emulator.writer.core import Credit, Debit, Owner, write_points_event


@dataclass(frozen=True)
class Movement:
    """A transfer that passed every rule but the balance: who gives, who gets, how much."""

    source: Owner
    target: Owner
    program: ProgramInfo
    points_milli: int
    notes: str
    transferred_by: int | None
    """The acting customer (the sender of a customer transfer, `transferredBy` of a group's)."""


def ensure_spendable(session: Session, movement: Movement, *, now: datetime) -> None:
    """804 unless the source holds the points now (for the checks that move nothing)."""
    available = spendable_main_milli(
        session, owner=movement.source, program_id=movement.program.id, now=now
    )
    if available < movement.points_milli:
        raise InsufficientCurrentPointsError()


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
    row = {
        "org_id": caller.org_id,
        "from_type": source.type,
        "from_id": source.id,
        "to_type": target.type,
        "to_id": target.id,
        "program_id": program.id,
        "points_milli": points_milli,
        "notes": notes,
        "transferred_by_id": transferred_by,
        "till_id": caller.till.id,
        "created_at": now,
    }
    # A Core insert: the ORM unit of work costs more than the row (the object stays transient,
    # a plain record for the response).
    transfer_id = session.execute(_INSERT_TRANSFER, row).scalar_one()
    return PointsTransfer(id=transfer_id, **row), posted.balances[debit.key]


_INSERT_TRANSFER = insert(PointsTransfer).returning(PointsTransfer.id)


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
