"""The transfer journal (`points_transfers`): one row per transfer, and an owner's history."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, insert, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import BindParameter, Executable

from capillary_emulator.models import CUSTOMER, Customer, PointAward, PointsTransfer
from capillary_emulator.store.sql import Db, Statement


@dataclass(frozen=True)
class TransferRow:
    id: int
    """The transferId clients see."""
    org_id: int
    from_type: str
    from_id: int
    to_type: str
    to_id: int
    program_id: int
    points_milli: int
    notes: str
    transferred_by_id: int | None
    till_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Name:
    """A customer side of a transfer: the names a record shows."""

    first_name: str
    last_name: str


@dataclass(frozen=True)
class HistoryRow:
    transfer: TransferRow
    from_customer: Name | None
    """None when the side is a group, or a customer that no longer exists."""
    to_customer: Name | None


_COLUMNS = [c for c in PointsTransfer.__table__.c if c.name != "id"]

INSERT_TRANSFER = Statement(
    "insert_transfer",
    lambda: (
        insert(PointsTransfer)
        .values({c.name: bindparam(c.name) for c in _COLUMNS})
        .returning(PointsTransfer.id)
    ),
)


INSERT_TRANSFER_WITH_ID = Statement(
    "insert_transfer_with_id",
    lambda: insert(PointsTransfer).values(
        {"id": bindparam("id"), **{c.name: bindparam(c.name) for c in _COLUMNS}}
    ),
)


TRANSFER_ID_TAKEN = Statement(
    "transfer_id_taken",
    lambda: select(PointsTransfer.id).where(PointsTransfer.id == bindparam("transfer_id")),
)


def transfer_id_taken(db: Db, transfer_id: int) -> bool:
    return db.scalar(TRANSFER_ID_TAKEN, transfer_id=transfer_id) is not None


def insert_transfer(db: Db, *, transfer_id: int | None = None, **values: object) -> TransferRow:
    """Every column but the id, which the database chooses unless `transfer_id` is given (on
    Postgres the caller then moves the sequence past it); the row as stored."""
    if transfer_id is None:
        transfer_id = db.scalar(INSERT_TRANSFER, **values)
    else:
        db.execute(INSERT_TRANSFER_WITH_ID, id=transfer_id, **values)
    return TransferRow(id=transfer_id, **values)  # type: ignore[arg-type]


def _history(by_program: bool) -> Executable:
    sender = aliased(Customer)
    recipient = aliased(Customer)
    t = PointsTransfer
    owner_type: BindParameter[str] = bindparam("owner_type")
    owner_id: BindParameter[int] = bindparam("owner_id")
    query = (
        select(
            t.id,
            t.org_id,
            t.from_type,
            t.from_id,
            t.to_type,
            t.to_id,
            t.program_id,
            t.points_milli,
            t.notes,
            t.transferred_by_id,
            t.till_id,
            t.created_at,
            sender.id,
            sender.first_name,
            sender.last_name,
            recipient.id,
            recipient.first_name,
            recipient.last_name,
        )  # fmt: skip
        .outerjoin(sender, and_(t.from_type == CUSTOMER, sender.id == t.from_id))
        .outerjoin(recipient, and_(t.to_type == CUSTOMER, recipient.id == t.to_id))
        .where(
            or_(
                and_(t.from_type == owner_type, t.from_id == owner_id),
                and_(t.to_type == owner_type, t.to_id == owner_id),
            )
        )
    )
    if by_program:
        query = query.where(t.program_id == bindparam("program_id"))
    return query.order_by(t.created_at.desc(), t.id.desc())


HISTORY = Statement("transfer_history", lambda: _history(False))
HISTORY_IN_PROGRAM = Statement("transfer_history_in_program", lambda: _history(True))


def transfers_of(
    db: Db, owner_type: str, owner_id: int, *, program_id: int | None = None
) -> list[HistoryRow]:
    """Every transfer the owner sent or received, newest first, with its customers' names."""
    if program_id is None:
        rows = db.rows(HISTORY, owner_type=owner_type, owner_id=owner_id)
    else:
        rows = db.rows(
            HISTORY_IN_PROGRAM, owner_type=owner_type, owner_id=owner_id, program_id=program_id
        )
    return [
        HistoryRow(
            TransferRow(*row[:12]),
            None if row[12] is None else Name(row[13], row[14]),
            None if row[15] is None else Name(row[16], row[17]),
        )
        for row in rows
    ]


SPENDABLE = Statement(
    "spendable_milli",
    lambda: select(func.coalesce(func.sum(PointAward.remaining_milli), 0)).where(
        PointAward.owner_type == bindparam("owner_type"),
        PointAward.owner_id == bindparam("owner_id"),
        PointAward.program_id == bindparam("program_id"),
        PointAward.category == bindparam("category"),
        PointAward.remaining_milli > 0,
        (PointAward.expires_at.is_(None)) | (PointAward.expires_at > bindparam("now")),
    ),
)


def spendable_milli(
    db: Db, owner_type: str, owner_id: int, program_id: int, category: str, now: datetime
) -> int:
    """Unspent thousandths in the owner's lots of that program and category not expired at
    `now` (a read: nothing is locked)."""
    return int(
        db.scalar(
            SPENDABLE,
            owner_type=owner_type,
            owner_id=owner_id,
            program_id=program_id,
            category=category,
            now=now,
        )
    )
