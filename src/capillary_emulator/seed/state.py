"""Snapshots of the current state (GET|POST /_emulator/snapshot): every row of the emulator's
tables, or one org's, as a versioned JSON document, and that document written back exactly.

The document holds the tables themselves, so a restore gives back every customer, lot (with
what remains of it and its expiry), balance, ledger event and entry, group, transfer,
redemption, reversal, OTP, bill, till, OAuth client and token, config and per-org clock under
the same ids; a whole-state document adds the global clock. Faults, the journal and the
seeding bookkeeping are not state of the API and stay as they are.

    {"format": "capillary-emulator-snapshot", "version": 1, "schemaRevision": "...",
     "orgId": null | N, "clock": {"offsetMicros": 0, "frozenAt": null} (whole state only),
     "tables": {"customers": {"columns": ["id", ...], "rows": [[...], ...]}, ...}}

Tables come in insert order (parents first), rows by primary key, cells in column order:
integers, strings, booleans, JSON values, times as ISO 8601 in UTC with microseconds; two
exports of the same state are the same bytes. A restore checks every cell against its column
before it deletes anything, writes through the bulk path (a few statements a table) in the
caller's transaction, and raises `SnapshotDocumentError` (nothing written) for a document that
does not fit.
"""

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, String
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from capillary_emulator import caches, clock
from capillary_emulator.db import UTCDateTime
from capillary_emulator.errors import OrgNotFoundError, SnapshotDocumentError
from capillary_emulator.models import Org, RedemptionAllocation, UserGroupMember
from capillary_emulator.store import bulk as store_bulk
from capillary_emulator.store import snapshot as store_snapshot
from capillary_emulator.store.bulk import Encoder, Row, TableRows
from capillary_emulator.store.control import read_state
from capillary_emulator.store.sql import Db
from capillary_emulator.writer import bulk as ledger_bulk

FORMAT = "capillary-emulator-snapshot"
VERSION = 1
_INT64 = 2**63


# -- export ---------------------------------------------------------------------------------


def export_state(
    session: Session, *, schema_revision: str, org_id: int | None = None
) -> dict[str, Any]:
    """The document of the whole state, or of one org (OrgNotFoundError when there is none)."""
    db = Db(session)
    if org_id is not None and not store_bulk.existing_org(session, org_id):
        raise OrgNotFoundError(org_id=org_id)
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "schemaRevision": schema_revision,
        "orgId": org_id,
    }
    if org_id is None:
        state = read_state(db, clock.STATE_ID)
        offset_us, frozen_at = (state[0], state[1]) if state is not None else (0, None)
        document["clock"] = {"offsetMicros": offset_us, "frozenAt": _time_text(frozen_at)}
    tables: dict[str, Any] = {}
    for name in store_snapshot.TABLES:
        columns = store_snapshot.table(name).c
        times = [i for i, c in enumerate(columns) if isinstance(c.type, UTCDateTime)]
        rows = store_snapshot.read_table(db, name, org_id=org_id)
        tables[name] = {
            "columns": [c.name for c in columns],
            "rows": [_exported(row, times) for row in rows],
        }
    document["tables"] = tables
    return document


def _exported(row: Row, times: list[int]) -> list[Any]:
    cells = list(row)
    for i in times:
        cells[i] = _time_text(cells[i])
    return cells


