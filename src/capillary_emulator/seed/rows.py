"""Planned rows on their way into the database: the orgs merged table by table and encoded for
the dialect once (`prepare`); then, at each write, given the ids reserved for them and moved to
the load time (`write`).

A snapshot keeps its prepared rows, so a reset re-encodes only the time cells that move with
the load time, and maps ids only when they are not the ones prepared.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from capillary_emulator.db import Base
from capillary_emulator.seed.plan import LOCAL_IDS, OrgRows, Progress
from capillary_emulator.store import bulk as store_bulk
from capillary_emulator.store.bulk import Encoder, Row, TableRows
from capillary_emulator.writer import bulk as ledger_bulk

INSERT_ORDER = [t.name for t in Base.metadata.sorted_tables]
"""Parents before children (the ledger's tables come after the others they name)."""

Moved = dict[str, list[tuple[int, ...]]]
"""Per table and row, the indexes of the time cells that move with the load time."""


@dataclass
class PreparedTable:
    table: str
    columns: tuple[str, ...]
    encoded: list[Row]
    """Driver values, times as planned."""
    moving: dict[int, tuple[tuple[int, datetime], ...]]
    """Row index -> (cell, planned time) of its cells that move with the load time."""
    local_ids: tuple[tuple[int, str], ...]
    """(cell, table) of the cells holding prepared ids of an autoincrement table."""


@dataclass
class Prepared:
    tables: list[PreparedTable]
    """In insert order."""
    counts: dict[str, int]
    """Rows of each autoincrement table; its prepared ids are 1..count."""


def prepare(
    plans: Sequence[OrgRows], dialect: Dialect, moved: Sequence[Moved] | None = None
) -> Prepared:
    """The orgs' rows merged per table (the ids of each org after those of the ones before),
    encoded for `dialect`."""
    counts: dict[str, int] = {}
    merged: dict[str, TableRows] = {}
    moving: dict[str, dict[int, tuple[tuple[int, datetime], ...]]] = {}
    for p, plan in enumerate(plans):
        offsets = {name: range(count, count + 1_000_000_000) for name, count in counts.items()}
        for rows in plan.tables:
            target = merged.setdefault(rows.table, TableRows(rows.table, rows.columns, []))
            cells = moved[p].get(rows.table) if moved else None
            if cells:
                found = moving.setdefault(rows.table, {})
                for i, (row, indexes) in enumerate(zip(rows.rows, cells, strict=True)):
                    if indexes:
                        found[len(target.rows) + i] = tuple((c, row[c]) for c in indexes)
            target.rows.extend(_mapped(rows.rows, _id_cells(rows), offsets))
        for rows in plan.tables:
            if rows.table in LOCAL_IDS:
                counts[rows.table] = counts.get(rows.table, 0) + len(rows.rows)
    encoder = Encoder(dialect)
    tables = [
        PreparedTable(
            name,
            merged[name].columns,
            encoder.rows(merged[name]),
            moving.get(name, {}),
            _id_cells(merged[name]),
        )
        for name in INSERT_ORDER
        if name in merged and merged[name].rows
    ]
    return Prepared(tables, counts)


def _id_cells(rows: TableRows) -> tuple[tuple[int, str], ...]:
    references = LOCAL_IDS.get(rows.table, {})
    return tuple((rows.columns.index(column), target) for column, target in references.items())


def _mapped(
    rows: list[Row], cells: tuple[tuple[int, str], ...], ids: Mapping[str, Sequence[int]]
) -> list[Row]:
    """The rows with the ids in `cells` replaced by `ids[table][id]`; as they are where that
    changes nothing."""
    mapped = [(c, ids[name]) for c, name in cells if name in ids and not _is_identity(ids[name])]
    if not mapped:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for index, real in mapped:
            if values[index] is not None:
                values[index] = real[values[index]]
        out.append(tuple(values))
    return out


def _is_identity(ids: Sequence[int]) -> bool:
    return isinstance(ids, range) and ids.start == 0 and ids.step == 1


def write(
    session: Session,
    prepared: Prepared,
    *,
    restart: bool,
    shift: timedelta = timedelta(0),
    progress: Progress | None = None,
) -> None:
    """Insert the prepared rows, every table in one go, under ids reserved for them now, with
    their moving times `shift` later than planned.

    `restart`: the database is empty, so ids restart at 1 (on Postgres the sequences are moved
    past them afterwards).
    """
    ids = {
        name: store_bulk.reserve_ids(session, name, count, restart=restart)
        for name, count in prepared.counts.items()
    }
    encoder = Encoder(session.get_bind().dialect)
    ledger: dict[str, tuple[tuple[str, ...], list[Row]]] = {}
    total, done = sum(len(t.encoded) for t in prepared.tables), 0
    for table in prepared.tables:
        if progress is not None:
            progress("writing", done, total)
            done += len(table.encoded)
        rows = _mapped(table.encoded, table.local_ids, ids)
        if table.moving and shift:
            rows = _shifted(rows, table.moving, shift, encoder)
        if table.table in ledger_bulk.TABLE_NAMES:
            ledger[table.table] = (table.columns, rows)
        else:
            store_bulk.insert_rows(session, table.table, table.columns, rows)
    ledger_bulk.insert_rows(session, ledger)
    if progress is not None:
        progress("writing", total, total)
    if restart and session.get_bind().dialect.name == "postgresql":
        store_bulk.advance_sequences(session)


def _shifted(
    rows: list[Row],
    moving: dict[int, tuple[tuple[int, datetime], ...]],
    shift: timedelta,
    encoder: Encoder,
) -> list[Row]:
    out = list(rows)
    later: dict[datetime, Any] = {}
    for index, cells in moving.items():
        values = list(out[index])
        for cell, planned in cells:
            found = later.get(planned)
            if found is None:
                found = later[planned] = encoder.time(planned + shift)
            values[cell] = found
        out[index] = tuple(values)
    return out
