"""Bills added through POST /v2/transactions: the repeat check, the insert, the follow-up read."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, insert, literal_column, select

from capillary_emulator.models import Bill, Customer
from capillary_emulator.store.sql import Db, Statement

_COLUMNS = (
    "org_id", "customer_id", "type", "bill_number", "bill_amount_milli", "billing_date",
    "program_id", "points_milli", "event_id", "till_id", "created_at",
)  # fmt: skip


@dataclass(frozen=True)
class BillRecord:
    id: int
    org_id: int
    customer_id: int
    type: str
    bill_number: str
    bill_amount_milli: int
    billing_date: datetime
    program_id: int
    points_milli: int
    event_id: int | None
    till_id: int | None
    created_at: datetime


SAME_BILL = Statement(
    "same_bill",
    lambda: select(Bill.id).where(
        Bill.customer_id == bindparam("customer_id"),
        Bill.type == bindparam("type"),
        Bill.bill_number == bindparam("bill_number"),
    ),
)

INSERT_BILL = Statement(
    "insert_bill",
    lambda: insert(Bill).values({c: bindparam(c) for c in _COLUMNS}).returning(Bill.id),
)

BILL_BY_ID = Statement(
    "bill_by_id",
    lambda: select(Bill.id, *(getattr(Bill, c) for c in _COLUMNS)).where(
        Bill.id == bindparam("bill_id"), Bill.org_id == bindparam("org_id")
    ),
)


def _lifetime_purchases() -> Any:
    signed = case((Bill.type == "RETURN", -Bill.bill_amount_milli), else_=Bill.bill_amount_milli)
    billed = (
        select(func.coalesce(func.sum(signed), literal_column("0")))
        .where(Bill.customer_id == bindparam("customer_id"))
        .scalar_subquery()
    )
    return select(Customer.lifetime_purchases + billed).where(
        Customer.id == bindparam("customer_id")
    )


LIFETIME_PURCHASES = Statement("lifetime_purchases", _lifetime_purchases)


def lifetime_purchases_milli(db: Db, customer_id: int) -> int:
    """The customer's lifetime purchases in thousandths: the amount its seed gave it, plus
    the REGULAR bills added since, less the RETURN ones."""
    return int(db.scalar(LIFETIME_PURCHASES, customer_id=customer_id) or 0)


def same_bill(db: Db, customer_id: int, kind: str, bill_number: str) -> int | None:
    """The id of the customer's bill of that type and number, or None."""
    found = db.scalar(SAME_BILL, customer_id=customer_id, type=kind, bill_number=bill_number)
    return None if found is None else int(found)


def insert_bill(db: Db, **row: Any) -> int:
    return int(db.scalar(INSERT_BILL, **row))


def bill_by_id(db: Db, org_id: int, bill_id: int) -> BillRecord | None:
    row = db.first(BILL_BY_ID, org_id=org_id, bill_id=bill_id)
    return None if row is None else BillRecord(*row)
