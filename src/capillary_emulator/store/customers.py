"""Customers by id or identifier (one or two in one statement), and their identifiers."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, literal, null, select, union_all
from sqlalchemy.sql.expression import BindParameter, Executable

from capillary_emulator.models import Customer, CustomerIdentifier, Till
from capillary_emulator.store.sql import Db, Row, Statement


@dataclass(frozen=True)
class CustomerRecord:
    """A customer as the transfer paths read it, with the code of the till that created it."""

    id: int
    org_id: int
    first_name: str
    last_name: str
    source: str
    account_id: str
    status: str
    loyalty_type: str
    merged_into_id: int | None
    created_at: datetime
    modified_at: datetime
    created_by_till_id: int | None
    till_code: str | None
    """None when the creating till is unknown or gone."""


@dataclass(frozen=True)
class Lookup:
    """One customer to find: by id (`customer_id`) or by an identifier type and its candidate
    values (a mobile number with and without the org's country code), first preferred."""

    customer_id: int | None = None
    kind: str | None = None
    values: tuple[str, ...] = ()


MAX_CANDIDATES = 2
"""Candidate values per identifier lookup (`inputs.mobile_candidates` gives one or two)."""


def _side(side: int, by_id: bool) -> Select[Any]:
    columns: tuple[Any, ...] = (
        literal(side).label("side"),
        Customer.id,
        Customer.org_id,
        Customer.first_name,
        Customer.last_name,
        Customer.source,
        Customer.account_id,
        Customer.status,
        Customer.loyalty_type,
        Customer.merged_into_id,
        Customer.created_at,
        Customer.modified_at,
        Customer.created_by_till_id,
        Till.code,
    )
    org: BindParameter[int] = bindparam("org_id")
    if by_id:
        query: Select[Any] = select(*columns, null().label("value")).where(
            Customer.id == bindparam(f"customer_id_{side}"), Customer.org_id == org
        )
    else:
        values: list[BindParameter[str]] = [
            bindparam(f"value_{side}_{n}") for n in range(MAX_CANDIDATES)
        ]
        query = (
            select(*columns, CustomerIdentifier.value)
            .join(CustomerIdentifier, CustomerIdentifier.customer_id == Customer.id)
            .where(
                CustomerIdentifier.org_id == org,
                CustomerIdentifier.type == bindparam(f"kind_{side}"),
                CustomerIdentifier.value.in_(values),
            )
        )
    return query.outerjoin(Till, Till.id == Customer.created_by_till_id)


def _lookup(shape: tuple[bool, ...]) -> Executable:
    parts = [_side(side, by_id) for side, by_id in enumerate(shape)]
    return parts[0] if len(parts) == 1 else union_all(*parts)


_BY_SHAPE: dict[tuple[bool, ...], Statement] = {}


def _statement(shape: tuple[bool, ...]) -> Statement:
    found = _BY_SHAPE.get(shape)
    if found is None:
        found = _BY_SHAPE[shape] = Statement(f"customers{shape}", lambda: _lookup(shape))
    return found


def find_customers(db: Db, org_id: int, lookups: list[Lookup]) -> list[CustomerRecord | None]:
    """One statement for one or two lookups; each one's customer, or None."""
    params: dict[str, object] = {"org_id": org_id}
    for side, lookup in enumerate(lookups):
        if lookup.customer_id is not None:
            params[f"customer_id_{side}"] = lookup.customer_id
            continue
        params[f"kind_{side}"] = lookup.kind
        padded = (*lookup.values, *[lookup.values[-1]] * MAX_CANDIDATES)[:MAX_CANDIDATES]
        for n, value in enumerate(padded):
            params[f"value_{side}_{n}"] = value
    shape = tuple(lookup.customer_id is not None for lookup in lookups)
    best: dict[int, tuple[int, Row]] = {}
    for row in db.rows(_statement(shape), **params):
        side = row[0]
        values = lookups[side].values
        rank = values.index(row[-1]) if row[-1] in values else 0
        if side not in best or rank < best[side][0]:
            best[side] = (rank, row)
    return [
        CustomerRecord(*best[side][1][1:-1]) if side in best else None
        for side in range(len(lookups))
    ]


IDENTIFIERS_OF_TWO = Statement(
    "identifiers_of_two",
    lambda: (
        select(CustomerIdentifier.customer_id, CustomerIdentifier.type, CustomerIdentifier.value)
        .where(CustomerIdentifier.customer_id.in_([bindparam("first"), bindparam("second")]))
        .order_by(CustomerIdentifier.id)
    ),
)


def identifiers_of_two(db: Db, first: int, second: int) -> dict[int, list[tuple[str, str]]]:
    """(type, value) of each customer's identifiers, in the order they were added."""
    found: dict[int, list[tuple[str, str]]] = {first: [], second: []}
    for customer_id, kind, value in db.rows(IDENTIFIERS_OF_TWO, first=first, second=second):
        found[customer_id].append((kind, value))
    return found
