"""Creating and updating customers (v2 customers API), their identifiers and point summaries."""

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select, update

from capillary_emulator.models import (
    CUSTOMER,
    Customer,
    CustomerIdentifier,
    LedgerEntry,
    LedgerEvent,
)
from capillary_emulator.store.sql import Db, DialectStatement, Statement, dialect_insert

NEXT_CUSTOMER_ID = Statement(
    "next_customer_id", lambda: select(func.coalesce(func.max(Customer.id), 0) + 1)
)

_CUSTOMER_COLUMNS = (
    "id", "org_id", "first_name", "last_name", "source", "account_id", "status",
    "loyalty_type", "lifetime_purchases", "created_at", "modified_at", "created_by_till_id",
)  # fmt: skip

# ON CONFLICT DO NOTHING: two creates that computed the same next id do not both fail; the one
# that loses gets no row back (on Postgres once the winner commits) and takes the next id.
INSERT_CUSTOMER = DialectStatement(
    "insert_customer",
    lambda dialect: (
        dialect_insert(dialect)(Customer)
        .values({c: bindparam(c) for c in _CUSTOMER_COLUMNS})
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(Customer.id)
    ),
)

INSERT_IDENTIFIER = DialectStatement(
    "insert_identifier",
    lambda dialect: (
        dialect_insert(dialect)(CustomerIdentifier)
        .values(
            org_id=bindparam("org_id"),
            customer_id=bindparam("customer_id"),
            type=bindparam("type"),
            value=bindparam("value"),
        )
        .on_conflict_do_nothing(index_elements=["org_id", "type", "value"])
        .returning(CustomerIdentifier.id)
    ),
)

UPDATE_PROFILE = Statement(
    "update_customer_profile",
    lambda: (
        update(Customer)
        .where(Customer.id == bindparam("customer_id"))
        .values(
            first_name=bindparam("first_name"),
            last_name=bindparam("last_name"),
            loyalty_type=bindparam("loyalty_type"),
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


def insert_customer(db: Db, **row: Any) -> int:
    """Insert the customer under the next free id (retried when a concurrent create took it);
    returns the id."""
    while True:
        customer_id = int(db.scalar(NEXT_CUSTOMER_ID))
        if db.scalar(INSERT_CUSTOMER, id=customer_id, **row) is not None:
            return customer_id


def add_identifier(db: Db, org_id: int, customer_id: int, kind: str, value: str) -> bool:
    """False when another customer of the org holds it already (a concurrent claim)."""
    found = db.scalar(
        INSERT_IDENTIFIER, org_id=org_id, customer_id=customer_id, type=kind, value=value
    )
    return found is not None


def holder_of(db: Db, org_id: int, kind: str, value: str) -> int | None:
    """The id of the org's customer holding that identifier, or None."""
    found = db.scalar(HOLDER_OF, org_id=org_id, type=kind, value=value)
    return None if found is None else int(found)


def update_profile(
    db: Db,
    customer_id: int,
    *,
    first_name: str,
    last_name: str,
    loyalty_type: str,
    now: datetime,
) -> None:
    db.execute(
        UPDATE_PROFILE,
        customer_id=customer_id,
        first_name=first_name,
        last_name=last_name,
        loyalty_type=loyalty_type,
        now=now,
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
