"""The ledger reads: one page of an owner's events with their entries, closing balances, tills.

Each statement is built once per shape (which filters are set, whether a start date is given,
which order) and compiled once per dialect. The queries walk the owner's slice of the ledger
through `ix_ledger_events_owner_created` and `ix_ledger_entries_key`, so a page costs the same
whatever the size of the whole ledger (bench/README.md, "Ledger at scale").

A till filter binds a fixed number of ids (the next power of two, the last id repeated), so a
statement serves every list of up to that many tills and nothing is expanded per call.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, exists, func, null, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Executable

from capillary_emulator.models import LedgerEntry, LedgerEvent, PointBalance, Program, Till
from capillary_emulator.store.sql import Db, Row, Statement, table_of

EVENTS = table_of(LedgerEvent)
ENTRIES = table_of(LedgerEntry)
TILLS = table_of(Till)
PROGRAMS = table_of(Program)
BALANCES = table_of(PointBalance)


class FilterShape(NamedTuple):
    """Which entry filters a request sets: the statements are built once per shape."""

    program: bool
    tills: int
    """0 without a till filter, else how many till ids the statement binds."""
    entry_type: bool
    category: bool


def _till_slots(count: int) -> int:
    slots = 1
    while slots < count:
        slots *= 2
    return slots


@dataclass(frozen=True)
class EntryFilter:
    program_id: int | None
    till_ids: tuple[int, ...] | None
    """Never empty: a filter that names no till is refused before it gets here."""
    entry_type: str | None
    category: str | None

    @property
    def shape(self) -> FilterShape:
        return FilterShape(
            program=self.program_id is not None,
            tills=_till_slots(len(self.till_ids)) if self.till_ids else 0,
            entry_type=self.entry_type is not None,
            category=self.category is not None,
        )

    def params(self, shape: FilterShape) -> dict[str, Any]:
        values: dict[str, Any] = {
            "program_id": self.program_id,
            "entry_type": self.entry_type,
            "category": self.category,
        }
        if self.till_ids:
            padded = self.till_ids + (self.till_ids[-1],) * (shape.tills - len(self.till_ids))
            values.update({f"till_{i}": till_id for i, till_id in enumerate(padded)})
        return {name: value for name, value in values.items() if value is not None}


# --- building -------------------------------------------------------------------------------


def _entry_conditions(shape: FilterShape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if shape.program:
        conditions.append(ENTRIES.c.program_id == bindparam("program_id"))
    if shape.entry_type:
        conditions.append(ENTRIES.c.entry_type == bindparam("entry_type"))
    if shape.category:
        conditions.append(ENTRIES.c.category == bindparam("category"))
    return conditions


def _till_condition(shape: FilterShape) -> ColumnElement[bool]:
    return EVENTS.c.till_id.in_([bindparam(f"till_{i}") for i in range(shape.tills)])


def _event_conditions(shape: FilterShape, *, since: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        EVENTS.c.owner_type == bindparam("owner_type"),
        EVENTS.c.owner_id == bindparam("owner_id"),
        EVENTS.c.created_at <= bindparam("end"),
    ]
    if since:
        conditions.append(EVENTS.c.created_at >= bindparam("start"))
    if shape.tills:
        conditions.append(_till_condition(shape))
    entry_conditions = _entry_conditions(shape)
    if entry_conditions:
        conditions.append(
            exists().where(ENTRIES.c.event_id == EVENTS.c.id, and_(*entry_conditions))
        )
    return conditions


def _page_statement(shape: FilterShape, *, since: bool, descending: bool) -> Executable:
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
            EVENTS.c.transaction_amount_milli,
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


def _closing_balances_statement(shape: FilterShape) -> Executable:
    """A first row (None, None, None, number of matching events), then (programId, category,
    programName, closing milli) for every key the owner has."""
    count = select(null(), null(), null(), func.count()).where(
        *_event_conditions(shape, since=False)
    )
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
        sums = sums.join(EVENTS, EVENTS.c.id == ENTRIES.c.event_id).where(_till_condition(shape))
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
    return union_all(count, keys)


PageKey = tuple[FilterShape, bool, bool]
"""(shape, since a start date, descending)."""
_PAGES: dict[PageKey, Statement] = {}
_CLOSING: dict[FilterShape, Statement] = {}
"""The ledger reads' statements by shape (at most a few dozen; most orgs use a few)."""


