"""The web console's reads (GET /_emulator/ui): every list paged with LIMIT/OFFSET on an index,
never a whole table, so the console stays fast with 100,000 customers.

Statements that take a page of ids bind a fixed number of slots (`PAGE_SLOTS`, unused ones
-1), so each compiles once. Points are thousandths (`*_milli`), as stored.
"""

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import aliased

from capillary_emulator.models import (
    Customer,
    CustomerIdentifier,
    LedgerEntry,
    LedgerEvent,
    Org,
    PointAward,
    PointBalance,
    PointsTransfer,
    Program,
    Redemption,
    Reversal,
    Till,
    UserGroup,
    UserGroupMember,
)
from capillary_emulator.store.sql import Db, Row, Statement

PAGE_SLOTS = 50
"""The most rows a console page shows, and the slots of the statements that take their ids."""
STORED_IDENTIFIER_TYPES = (
    "mobile", "email", "externalId", "cardnumber", "cardExternalId", "wechat", "martjackId",
    "fbId",
)  # fmt: skip
_SLOTS = [f"id{i}" for i in range(PAGE_SLOTS)]
_TYPE_SLOTS = [f"type{i}" for i in range(len(STORED_IDENTIFIER_TYPES))]


def _slot_params(ids: Sequence[int]) -> dict[str, int]:
    assert len(ids) <= PAGE_SLOTS
    return {name: (ids[i] if i < len(ids) else -1) for i, name in enumerate(_SLOTS)}


def _in_slots(column: Any) -> Any:
    return column.in_([bindparam(name) for name in _SLOTS])


def _page(statement: Any) -> Any:
    return statement.limit(bindparam("limit")).offset(bindparam("offset"))


# --- orgs ----------------------------------------------------------------------------------

ORGS = Statement(
    "console_orgs",
    lambda: select(
        Org.id,
        Org.name,
        Org.timezone,
        Org.config,
        select(func.count()).where(Customer.org_id == Org.id).scalar_subquery(),
        select(func.count()).where(UserGroup.org_id == Org.id).scalar_subquery(),
    ).order_by(Org.id),
)
PROGRAMS = Statement(
    "console_programs",
    lambda: select(Program.id, Program.org_id, Program.name, Program.is_default).order_by(
        Program.org_id, Program.id
    ),
)
TILLS = Statement(
    "console_tills",
    lambda: select(Till.id, Till.org_id, Till.code, Till.store_name).order_by(Till.org_id, Till.id),
)


def orgs(db: Db) -> list[Row]:
    """(id, name, timezone, config dict, customer count, group count) of every org."""
    return [
        (*row[:3], json.loads(row[3]) if isinstance(row[3], str) else (row[3] or {}), *row[4:])
        for row in db.rows(ORGS)
    ]


def programs(db: Db) -> list[Row]:
    """(id, org_id, name, is_default) of every program (an org has a handful)."""
    return db.rows(PROGRAMS)


def tills(db: Db) -> list[Row]:
    """(id, org_id, code, store_name) of every till."""
    return db.rows(TILLS)


# --- customers -----------------------------------------------------------------------------

_CUSTOMER_COLUMNS = (
    Customer.id,
    Customer.org_id,
    Customer.first_name,
    Customer.last_name,
    Customer.status,
    Customer.source,
    Customer.account_id,
    Customer.loyalty_type,
    Customer.created_at,
)
CUSTOMERS_PAGE = Statement(
    "console_customers_page",
    lambda: _page(
        select(*_CUSTOMER_COLUMNS)
        .where(Customer.org_id == bindparam("org_id"))
        .order_by(Customer.id)
    ),
)
CUSTOMERS_AFTER = Statement(
    "console_customers_after",
    lambda: (
        select(*_CUSTOMER_COLUMNS)
        .where(Customer.org_id == bindparam("org_id"), Customer.id > bindparam("after"))
        .order_by(Customer.id)
        .limit(bindparam("limit"))
    ),
)
CUSTOMERS_BEFORE = Statement(
    "console_customers_before",
    lambda: (
        select(*_CUSTOMER_COLUMNS)
        .where(Customer.org_id == bindparam("org_id"), Customer.id < bindparam("before"))
        .order_by(Customer.id.desc())
        .limit(bindparam("limit"))
    ),
)
CUSTOMERS_BY_IDENTIFIER = Statement(
    "console_customers_by_identifier",
    lambda: (
        select(*_CUSTOMER_COLUMNS)
        .join(CustomerIdentifier, CustomerIdentifier.customer_id == Customer.id)
        .where(
            CustomerIdentifier.org_id == bindparam("org_id"),
            CustomerIdentifier.type.in_([bindparam(name) for name in _TYPE_SLOTS]),
            CustomerIdentifier.value == bindparam("value"),
        )
        .order_by(Customer.id)
        .limit(PAGE_SLOTS)
    ),
)
ONE_CUSTOMER = Statement(
    "console_customer",
    lambda: select(*_CUSTOMER_COLUMNS).where(
        Customer.org_id == bindparam("org_id"), Customer.id == bindparam("customer_id")
    ),
)
IDENTIFIERS = Statement(
    "console_identifiers",
    lambda: (
        select(CustomerIdentifier.customer_id, CustomerIdentifier.type, CustomerIdentifier.value)
        .where(_in_slots(CustomerIdentifier.customer_id))
        .order_by(CustomerIdentifier.customer_id, CustomerIdentifier.id)
    ),
)


