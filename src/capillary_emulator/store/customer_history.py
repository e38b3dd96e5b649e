"""A customer's history as v1.1 lists it: bills (customer/transactions) and redemptions with
their reversals (customer/redemptions). Every row of the customer, oldest first: the service
filters, sorts and pages them (a customer's history is short in an emulator)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from capillary_emulator.models import CUSTOMER, Bill, PointAward, Redemption, Reversal, Till
from capillary_emulator.points import MAIN
from capillary_emulator.store.sql import Db, Statement


@dataclass(frozen=True)
class BillLine:
    id: int
    type: str
    bill_number: str
    bill_amount_milli: int
    billing_date: datetime
    program_id: int
    points_milli: int
    created_at: datetime
    till_code: str | None
    store_code: str | None
    store_name: str | None
    expires_at: datetime | None
    """When the bill's points lot expires; None without a lot or without expiry."""


def _bill_expiry() -> Any:
    # The writer's lot of the bill's award: credited to the customer's Main points of the
    # program at the bill's instant (a bulk request's bills share it, and their expiry too).
    return (
        select(func.max(PointAward.expires_at))
        .where(
            PointAward.owner_type == CUSTOMER,
            PointAward.owner_id == Bill.customer_id,
            PointAward.program_id == Bill.program_id,
            PointAward.category == MAIN,
            PointAward.awarded_at == Bill.created_at,
            PointAward.points_milli == Bill.points_milli,
        )
        .scalar_subquery()
    )


BILLS_OF = Statement(
    "bills_of_customer",
    lambda: (
        select(
            Bill.id,
            Bill.type,
            Bill.bill_number,
            Bill.bill_amount_milli,
            Bill.billing_date,
            Bill.program_id,
            Bill.points_milli,
            Bill.created_at,
            Till.code,
            Till.store_code,
            Till.store_name,
            _bill_expiry(),
        )
        .outerjoin(Till, Till.id == Bill.till_id)
        .where(Bill.org_id == bindparam("org_id"), Bill.customer_id == bindparam("customer_id"))
        .order_by(Bill.id)
    ),
)


def bills_of(db: Db, org_id: int, customer_id: int) -> list[BillLine]:
    return [BillLine(*row) for row in db.rows(BILLS_OF, org_id=org_id, customer_id=customer_id)]


@dataclass(frozen=True)
class RedemptionLine:
    id: int
    code: str
    program_id: int
    points_milli: int
    transaction_number: str | None
    external_reference_number: str | None
    validation_code: str | None
    notes: str
    redeemed_at: datetime
    till_code: str | None
    store_code: str | None
    store_name: str | None


REDEMPTIONS_OF = Statement(
    "redemptions_of_customer",
    lambda: (
        select(
            Redemption.id,
            Redemption.code,
            Redemption.program_id,
            Redemption.points_milli,
            Redemption.transaction_number,
            Redemption.external_reference_number,
            Redemption.validation_code,
            Redemption.notes,
            Redemption.redeemed_at,
            Till.code,
            Till.store_code,
            Till.store_name,
        )
        .outerjoin(Till, Till.id == Redemption.till_id)
        .where(
            Redemption.org_id == bindparam("org_id"),
            Redemption.customer_id == bindparam("customer_id"),
        )
        .order_by(Redemption.id)
    ),
)


@dataclass(frozen=True)
class ReversalLine:
    id: int
    code: str
    redemption_id: int
    points_milli: int
    till_id: int | None
    created_at: datetime


REVERSALS_OF = Statement(
    "reversals_of_customer",
    lambda: (
        select(
            Reversal.id,
            Reversal.code,
            Reversal.redemption_id,
            Reversal.points_milli,
            Reversal.till_id,
            Reversal.created_at,
        )
        .join(Redemption, Redemption.id == Reversal.redemption_id)
        .where(
            Redemption.org_id == bindparam("org_id"),
            Redemption.customer_id == bindparam("customer_id"),
        )
        .order_by(Reversal.id)
    ),
)


def redemptions_of(db: Db, org_id: int, customer_id: int) -> list[RedemptionLine]:
    rows = db.rows(REDEMPTIONS_OF, org_id=org_id, customer_id=customer_id)
    return [RedemptionLine(*row) for row in rows]


def reversals_of(db: Db, org_id: int, customer_id: int) -> list[ReversalLine]:
    rows = db.rows(REVERSALS_OF, org_id=org_id, customer_id=customer_id)
    return [ReversalLine(*row) for row in rows]
