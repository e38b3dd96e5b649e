"""Moving Main points between two owners (customers or groups) through the ledger writer."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from capillary_emulator.errors import CapillaryError, InsufficientCurrentPointsError
from capillary_emulator.points import MAIN
from capillary_emulator.store import transfers as store
from capillary_emulator.store.sql import Db
from capillary_emulator.store.transfers import HistoryRow, TransferRow
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
    transfer_id: int | None = None,
) -> tuple[TransferRow, int]:
    """One transaction's worth: a PointsTransfer debit of the source and credit of the target.

    Only Main points of `program` move; the recipient's lots keep the sender's expiry dates.
    Returns the transfer and the source's Main balance left in the program (thousandths).
    `transfer_id` fixes the transfer's id (the demo supplement's sample transfer); by default
    the database chooses it.
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
    transfer = store.insert_transfer(
        Db(session),
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
        transfer_id=transfer_id,
    )
    return transfer, posted.balances[debit.key]


def spendable_main_milli(session: Session, *, owner: Owner, program_id: int, now: datetime) -> int:
    """Main points the owner can move now: unspent lots not yet past their expiry.

    Read-only twin of what the writer finds after expiring due lots under its lock.
    """
    return store.spendable_milli(Db(session), owner.type, owner.id, program_id, MAIN, now)


def transfers_of(
    session: Session, owner: Owner, *, program_id: int | None = None
) -> list[HistoryRow]:
    """Every transfer the owner sent or received, newest first."""
    return store.transfers_of(Db(session), owner.type, owner.id, program_id=program_id)
