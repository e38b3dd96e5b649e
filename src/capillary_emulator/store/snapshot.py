"""Reading whole tables (or one org's rows of them) for a state snapshot, and the global clock
it restores. Writing goes through `store.bulk` (inserts, deletes) like a seed."""

import json
from typing import Any

from sqlalchemy import JSON, Table, bindparam, select, update

from capillary_emulator.db import Base
from capillary_emulator.models import (
    Customer,
    CustomerIdentifier,
    EmulatorFault,
    EmulatorState,
    Redemption,
    RedemptionAllocation,
    UserGroup,
    UserGroupMember,
)
from capillary_emulator.store.sql import Db, Row, Statement

TABLES: tuple[str, ...] = tuple(
    t.name
    for t in Base.metadata.sorted_tables
    if t.name not in (EmulatorState.__tablename__, EmulatorFault.__tablename__)
)
"""The tables a snapshot holds, parents before children: everything but the emulator's own
state row (whose clock the snapshot carries apart) and the injected faults."""


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def _select_statement(name: str, by_org: bool) -> Any:
    t = table(name)
    statement = select(*t.c).order_by(*t.primary_key.columns)
    if not by_org:
        return statement
    org: Any = bindparam("org_id")
    if name == UserGroupMember.__tablename__:
        groups = select(UserGroup.id).where(UserGroup.org_id == org).scalar_subquery()
        return statement.where(t.c.group_id.in_(groups))
    if name == RedemptionAllocation.__tablename__:
        redemptions = select(Redemption.id).where(Redemption.org_id == org).scalar_subquery()
        return statement.where(t.c.redemption_id.in_(redemptions))
    if name == CustomerIdentifier.__tablename__:
        customers = select(Customer.id).where(Customer.org_id == org).scalar_subquery()
        return statement.where(t.c.customer_id.in_(customers) | (t.c.org_id == org))
    if name == "orgs":
        return statement.where(t.c.id == org)
    return statement.where(t.c.org_id == org)


_SELECTS: dict[tuple[str, bool], Statement] = {}


def _select(name: str, by_org: bool) -> Statement:
    key = (name, by_org)
    if key not in _SELECTS:
        _SELECTS[key] = Statement(
            f"snapshot_{name}{'_of_org' if by_org else ''}",
            lambda: _select_statement(name, by_org),
        )
    return _SELECTS[key]


def read_table(db: Db, name: str, *, org_id: int | None) -> list[Row]:
    """Every row of the table (or the org's), all columns in table order, by primary key;
    times aware, booleans as bool, JSON as Python values."""
    if org_id is None:
        rows = db.rows(_select(name, False))
    else:
        rows = db.rows(_select(name, True), org_id=org_id)
    t = table(name)
    json_cells = [i for i, c in enumerate(t.c) if isinstance(c.type, JSON)]
    if json_cells and db.is_sqlite:  # the driver hands SQLite's JSON back as text
        out = []
        for row in rows:
            cells = list(row)
            for i in json_cells:
                if isinstance(cells[i], str):
                    cells[i] = json.loads(cells[i])
            out.append(tuple(cells))
        rows = out
    return rows


WRITE_CLOCK = Statement(
    "restore_global_clock",
    lambda: (
        update(EmulatorState)
        .where(EmulatorState.id == bindparam("state_id"))
        .values(clock_offset_us=bindparam("offset_us"), frozen_at=bindparam("frozen_at"))
    ),
)


def write_clock(db: Db, state_id: int, *, offset_us: int, frozen_at: Any) -> None:
    db.execute(WRITE_CLOCK, state_id=state_id, offset_us=offset_us, frozen_at=frozen_at)
