"""Reversals: the redemption locked with the customer the identifier names, the lots it drew in
the order they go back, and the reversal row."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, null, select, update
from sqlalchemy.sql import Select

from capillary_emulator.models import (
    Customer,
    PointAward,
    Redemption,
    RedemptionAllocation,
    Reversal,
)
from capillary_emulator.store.customer_lookup import identifier_holder
from capillary_emulator.store.redemptions import insert_with_fresh_code, table_of
from capillary_emulator.store.sql import Db, Statement


def _locked_redemption(customer: Any) -> Select[Any]:
    # The row lock serialises reversals of one redemption (across server processes on
    # Postgres): what remains (`reversed_milli`) is read once no other reversal can change it,
    # and the allocations after it, in a statement of their own.
    return (
        select(
            Redemption.id,
            Redemption.code,
            Redemption.customer_id,
            Redemption.program_id,
            Redemption.points_milli,
            Redemption.reversed_milli,
            Redemption.transaction_number,
            customer,
        )
        .where(Redemption.org_id == bindparam("org_id"), Redemption.code == bindparam("code"))
        .with_for_update()
    )


def _holder_by_id() -> Any:
    return (
        select(Customer.id)
        .where(Customer.id == bindparam("customer_id"), Customer.org_id == bindparam("org_id"))
        .scalar_subquery()
    )


LOCKED_WITH_HOLDER = Statement(
    "locked_redemption_with_holder", lambda: _locked_redemption(identifier_holder())
)
LOCKED_WITH_CUSTOMER = Statement(
    "locked_redemption_with_customer", lambda: _locked_redemption(_holder_by_id())
)
LOCKED_ALONE = Statement("locked_redemption", lambda: _locked_redemption(null()))


@dataclass(frozen=True)
class LockedRedemption:
    id: int
    code: str
    customer_id: int
    program_id: int
    points_milli: int
    reversed_milli: int
    transaction_number: str | None
    named_customer_id: int | None
    """The org's customer the request's identifier names, None when nobody."""


def locked_redemption(
    db: Db, *, org_id: int, code: str, lookup: dict[str, Any] | None
) -> LockedRedemption | None:
    """The org's redemption `code`, locked, with the customer `lookup` names
    (`store.customer_lookup.lookup_params`; None: nobody can be named)."""
    if lookup is None:
        statement = LOCKED_ALONE
    else:
        statement = LOCKED_WITH_CUSTOMER if "customer_id" in lookup else LOCKED_WITH_HOLDER
    row = db.first(statement, **{**(lookup or {}), "org_id": org_id, "code": code})
    return None if row is None else LockedRedemption(*row)


def _allocations() -> Select[int, int, int, int, datetime | None]:
    return (
        select(
            RedemptionAllocation.id,
            RedemptionAllocation.award_id,
            RedemptionAllocation.points_milli,
            RedemptionAllocation.reversed_milli,
            PointAward.expires_at,
        )
        .join(PointAward, PointAward.id == RedemptionAllocation.award_id)
        .where(RedemptionAllocation.redemption_id == bindparam("redemption_id"))
        .order_by(
            case((PointAward.expires_at.is_(None), 0), else_=1),
            PointAward.expires_at.desc(),
            RedemptionAllocation.id.desc(),
        )
    )


ALLOCATIONS = Statement("redemption_allocations_to_reverse", _allocations)
SET_ALLOCATION_REVERSED = Statement(
    "set_allocation_reversed",
    lambda: (
        update(table_of(RedemptionAllocation))
        .where(RedemptionAllocation.id == bindparam("allocation_id"))
        .values(reversed_milli=bindparam("allocation_reversed"))
    ),
)
ADD_REVERSED = Statement(
    "add_redemption_reversed",
    lambda: (
        update(table_of(Redemption))
        .where(Redemption.id == bindparam("redemption_id"))
        .values(reversed_milli=Redemption.reversed_milli + bindparam("amount"))
    ),
)
INSERT_REVERSAL = Statement("insert_reversal", lambda: insert_with_fresh_code(Reversal))


@dataclass(frozen=True)
class AllocationRow:
    id: int
    award_id: int
    points_milli: int
    reversed_milli: int
    expires_at: datetime | None


def allocations(db: Db, redemption_id: int) -> list[AllocationRow]:
    """The lots the redemption drew, latest-expiring (and never-expiring) first."""
    return [AllocationRow(*r) for r in db.rows(ALLOCATIONS, redemption_id=redemption_id)]


def record_take_back(
    db: Db, redemption_id: int, amount: int, allocations: Sequence[tuple[int, int]]
) -> None:
    """Count `amount` more reversed on the redemption, and (allocation id, new reversed
    thousandths) on its allocations."""
    db.execute_many(
        SET_ALLOCATION_REVERSED,
        [{"allocation_id": a, "allocation_reversed": m} for a, m in allocations],
    )
    db.execute(ADD_REVERSED, redemption_id=redemption_id, amount=amount)


def insert_reversal(db: Db, **values: Any) -> int | None:
    """The new reversal's id; None when its code is taken in the org."""
    found: int | None = db.scalar(INSERT_REVERSAL, **values)
    return found
