"""Creating and updating customers (v2 customers API), their identifiers and point summaries."""

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, literal_column, select, update

from capillary_emulator.models import (
    CUSTOMER,
    Customer,
    CustomerIdentifier,
    LedgerEntry,
    LedgerEvent,
)
from capillary_emulator.store.sql import Db, Statement

NEXT_CUSTOMER_ID = Statement(
    "next_customer_id", lambda: select(func.coalesce(func.max(Customer.id), 0) + 1)
)

INSERT_CUSTOMER = Statement(
    "insert_customer",
    lambda: insert(Customer).values(
        {
            c: bindparam(c)
            for c in (
                "id",
                "org_id",
                "first_name",
                "last_name",
                "source",
                "account_id",
                "status",
                "loyalty_type",
                "lifetime_purchases",
                "created_at",
                "modified_at",
                "created_by_till_id",
            )
        }  # fmt: skip
    ),
)

INSERT_IDENTIFIER = Statement(
    "insert_identifier",
    lambda: insert(CustomerIdentifier).values(
        org_id=bindparam("org_id"),
        customer_id=bindparam("customer_id"),
        type=bindparam("type"),
        value=bindparam("value"),
    ),
)

UPDATE_NAMES = Statement(
    "update_customer_names",
    lambda: (
        update(Customer)
        .where(Customer.id == bindparam("customer_id"))
        .values(
            first_name=bindparam("first_name"),
            last_name=bindparam("last_name"),
            modified_at=bindparam("now"),
        )
    ),
)

HOLDER_OF = Statement(
    "identifier_holder_of",
    lambda: select(CustomerIdentifier.customer_id).where(
        CustomerIdentifier.org_id == bindparam("org_id"),
        CustomerIdentifier.type == bindparam("type"),
        CustomerIdentifier.value == bindparam("value"),
    ),
)

IDENTIFIERS_OF = Statement(
    "identifiers_of",
    lambda: (
        select(CustomerIdentifier.type, CustomerIdentifier.value)
        .where(CustomerIdentifier.customer_id == bindparam("customer_id"))
        .order_by(CustomerIdentifier.id)
    ),
)


def _point_summary() -> Any:
    # An inline 0: Postgres matches the grouped expression only when it has no bind parameter.
    credit = LedgerEntry.points_milli > literal_column("0")
    return (
        select(
            LedgerEntry.program_id,
            LedgerEntry.category,
            LedgerEvent.event_name,
            credit,
            func.sum(LedgerEntry.points_milli),
        )
        .join(LedgerEvent, LedgerEvent.id == LedgerEntry.event_id)
        .where(LedgerEntry.owner_type == CUSTOMER, LedgerEntry.owner_id == bindparam("customer_id"))
        .group_by(LedgerEntry.program_id, LedgerEntry.category, LedgerEvent.event_name, credit)
    )


POINT_SUMMARY = Statement("customer_point_summary", _point_summary)


def next_customer_id(db: Db) -> int:
    return int(db.scalar(NEXT_CUSTOMER_ID))


def insert_customer(db: Db, **row: Any) -> None:
    db.execute(INSERT_CUSTOMER, **row)


def add_identifier(db: Db, org_id: int, customer_id: int, kind: str, value: str) -> None:
    db.execute(INSERT_IDENTIFIER, org_id=org_id, customer_id=customer_id, type=kind, value=value)


def holder_of(db: Db, org_id: int, kind: str, value: str) -> int | None:
    """The id of the org's customer holding that identifier, or None."""
    found = db.scalar(HOLDER_OF, org_id=org_id, type=kind, value=value)
    return None if found is None else int(found)


def update_names(db: Db, customer_id: int, first_name: str, last_name: str, now: datetime) -> None:
    db.execute(
        UPDATE_NAMES, customer_id=customer_id, first_name=first_name, last_name=last_name, now=now
    )


def identifiers_of(db: Db, customer_id: int) -> list[tuple[str, str]]:
    """(type, value) of the customer's identifiers, in the order they were added."""
    return [(kind, value) for kind, value in db.rows(IDENTIFIERS_OF, customer_id=customer_id)]


def point_summary(db: Db, customer_id: int) -> list[tuple[int, str, str, bool, int]]:
    """(program, category, event name, is credit, sum of thousandths) of the customer's entries."""
    return [
        (int(p), str(c), str(e), bool(credit), int(total or 0))
        for p, c, e, credit, total in db.rows(POINT_SUMMARY, customer_id=customer_id)
    ]
