"""Redemptions and the lots they drew: the locked balance check before a redemption, the
redemption row (its 6-character code chosen in the insert), its allocations."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, exists, func, insert, select, update
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


@dataclass(frozen=True)
class EditableRedemption:
    """A redemption as PUT /v2/points/updateRedemption reads and answers it."""

    id: int
    code: str
    customer_id: int
    program_id: int
    points_milli: int
    transaction_number: str | None
    external_reference_number: str | None
    validation_code: str | None
    purpose: str


def _editable(*where: Any) -> Any:
    return (
        select(
            Redemption.id,
            Redemption.code,
            Redemption.customer_id,
            Redemption.program_id,
            Redemption.points_milli,
            Redemption.transaction_number,
            Redemption.external_reference_number,
            Redemption.validation_code,
            Redemption.purpose,
        )
        .where(Redemption.org_id == bindparam("org_id"), *where)
        .order_by(Redemption.id.desc())
        .limit(1)
        .with_for_update()
    )


EDITABLE_BY_CODE = Statement(
    "editable_redemption_by_code", lambda: _editable(Redemption.code == bindparam("code"))
)
EDITABLE_BY_REFERENCE = Statement(
    "editable_redemption_by_reference",
    lambda: _editable(
        Redemption.customer_id == bindparam("customer_id"),
        Redemption.external_reference_number == bindparam("reference"),
    ),
)
UPDATE_REDEMPTION = Statement(
    "update_redemption",
    lambda: (
        update(Redemption)
        .where(Redemption.id == bindparam("redemption_id"))
        .values(transaction_number=bindparam("transaction_number"), purpose=bindparam("purpose"))
    ),
)


def editable_redemption(
    db: Db,
    *,
    org_id: int,
    code: str | None = None,
    customer_id: int | None = None,
    reference: str | None = None,
) -> EditableRedemption | None:
    """The org's redemption with that code, or the customer's latest with that external
    reference, locked (FOR UPDATE) for the rest of the request."""
    if code is not None:
        row = db.first(EDITABLE_BY_CODE, org_id=org_id, code=code)
    else:
        row = db.first(
            EDITABLE_BY_REFERENCE, org_id=org_id, customer_id=customer_id, reference=reference
        )
    return None if row is None else EditableRedemption(*row)


def update_redemption(
    db: Db, redemption_id: int, *, transaction_number: str | None, purpose: str
) -> None:
    db.execute(
        UPDATE_REDEMPTION,
        redemption_id=redemption_id,
        transaction_number=transaction_number,
        purpose=purpose,
    )