def customers_page(db: Db, org_id: int, *, limit: int, offset: int) -> list[Row]:
    """The org's customers in id order (the customers' columns, see `_CUSTOMER_COLUMNS`)."""
    return db.rows(CUSTOMERS_PAGE, org_id=org_id, limit=limit, offset=offset)


def customers_after(db: Db, org_id: int, after: int, *, limit: int) -> list[Row]:
    """Keyset paging: the org's first `limit` customers with ids above `after`, in id order
    (one seek in ix_customers_org_id_id, however deep the page)."""
    return db.rows(CUSTOMERS_AFTER, org_id=org_id, after=after, limit=limit)


def customers_before(db: Db, org_id: int, before: int, *, limit: int) -> list[Row]:
    """The org's last `limit` customers with ids below `before`, highest id first."""
    return db.rows(CUSTOMERS_BEFORE, org_id=org_id, before=before, limit=limit)


def customers_by_identifier(db: Db, org_id: int, value: str) -> list[Row]:
    """The customers holding `value` as any stored identifier (one seek per type)."""
    types = dict(zip(_TYPE_SLOTS, STORED_IDENTIFIER_TYPES, strict=True))
    return db.rows(CUSTOMERS_BY_IDENTIFIER, org_id=org_id, value=value, **types)


def customer(db: Db, org_id: int, customer_id: int) -> Row | None:
    return db.first(ONE_CUSTOMER, org_id=org_id, customer_id=customer_id)


def identifiers_of(db: Db, customer_ids: Sequence[int]) -> list[Row]:
    """(customer_id, type, value) of up to PAGE_SLOTS customers."""
    return db.rows(IDENTIFIERS, **_slot_params(customer_ids))


# --- points --------------------------------------------------------------------------------

BALANCES = Statement(
    "console_balances",
    lambda: (
        select(
            PointBalance.owner_id,
            PointBalance.program_id,
            PointBalance.category,
            PointBalance.points_milli,
        )
        .where(PointBalance.owner_type == bindparam("owner_type"), _in_slots(PointBalance.owner_id))
        .order_by(PointBalance.owner_id, PointBalance.program_id, PointBalance.category)
    ),
)
EVENTS_PAGE = Statement(
    "console_events_page",
    lambda: _page(
        select(
            LedgerEvent.id,
            LedgerEvent.event_name,
            LedgerEvent.created_at,
            LedgerEvent.till_id,
            LedgerEvent.transaction_number,
            LedgerEvent.notes,
        )
        .where(
            LedgerEvent.owner_type == bindparam("owner_type"),
            LedgerEvent.owner_id == bindparam("owner_id"),
        )
        .order_by(LedgerEvent.created_at.desc(), LedgerEvent.id.desc())
    ),
)
ENTRIES = Statement(
    "console_entries",
    lambda: (
        select(
            LedgerEntry.event_id,
            LedgerEntry.program_id,
            LedgerEntry.category,
            LedgerEntry.entry_type,
            LedgerEntry.points_milli,
        )
        .where(_in_slots(LedgerEntry.event_id))
        .order_by(LedgerEntry.event_id, LedgerEntry.id)
    ),
)
LOTS = Statement(
    "console_lots",
    lambda: (
        select(
            PointAward.id,
            PointAward.program_id,
            PointAward.category,
            PointAward.points_milli,
            PointAward.remaining_milli,
            PointAward.awarded_at,
            PointAward.expires_at,
        )
        .where(
            PointAward.owner_type == bindparam("owner_type"),
            PointAward.owner_id == bindparam("owner_id"),
            PointAward.remaining_milli > 0,
        )
        .order_by(PointAward.expires_at.is_(None), PointAward.expires_at, PointAward.id)
        .limit(PAGE_SLOTS)
    ),
)
TRANSFERS = Statement(
    "console_transfers",
    lambda: (
        select(
            PointsTransfer.id,
            PointsTransfer.from_type,
            PointsTransfer.from_id,
            PointsTransfer.to_type,
            PointsTransfer.to_id,
            PointsTransfer.program_id,
            PointsTransfer.points_milli,
            PointsTransfer.notes,
            PointsTransfer.created_at,
        )
        .where(
            or_(
                (PointsTransfer.from_type == bindparam("owner_type"))
                & (PointsTransfer.from_id == bindparam("owner_id")),
                (PointsTransfer.to_type == bindparam("owner_type"))
                & (PointsTransfer.to_id == bindparam("owner_id")),
            )
        )
        .order_by(PointsTransfer.created_at.desc(), PointsTransfer.id.desc())
        .limit(PAGE_SLOTS)
    ),
)