def _time_text(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


# -- restore --------------------------------------------------------------------------------


@dataclass
class Checked:
    org_id: int | None
    clock: tuple[int, datetime | None] | None
    tables: dict[str, TableRows]
    """Every snapshot table (empty where the document has no rows), model values."""


def restore_state(session: Session, document: Any) -> dict[str, Any]:
    """Replace the whole state (or the document's org) with the document's, in the caller's
    transaction; what was written, per table. The caller checks the audit before committing."""
    checked = check_document(document)
    org_id = checked.org_id
    if org_id is None:
        ledger_bulk.delete_rows(session)
        names = [n for n in reversed(store_snapshot.TABLES) if n not in ledger_bulk.TABLE_NAMES]
        store_bulk.delete_tables(session, names, org_id=None)
    else:
        ledger_bulk.delete_rows(session, org_id=org_id)
        names = [n for n in store_bulk.org_tables() if n not in ledger_bulk.TABLE_NAMES]
        store_bulk.delete_tables(session, names, org_id=org_id)
    encoder = Encoder(session.get_bind().dialect)
    ledger: dict[str, tuple[tuple[str, ...], list[Row]]] = {}
    try:
        for name in store_snapshot.TABLES:
            rows = checked.tables[name]
            encoded = encoder.rows(rows)
            if name in ledger_bulk.TABLE_NAMES:
                ledger[name] = (rows.columns, encoded)
            else:
                store_bulk.insert_rows(session, name, rows.columns, encoded)
        ledger_bulk.insert_rows(session, ledger)
    except (sqlite3.DatabaseError, DBAPIError) as exc:
        raise _conflict(exc) from None
    except Exception as exc:  # psycopg's own errors (COPY runs on the driver's cursor)
        if type(exc).__module__.startswith("psycopg"):
            raise _conflict(exc) from None
        raise
    if session.get_bind().dialect.name == "postgresql":
        store_bulk.advance_sequences(session)
    if checked.clock is not None:
        offset_us, frozen_at = checked.clock
        store_snapshot.write_clock(
            Db(session), clock.STATE_ID, offset_us=offset_us, frozen_at=frozen_at
        )
    session.expire_all()
    caches.invalidate(session)  # credentials, configs and clocks were replaced
    return {
        "status": "ok",
        "orgId": org_id,
        "rows": {name: len(checked.tables[name].rows) for name in store_snapshot.TABLES},
    }


def _conflict(exc: BaseException) -> SnapshotDocumentError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return SnapshotDocumentError(
        path="tables", problem=f"the rows do not fit the database ({reason})"
    )


def check_document(document: Any) -> Checked:
    """The document's rows as model values; SnapshotDocumentError naming the first bad part."""
    if not isinstance(document, Mapping):
        raise SnapshotDocumentError(path="(document)", problem="must be a JSON object")
    if document.get("format") != FORMAT:
        raise SnapshotDocumentError(path="format", problem=f'must be "{FORMAT}"')
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise SnapshotDocumentError(
            path="version", problem=f"{version!r} is not supported (this emulator reads {VERSION})"
        )
    org_id = document.get("orgId")
    if org_id is not None and not _is_int(org_id):
        raise SnapshotDocumentError(path="orgId", problem="must be null or an integer")
    restored_clock = None
    if org_id is None:
        restored_clock = _check_clock(document.get("clock"))
    tables = document.get("tables")
    if not isinstance(tables, Mapping):
        raise SnapshotDocumentError(path="tables", problem="must be an object of tables")
    unknown = sorted(set(tables) - set(store_snapshot.TABLES))
    if unknown:
        raise SnapshotDocumentError(
            path=f"tables.{unknown[0]}", problem="not a table of this emulator's snapshots"
        )
    checked = {
        name: _check_table(name, tables.get(name, {"columns": [], "rows": []}))
        for name in store_snapshot.TABLES
    }
    if org_id is not None:
        _check_one_org(org_id, checked)
    return Checked(org_id, restored_clock, checked)


def _check_clock(value: Any) -> tuple[int, datetime | None]:
    if not isinstance(value, Mapping):
        raise SnapshotDocumentError(
            path="clock", problem='a whole-state snapshot needs {"offsetMicros", "frozenAt"}'
        )
    offset: Any = value.get("offsetMicros")
    if not _is_int(offset):
        raise SnapshotDocumentError(path="clock.offsetMicros", problem="must be an integer")
    frozen = value.get("frozenAt")
    return int(offset), None if frozen is None else _parse_time(frozen, "clock.frozenAt")


def _check_table(name: str, value: Any) -> TableRows:
    where = f"tables.{name}"
    if not isinstance(value, Mapping):
        raise SnapshotDocumentError(path=where, problem='must be {"columns": [...], "rows": [...]}')
    target = store_snapshot.table(name)
    columns = value.get("columns")
    rows = value.get("rows")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise SnapshotDocumentError(path=f"{where}.columns", problem="must be a list of names")
    if not isinstance(rows, list):
        raise SnapshotDocumentError(path=f"{where}.rows", problem="must be a list of rows")
    for column in columns:
        if column not in target.c:
            raise SnapshotDocumentError(
                path=f"{where}.columns", problem=f"{column!r} is not a column of {name}"
            )
    if len(set(columns)) != len(columns):
        raise SnapshotDocumentError(path=f"{where}.columns", problem="a column is named twice")
    # Columns the document lacks (a snapshot of an older schema) take their defaults.
    missing: list[tuple[str, Any]] = []
    for column in target.c:
        if column.name in columns:
            continue
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            missing.append((column.name, default.arg))  # type: ignore[attr-defined]
        elif column.nullable and not column.primary_key:
            missing.append((column.name, None))
        elif rows:
            raise SnapshotDocumentError(
                path=f"{where}.columns", problem=f"{column.name!r} is missing"
            )
    width = len(columns)
    for r, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            raise SnapshotDocumentError(
                path=f"{where}.rows.{r}", problem=f"must be a list of {width} cells"
            )
    cells_by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    checked = []
    for column, cells in zip(columns, cells_by_column, strict=True):
        try:
            checked.append(_check_column(target.c[column], cells))
        except _BadCell as bad:
            raise SnapshotDocumentError(
                path=f"{where}.rows.{bad.row}.{column}", problem=bad.problem
            ) from None
    checked.extend([value] * len(rows) for _, value in missing)
    out: list[Row] = list(zip(*checked, strict=True)) if rows else []
    return TableRows(name, (*columns, *(n for n, _ in missing)), out)


class _BadCell(Exception):
    def __init__(self, row: int, problem: str) -> None:
        super().__init__(problem)
        self.row, self.problem = row, problem


def _check_column(column: Column[Any], cells: Sequence[Any]) -> Sequence[Any]:
    """One column's cells as model values: the common case (every cell of the right type)
    checked a column at a time, the first bad cell found cell by cell."""
    kind = column.type
    present = [c for c in cells if c is not None]
    nullable = bool(column.nullable) and not column.primary_key
    if len(present) == len(cells) or nullable:
        types = {type(c) for c in present}
        if isinstance(kind, Integer) and types <= {int}:
            if not present or (min(present) >= -_INT64 and max(present) < _INT64):
                return cells
        elif isinstance(kind, Boolean) and types <= {bool}:
            return cells
        elif isinstance(kind, String) and types <= {str}:
            if kind.length is None or not present or max(map(len, present)) <= kind.length:
                return cells
        elif isinstance(kind, JSON):
            return cells
        elif isinstance(kind, UTCDateTime) and types <= {str}:
            parsed: dict[str, datetime] = {}
            out: list[datetime | None] = []
            for r, cell in enumerate(cells):
                if cell is None:
                    out.append(None)
                    continue
                moment = parsed.get(cell)
                if moment is None:
                    try:
                        moment = parsed[cell] = _parse_time(cell, None)
                    except ValueError as exc:
                        raise _BadCell(r, str(exc)) from None
                out.append(moment)
            return out
    check = _checker(column)
    for r, cell in enumerate(cells):
        try:
            check(cell)
        except ValueError as exc:
            raise _BadCell(r, str(exc)) from None
    raise AssertionError(f"{column}: no bad cell found")  # the fast path refused a good column


def _checker(column: Column[Any]) -> Any:
    kind = column.type
    nullable = bool(column.nullable) and not column.primary_key

    def checked(convert: Any) -> Any:
        def check(cell: Any) -> Any:
            if cell is None:
                if nullable:
                    return None
                raise ValueError("must not be null")
            return convert(cell)

        return check

    if isinstance(kind, UTCDateTime):
        return checked(lambda cell: _parse_time(cell, None))
    if isinstance(kind, Boolean):
        return checked(_boolean)
    if isinstance(kind, Integer):  # BigInteger too
        return checked(_integer)
    if isinstance(kind, String):  # Text too
        return checked(lambda cell: _string(cell, kind.length))
    if isinstance(kind, JSON):
        return checked(lambda cell: cell)
    raise AssertionError(f"{column} has a type snapshots do not know")  # a new model type


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value < _INT64


def _integer(cell: Any) -> int:
    if not _is_int(cell):
        raise ValueError(f"{cell!r} is not a 64-bit integer")
    return int(cell)


def _boolean(cell: Any) -> bool:
    if not isinstance(cell, bool):
        raise ValueError(f"{cell!r} is not true or false")
    return cell


def _string(cell: Any, length: int | None) -> str:
    if not isinstance(cell, str):
        raise ValueError(f"{cell!r} is not a string")
    if length is not None and len(cell) > length:
        raise ValueError(f"longer than {length} characters")
    return cell


def _parse_time(cell: Any, path: str | None) -> datetime:
    try:
        if not isinstance(cell, str):
            raise ValueError
        moment = datetime.fromisoformat(cell)
        if moment.tzinfo is None:
            raise ValueError
    except ValueError:
        problem = f"{cell!r} is not an ISO 8601 time with an offset"
        if path is None:
            raise ValueError(problem) from None
        raise SnapshotDocumentError(path=path, problem=problem) from None
    return moment


def _check_one_org(org_id: int, tables: dict[str, TableRows]) -> None:
    """An org's document holds that org's rows only."""
    orgs = tables[Org.__tablename__]
    ids = [row[orgs.columns.index("id")] for row in orgs.rows]
    if ids != [org_id]:
        raise SnapshotDocumentError(
            path="tables.orgs", problem=f"an org's snapshot holds exactly org {org_id}"
        )
    parents = {
        UserGroupMember.__tablename__: ("group_id", "user_groups"),
        RedemptionAllocation.__tablename__: ("redemption_id", "redemptions"),
    }
    for name, rows in tables.items():
        if name == Org.__tablename__ or not rows.rows:
            continue
        if name in parents:
            column, parent = parents[name]
            parent_rows = tables[parent]
            allowed = {row[parent_rows.columns.index("id")] for row in parent_rows.rows}
        else:
            column = "org_id"
            allowed = {org_id}
        index = rows.columns.index(column)
        for r, row in enumerate(rows.rows):
            if row[index] not in allowed:
                raise SnapshotDocumentError(
                    path=f"tables.{name}.rows.{r}.{column}",
                    problem=f"{row[index]!r} is not of org {org_id}",
                )
