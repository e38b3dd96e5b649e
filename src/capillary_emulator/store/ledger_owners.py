"""Whose ledger a read names, found in one statement together with whether any of the owner's
points are due to expire (so that a read that has nothing to expire never writes).

A customer by id or by identifier (a mobile number binds two spellings: as given and with the
org's country code); a group by id, externalId, or its primary member's id or identifier.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, select
from sqlalchemy.orm import QueryableAttribute, aliased

from capillary_emulator.models import (
    CUSTOMER,
    USERGROUP2,
    Customer,
    CustomerIdentifier,
    PointAward,
    UserGroup,
    UserGroupMember,
)
from capillary_emulator.store.sql import Db, Row, Statement

Query = Select[*tuple[Any, ...]]


def _points_due(
    owner_type: str, owner_id: QueryableAttribute[int] | ColumnElement[int]
) -> ColumnElement[bool]:
    # No org condition: owner ids are unique across orgs, and one would lead SQLite to walk
    # the org's lots (ix_point_awards_org_id) instead of the owner's (ix_point_awards_owner).
    return exists().where(
        PointAward.owner_type == owner_type,
        PointAward.owner_id == owner_id,
        PointAward.remaining_milli > 0,
        PointAward.expires_at.is_not(None),
        PointAward.expires_at <= bindparam("now"),
    )


def _identified(identifiers: type[CustomerIdentifier]) -> ColumnElement[bool]:
    return (
        (identifiers.org_id == bindparam("org_id"))
        & (identifiers.type == bindparam("kind"))
        & identifiers.value.in_([bindparam("value"), bindparam("alternative")])
    )


def _customer(where: Callable[[Query], Query]) -> Statement:
    def build() -> Query:
        external = aliased(CustomerIdentifier)
        external_id = (
            select(external.value)
            .where(external.customer_id == Customer.id, external.type == "externalId")
            .order_by(external.id)
            .limit(1)
            .scalar_subquery()
        )
        return where(
            select(
                Customer.id,
                Customer.first_name,
                Customer.last_name,
                external_id,
                _points_due(CUSTOMER, Customer.id),
                Customer.merged_into_id,
            )
        )

    return Statement("ledger_customer", build)


CUSTOMER_BY_ID = _customer(
    lambda q: q.where(
        Customer.id == bindparam("customer_id"), Customer.org_id == bindparam("org_id")
    )
)
CUSTOMER_BY_IDENTIFIER = _customer(
    lambda q: (
        q.join(CustomerIdentifier, CustomerIdentifier.customer_id == Customer.id)
        .where(_identified(CustomerIdentifier))
        .limit(1)
    )
)


def customer_by_id(db: Db, *, org_id: int, customer_id: int, now: datetime) -> Row | None:
    """(id, first_name, last_name, externalId or None, points due, merged into) of the org's
    customer."""
    return db.first(CUSTOMER_BY_ID, org_id=org_id, customer_id=customer_id, now=now)


def customer_by_identifier(
    db: Db, *, org_id: int, kind: str, values: list[str], now: datetime
) -> Row | None:
    """As `customer_by_id`, for the customer holding one of `values` (one or two) as `kind`."""
    return _by_identifier(db, CUSTOMER_BY_IDENTIFIER, org_id, kind, values, now)


def _group(where: Callable[[Query], Query]) -> Statement:
    return Statement(
        "ledger_group",
        lambda: where(
            select(UserGroup.id, UserGroup.external_id, _points_due(USERGROUP2, UserGroup.id))
            .where(UserGroup.org_id == bindparam("org_id"))
            .limit(1)
        ),
    )


def _primary_member_is(customer_id: ColumnElement[int]) -> Callable[[Query], Query]:
    return lambda q: q.join(UserGroupMember, UserGroupMember.group_id == UserGroup.id).where(
        UserGroupMember.customer_id == customer_id, UserGroupMember.primary_member.is_(True)
    )


def _customer_holding() -> ColumnElement[int]:
    identifiers = aliased(CustomerIdentifier)
    return (
        select(identifiers.customer_id).where(_identified(identifiers)).limit(1).scalar_subquery()
    )


GROUP_BY_ID = _group(lambda q: q.where(UserGroup.id == bindparam("group_id")))
GROUP_BY_EXTERNAL_ID = _group(lambda q: q.where(UserGroup.external_id == bindparam("external_id")))
GROUP_BY_PRIMARY_ID = _group(
    _primary_member_is(
        select(Customer.id)
        .where(Customer.id == bindparam("customer_id"), Customer.org_id == bindparam("org_id"))
        .scalar_subquery()
    )
)
GROUP_BY_PRIMARY_IDENTIFIER = _group(lambda q: _primary_member_is(_customer_holding())(q))


def group_by_id(db: Db, *, org_id: int, group_id: int, now: datetime) -> Row | None:
    """(id, external_id, points due) of the org's group."""
    return db.first(GROUP_BY_ID, org_id=org_id, group_id=group_id, now=now)


def group_by_external_id(db: Db, *, org_id: int, external_id: str, now: datetime) -> Row | None:
    return db.first(GROUP_BY_EXTERNAL_ID, org_id=org_id, external_id=external_id, now=now)


def group_by_primary_id(db: Db, *, org_id: int, customer_id: int, now: datetime) -> Row | None:
    """The group whose primary member is the org's customer with that id."""
    return db.first(GROUP_BY_PRIMARY_ID, org_id=org_id, customer_id=customer_id, now=now)


def group_by_primary_identifier(
    db: Db, *, org_id: int, kind: str, values: list[str], now: datetime
) -> Row | None:
    """The group whose primary member holds one of `values` (one or two) as `kind`."""
    return _by_identifier(db, GROUP_BY_PRIMARY_IDENTIFIER, org_id, kind, values, now)


def _by_identifier(
    db: Db, statement: Statement, org_id: int, kind: str, values: list[str], now: datetime
) -> Row | None:
    return db.first(
        statement, org_id=org_id, kind=kind, value=values[0], alternative=values[-1], now=now
    )
