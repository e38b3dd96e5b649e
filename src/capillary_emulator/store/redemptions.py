"""Redemptions and the lots they drew: the locked balance check before a redemption, the
redemption row (its 6-character code chosen in the insert), its allocations."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, exists, func, insert, select
from sqlalchemy.sql.elements import ColumnElement

from capillary_emulator.models import PointAward, PointBalance, Redemption, RedemptionAllocation
from capillary_emulator.store.sql import Db, Statement


def table_of(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _balance_key() -> list[ColumnElement[bool]]:
    return [
        PointBalance.owner_type == bindparam("owner_type"),
        PointBalance.owner_id == bindparam("owner_id"),
        PointBalance.program_id == bindparam("program_id"),
        PointBalance.category == bindparam("category"),
    ]


def _due_milli() -> Any:
    """Thousandths of the key's lots that are due to expire (what the writer will expire)."""
    return select(func.coalesce(func.sum(PointAward.remaining_milli), 0)).where(
        PointAward.owner_type == bindparam("owner_type"),
        PointAward.owner_id == bindparam("owner_id"),
        PointAward.program_id == bindparam("program_id"),
        PointAward.category == bindparam("category"),
        PointAward.remaining_milli > 0,
        PointAward.expires_at.is_not(None),
        PointAward.expires_at <= bindparam("now"),
    )


LOCKED_BALANCE = Statement(
    "locked_balance_with_due",
    lambda: (
        select(PointBalance.points_milli, _due_milli().scalar_subquery())
        .where(*_balance_key())
        .with_for_update()
    ),
)
DUE_MILLI = Statement("due_milli", _due_milli)
BALANCE = Statement("balance", lambda: select(PointBalance.points_milli).where(*_balance_key()))


def locked_spendable(
    db: Db, *, owner_type: str, owner_id: int, program_id: int, category: str, now: datetime
) -> int | None:
    """The balance of the key, locked on Postgres, less its lots due to expire; None without a
    balance row (the lock creates none).

    The due part comes with the lock in one statement. On Postgres a statement that waited for
    the lock reads the lots as they were when it began, and the holder it waited for can only
    have expired lots since (which the locked balance already shows): so a due part of 0 is
    exact, and any other is read again now that the lock is held.
    """
    key = {"owner_type": owner_type, "owner_id": owner_id, "program_id": program_id}
    key["category"] = category
    row = db.first(LOCKED_BALANCE, **key, now=now)
    if row is None:
        return None
    balance, due = row
    if due:
        due = db.scalar(DUE_MILLI, **key, now=now)
    return int(balance) - int(due)


def balance(db: Db, *, owner_type: str, owner_id: int, program_id: int, category: str) -> int:
    found = db.scalar(
        BALANCE, owner_type=owner_type, owner_id=owner_id, program_id=program_id, category=category
    )
    return int(found or 0)


REDEMPTION_COLUMNS = (
    Redemption.id,
    Redemption.code,
    Redemption.program_id,
    Redemption.points_milli,
    Redemption.transaction_number,
    Redemption.validation_code,
    Redemption.purpose,
)


@dataclass(frozen=True)
class RedemptionRow:
    """What the v1.1 answer shows of a redemption."""

    id: int
    code: str
    program_id: int
    points_milli: int
    transaction_number: str | None
    validation_code: str | None
    purpose: str


BY_EXTERNAL_REFERENCE = Statement(
    "redemption_by_external_reference",
    lambda: (
        select(*REDEMPTION_COLUMNS)
        .where(
            Redemption.org_id == bindparam("org_id"),
            Redemption.customer_id == bindparam("customer_id"),
            Redemption.external_reference_number == bindparam("external_reference"),
        )
        .limit(1)
    ),
)


def by_external_reference(
    db: Db, *, org_id: int, customer_id: int, external_reference: str
) -> RedemptionRow | None:
    row = db.first(
        BY_EXTERNAL_REFERENCE,
        org_id=org_id,
        customer_id=customer_id,
        external_reference=external_reference,
    )
    return None if row is None else RedemptionRow(*row)


def insert_with_fresh_code(model: Any) -> Any:
    """INSERT of every column but the id, unless the org already has the row's `code`;
    RETURNING the id, so that no row back means "pick another code"."""
    table = table_of(model)
    columns = [c for c in table.columns if not c.primary_key]
    taken = exists().where(table.c.org_id == bindparam("org_id"), table.c.code == bindparam("code"))
    values = select(*(bindparam(c.name, type_=c.type) for c in columns)).where(~taken)
    return insert(table).from_select([c.name for c in columns], values).returning(table.c.id)


INSERT_REDEMPTION = Statement("insert_redemption", lambda: insert_with_fresh_code(Redemption))
INSERT_ALLOCATIONS = Statement(
    "insert_redemption_allocations",
    lambda: (
        insert(table_of(RedemptionAllocation))
        .values(
            redemption_id=bindparam("redemption_id"),
            award_id=bindparam("award_id"),
            points_milli=bindparam("points_milli"),
            reversed_milli=0,
        )
        .inline()
    ),
)


def insert_redemption(db: Db, **values: Any) -> int | None:
    """The new redemption's id; None when its code is taken in the org."""
    found: int | None = db.scalar(INSERT_REDEMPTION, **values)
    return found


def insert_allocations(db: Db, redemption_id: int, lots: Sequence[tuple[int, int]]) -> None:
    """(award_id, thousandths) of every lot the redemption drew."""
    db.execute_many(
        INSERT_ALLOCATIONS,
        [{"redemption_id": redemption_id, "award_id": a, "points_milli": m} for a, m in lots],
    )
