"""The ledger reads' SQL: Core selects on the model tables, and the functions that run them.

Each statement is built once per dialect and shape (which filters are set, which order), with
bind parameters, and runs on the session's connection: a read pays for neither rebuilding the
expression nor the ORM's result machinery. The queries walk the owner's slice of the ledger
through `ix_ledger_events_owner_created` and `ix_ledger_entries_key`, so a page costs the same
whatever the size of the whole ledger (bench/README.md, "Ledger at scale").
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Row, Select, Table, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from capillary_emulator.db import Base
from capillary_emulator.ledger.query import EntryFilter, FilterShape, Paging
from capillary_emulator.models import LedgerEntry, LedgerEvent, PointBalance, Program, Till
from capillary_emulator.points import CATEGORIES
from capillary_emulator.writer.core import Owner


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


EVENTS = _table(LedgerEvent)
ENTRIES = _table(LedgerEntry)
TILLS = _table(Till)
PROGRAMS = _table(Program)
BALANCES = _table(PointBalance)

K = TypeVar("K")
PageKey = tuple[FilterShape, bool, bool]
"""(shape, since a start date, descending)."""


@dataclass
class LedgerStatements:
    """One dialect's statements, each built the first time its shape is asked for (there are
    at most 96, and most orgs only ever use a few)."""

    page: dict[PageKey, Select[Any]] = field(default_factory=dict)
    count: dict[FilterShape, Select[Any]] = field(default_factory=dict)
    closing_balances: dict[FilterShape, Select[Any]] = field(default_factory=dict)


_BUILT: dict[str, LedgerStatements] = {}
"""The only statement cache of the ledger reads, by dialect name."""


def _statements(session: Session) -> LedgerStatements:
    dialect = session.get_bind().dialect.name
    built = _BUILT.get(dialect)
    if built is None:
        built = _BUILT[dialect] = LedgerStatements()
    return built


def _built(cache: dict[K, Select[Any]], key: K, build: Callable[[], Select[Any]]) -> Select[Any]:
    statement = cache.get(key)
    if statement is None:
        statement = cache[key] = build()
    return statement


def _entry_conditions(shape: FilterShape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if shape.program:
        conditions.append(ENTRIES.c.program_id == bindparam("program_id"))
    if shape.entry_type:
        conditions.append(ENTRIES.c.entry_type == bindparam("entry_type"))
    if shape.category:
        conditions.append(ENTRIES.c.category == bindparam("category"))
    return conditions


def _event_conditions(shape: FilterShape, *, since: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        EVENTS.c.owner_type == bindparam("owner_type"),
        EVENTS.c.owner_id == bindparam("owner_id"),
        EVENTS.c.created_at <= bindparam("end"),
    ]
    if since:
        conditions.append(EVENTS.c.created_at >= bindparam("start"))
    if shape.tills:
        conditions.append(EVENTS.c.till_id.in_(bindparam("till_ids", expanding=True)))
    entry_conditions = _entry_conditions(shape)
    if entry_conditions:
        conditions.append(
            exists().where(ENTRIES.c.event_id == EVENTS.c.id, and_(*entry_conditions))
        )
    return conditions


def _page_statement(shape: FilterShape, *, since: bool, descending: bool) -> Select[Any]:
    """One page of events joined with their (matching) entries, one row per entry; every row
    also carries the number of matching events.

    The page is chosen on `ix_ledger_events_owner_created` alone (index-only when no till or
    entry filter is set), and only its events are then read with their till and entries.
    """
    order = (
        (EVENTS.c.created_at.desc(), EVENTS.c.id.desc())
        if descending
        else (EVENTS.c.created_at.asc(), EVENTS.c.id.asc())
    )
    page = (
        select(EVENTS.c.id, EVENTS.c.created_at, func.count().over().label("total"))
        .where(*_event_conditions(shape, since=since))
        .order_by(*order)
        .limit(bindparam("page_size"))
        .offset(bindparam("skip"))
        .subquery("page")
    )
    page_order = (
        (page.c.created_at.desc(), page.c.id.desc())
        if descending
        else (page.c.created_at.asc(), page.c.id.asc())
    )
    return (
        select(
            page.c.total,
            EVENTS.c.id,
            EVENTS.c.event_name,
            EVENTS.c.created_at,
            EVENTS.c.transaction_id,
            EVENTS.c.transaction_number,
            TILLS.c.code.label("till_code"),
            TILLS.c.store_name,
            TILLS.c.store_code,
            ENTRIES.c.entry_type,
            ENTRIES.c.points_milli,
            ENTRIES.c.category,
            ENTRIES.c.program_id,
            PROGRAMS.c.name.label("program_name"),
        )
        .select_from(
            page.join(EVENTS, EVENTS.c.id == page.c.id)
            .outerjoin(TILLS, TILLS.c.id == EVENTS.c.till_id)
            .outerjoin(ENTRIES, and_(ENTRIES.c.event_id == page.c.id, *_entry_conditions(shape)))
            .outerjoin(PROGRAMS, PROGRAMS.c.id == ENTRIES.c.program_id)
        )
        .order_by(*page_order, ENTRIES.c.id)
    )


def _count_statement(shape: FilterShape) -> Select[Any]:
    return select(func.count()).select_from(EVENTS).where(*_event_conditions(shape, since=False))


def _closing_balances_statement(shape: FilterShape) -> Select[Any]:
    """(programId, category, programName, closing milli) for every key the owner has."""
    sums = select(
        ENTRIES.c.program_id,
        ENTRIES.c.category,
        func.sum(ENTRIES.c.points_milli).label("milli"),
    ).where(
        ENTRIES.c.owner_type == bindparam("owner_type"),
        ENTRIES.c.owner_id == bindparam("owner_id"),
        ENTRIES.c.created_at <= bindparam("end"),
        *_entry_conditions(shape),
    )
    if shape.tills:
        sums = sums.join(EVENTS, EVENTS.c.id == ENTRIES.c.event_id).where(
            EVENTS.c.till_id.in_(bindparam("till_ids", expanding=True))
        )
    summed = sums.group_by(ENTRIES.c.program_id, ENTRIES.c.category).subquery()
    keys = (
        select(BALANCES.c.program_id, BALANCES.c.category, PROGRAMS.c.name, summed.c.milli)
        .select_from(
            BALANCES.outerjoin(PROGRAMS, PROGRAMS.c.id == BALANCES.c.program_id).outerjoin(
                summed,
                and_(
                    summed.c.program_id == BALANCES.c.program_id,
                    summed.c.category == BALANCES.c.category,
                ),
            )
        )
        .where(
            BALANCES.c.owner_type == bindparam("owner_type"),
            BALANCES.c.owner_id == bindparam("owner_id"),
        )
    )
    if shape.program:
        keys = keys.where(BALANCES.c.program_id == bindparam("program_id"))
    if shape.category:
        keys = keys.where(BALANCES.c.category == bindparam("category"))
    return keys


# --- running them -----------------------------------------------------------------------------


@dataclass
class PageEvent:
    event: Row[Any]
    """The event's columns (the first row of its entries)."""
    entries: list[Row[Any]]