def _page(shape: FilterShape, since: bool, descending: bool) -> Statement:
    key = (shape, since, descending)
    found = _PAGES.get(key)
    if found is None:
        found = _PAGES[key] = Statement(
            f"ledger_page{key}",
            lambda: _page_statement(shape, since=since, descending=descending),
        )
    return found


def _closing(shape: FilterShape) -> Statement:
    found = _CLOSING.get(shape)
    if found is None:
        found = _CLOSING[shape] = Statement(
            f"ledger_closing{shape}", lambda: _closing_balances_statement(shape)
        )
    return found


# --- running --------------------------------------------------------------------------------


class PageRow(NamedTuple):
    total: int
    id: int
    event_name: str
    created_at: datetime
    transaction_id: int | None
    transaction_number: str | None
    transaction_amount_milli: int | None
    till_code: str | None
    store_name: str | None
    store_code: str | None
    entry_type: str | None
    """None for an event without (matching) entries."""
    points_milli: int
    category: str
    program_id: int
    program_name: str | None


@dataclass
class PageEvent:
    event: PageRow
    """The event's columns (the first row of its entries)."""
    entries: list[PageRow]


@dataclass(frozen=True)
class LedgerSlice:
    """Whose ledger, up to when and through which filters."""

    owner_type: str
    owner_id: int
    entry_filter: EntryFilter
    end: datetime

    def params(self, shape: FilterShape) -> dict[str, Any]:
        return {
            **self.entry_filter.params(shape),
            "owner_type": self.owner_type,
            "owner_id": self.owner_id,
            "end": self.end,
        }


def event_page(
    db: Db, ledger: LedgerSlice, *, start: datetime | None, page: int, size: int, descending: bool
) -> list[PageEvent]:
    """One page of events (`page` from 0, `size` events a page) with their matching entries."""
    shape = ledger.entry_filter.shape
    params = {**ledger.params(shape), "page_size": size, "skip": page * size}
    if start is not None:
        params["start"] = start
    events: list[PageEvent] = []
    for raw in db.rows(_page(shape, start is not None, descending), **params):
        row = PageRow(*raw)
        if not events or events[-1].event.id != row.id:
            events.append(PageEvent(row, []))
        if row.entry_type is not None:
            events[-1].entries.append(row)
    return events


class ClosingRow(NamedTuple):
    program_id: int
    category: str
    program_name: str | None
    milli: int | None
    """None when no entry matches the filters."""


def closing_balances(db: Db, ledger: LedgerSlice) -> tuple[int, list[ClosingRow]]:
    """(events matching the filters, the closing balance of every (program, category) the
    owner has a balance row in), in one round trip; the rows in no particular order."""
    shape = ledger.entry_filter.shape
    total, rows = 0, []
    for raw in db.rows(_closing(shape), **ledger.params(shape)):
        if raw[0] is None:
            total = int(raw[3])
        else:
            rows.append(ClosingRow(*raw))
    return total, rows


ORG_TILLS = Statement(
    "org_tills",
    lambda: (
        select(TILLS.c.id, TILLS.c.store_code, TILLS.c.store_id)
        .where(TILLS.c.org_id == bindparam("org_id"))
        .order_by(TILLS.c.id)
    ),
)


def org_tills(db: Db, org_id: int) -> list[Row]:
    """(id, store_code, store_id) of every till of the org, by id (a till filter's universe)."""
    return db.rows(ORG_TILLS, org_id=org_id)