def balances_of(db: Db, owner_type: str, owner_ids: Sequence[int]) -> list[Row]:
    """(owner_id, program_id, category, points_milli) of up to PAGE_SLOTS owners."""
    return db.rows(BALANCES, owner_type=owner_type, **_slot_params(owner_ids))


def events_page(db: Db, owner_type: str, owner_id: int, *, limit: int, offset: int) -> list[Row]:
    """(id, event_name, created_at, till_id, transaction_number, notes), newest first."""
    return db.rows(
        EVENTS_PAGE, owner_type=owner_type, owner_id=owner_id, limit=limit, offset=offset
    )


def entries_of(db: Db, event_ids: Sequence[int]) -> list[Row]:
    """(event_id, program_id, category, entry_type, points_milli) of up to PAGE_SLOTS events."""
    return db.rows(ENTRIES, **_slot_params(event_ids))


def open_lots(db: Db, owner_type: str, owner_id: int) -> list[Row]:
    """Lots with points left, earliest expiry first (as they are spent)."""
    return db.rows(LOTS, owner_type=owner_type, owner_id=owner_id)


def transfers_of(db: Db, owner_type: str, owner_id: int) -> list[Row]:
    """The owner's latest transfers, either way, newest first."""
    return db.rows(TRANSFERS, owner_type=owner_type, owner_id=owner_id)


# --- redemptions ---------------------------------------------------------------------------

REDEMPTIONS = Statement(
    "console_redemptions",
    lambda: (
        select(
            Redemption.id,
            Redemption.code,
            Redemption.program_id,
            Redemption.points_milli,
            Redemption.reversed_milli,
            Redemption.external_reference_number,
            Redemption.redeemed_at,
        )
        .where(
            Redemption.org_id == bindparam("org_id"),
            Redemption.customer_id == bindparam("customer_id"),
        )
        .order_by(Redemption.redeemed_at.desc(), Redemption.id.desc())
        .limit(PAGE_SLOTS)
    ),
)
REVERSALS = Statement(
    "console_reversals",
    lambda: (
        select(
            Reversal.redemption_id,
            Reversal.code,
            Reversal.points_milli,
            Reversal.restored_milli,
            Reversal.expired_milli,
            Reversal.created_at,
        )
        .where(_in_slots(Reversal.redemption_id))
        .order_by(Reversal.redemption_id, Reversal.id)
    ),
)


def redemptions_of(db: Db, org_id: int, customer_id: int) -> list[Row]:
    """(id, code, program_id, points_milli, reversed_milli, external ref, redeemed_at)."""
    return db.rows(REDEMPTIONS, org_id=org_id, customer_id=customer_id)


def reversals_of(db: Db, redemption_ids: Sequence[int]) -> list[Row]:
    """(redemption_id, code, points_milli, restored_milli, expired_milli, created_at)."""
    return db.rows(REVERSALS, **_slot_params(redemption_ids))


# --- groups --------------------------------------------------------------------------------

_members = aliased(UserGroupMember)
GROUPS_PAGE = Statement(
    "console_groups_page",
    lambda: _page(
        select(
            UserGroup.id,
            UserGroup.external_id,
            UserGroup.name,
            UserGroup.status,
            select(func.count())
            .where(_members.group_id == UserGroup.id)
            .correlate(UserGroup)
            .scalar_subquery(),
        )
        .where(UserGroup.org_id == bindparam("org_id"))
        .order_by(UserGroup.id)
    ),
)
GROUPS_OF_CUSTOMER = Statement(
    "console_groups_of_customer",
    lambda: (
        select(UserGroup.id, UserGroup.name, UserGroupMember.primary_member)
        .join(UserGroupMember, UserGroupMember.group_id == UserGroup.id)
        .where(UserGroupMember.customer_id == bindparam("customer_id"))
        .order_by(UserGroup.id)
        .limit(PAGE_SLOTS)
    ),
)
MEMBERS_PAGE = Statement(
    "console_members_page",
    lambda: _page(
        select(
            UserGroupMember.customer_id,
            Customer.first_name,
            Customer.last_name,
            UserGroupMember.primary_member,
            UserGroupMember.active,
            UserGroupMember.allow_points_transfer,
        )
        .join(Customer, Customer.id == UserGroupMember.customer_id)
        .where(UserGroupMember.group_id == bindparam("group_id"))
        .order_by(UserGroupMember.position, UserGroupMember.customer_id)
    ),
)


def groups_page(db: Db, org_id: int, *, limit: int, offset: int) -> list[Row]:
    """(id, external_id, name, status, member count) in id order."""
    return db.rows(GROUPS_PAGE, org_id=org_id, limit=limit, offset=offset)


def groups_of_customer(db: Db, customer_id: int) -> list[Row]:
    """(group id, name, primary_member) of the groups the customer belongs to."""
    return db.rows(GROUPS_OF_CUSTOMER, customer_id=customer_id)


def members_page(db: Db, group_id: int, *, limit: int, offset: int) -> list[Row]:
    """(customer_id, first_name, last_name, primary, active, may transfer), in joining order."""
    return db.rows(MEMBERS_PAGE, group_id=group_id, limit=limit, offset=offset)