def _owner_params(owner: Owner, entry_filter: EntryFilter, end: datetime) -> dict[str, Any]:
    return {**entry_filter.params(), "owner_type": owner.type, "owner_id": owner.id, "end": end}


def event_page(
    session: Session,
    owner: Owner,
    entry_filter: EntryFilter,
    start: datetime | None,
    end: datetime,
    paging: Paging,
) -> list[PageEvent]:
    shape, since = entry_filter.shape, start is not None
    statement = _built(
        _statements(session).page,
        (shape, since, paging.descending),
        lambda: _page_statement(shape, since=since, descending=paging.descending),
    )
    params = {
        **_owner_params(owner, entry_filter, end),
        "page_size": paging.size,
        "skip": paging.page * paging.size,
    }
    if start is not None:
        params["start"] = start
    events: list[PageEvent] = []
    for row in session.connection().execute(statement, params):
        if not events or events[-1].event.id != row.id:
            events.append(PageEvent(row, []))
        if row.entry_type is not None:
            events[-1].entries.append(row)
    return events


def count_events(session: Session, owner: Owner, entry_filter: EntryFilter, end: datetime) -> int:
    shape = entry_filter.shape
    statement = _built(_statements(session).count, shape, lambda: _count_statement(shape))
    params = _owner_params(owner, entry_filter, end)
    return int(session.connection().execute(statement, params).scalar_one())


class ClosingRow(NamedTuple):
    program_id: int
    category: str
    program_name: str | None
    milli: int | None
    """None when no entry matches the filters."""


def closing_balances(
    session: Session, owner: Owner, entry_filter: EntryFilter, end: datetime
) -> list[ClosingRow]:
    """Every (program, category) the owner has a balance in, by program then category."""
    shape = entry_filter.shape
    statement = _built(
        _statements(session).closing_balances, shape, lambda: _closing_balances_statement(shape)
    )
    params = _owner_params(owner, entry_filter, end)
    rows = [ClosingRow(*row) for row in session.connection().execute(statement, params)]
    category_rank = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(
        rows,
        key=lambda r: (r.program_id, category_rank.get(r.category, len(CATEGORIES)), r.category),
    )
