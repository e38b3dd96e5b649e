"""Whole tables in and out in a few statements: seeding, clearing and restoring a seed.

Rows are tuples in the column order their `TableRows` names, with model values (aware times,
JSON as Python values) until `Encoder` turns them into what the driver takes, the way
SQLAlchemy would bind them; `insert_rows` sends a table in a few multi-row INSERTs (one COPY on
Postgres) on the DB-API connection of the session's transaction. Ids of autoincrement
tables are handed out in bulk by `reserve_ids` rather than one INSERT at a time.
"""

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import JSON, Integer, Table, bindparam, delete, func, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from capillary_emulator.db import Base, UTCDateTime
from capillary_emulator.models import (
    Customer,
    CustomerIdentifier,
    EmulatorState,
    Org,
    Program,
    Redemption,
    RedemptionAllocation,
    Till,
    UserGroup,
    UserGroupMember,
)
from capillary_emulator.store.sql import Db, Statement, naive_utc, notify, sqlite_time

Row = tuple[Any, ...]
_CHUNK = 500
"""Values per IN list when looking for existing keys (SQLite's old limit is 999 parameters)."""


@dataclass
class TableRows:
    """Rows of one table, as tuples of `columns`."""

    table: str
    columns: tuple[str, ...]
    rows: list[Row]


def table(name: str) -> Table:
    return Base.metadata.tables[name]


# -- inserting ------------------------------------------------------------------------------


class Encoder:
    """Model values as the driver takes them, as SQLAlchemy would bind them: aware times as
    its text on SQLite and naive UTC elsewhere (each distinct time converted once), JSON as
    text."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._sqlite = dialect.name == "sqlite"
        self._times: dict[datetime, Any] = {}

    def time(self, value: datetime) -> Any:
        found = self._times.get(value)
        if found is None:
            found = self._times[value] = sqlite_time(value) if self._sqlite else naive_utc(value)
        return found

    def rows(self, rows: TableRows) -> list[Row]:
        target = table(rows.table)
        functions: list[tuple[int, Callable[[Any], Any]]] = []
        for index, column in enumerate(rows.columns):
            kind = target.c[column].type
            if isinstance(kind, UTCDateTime):
                functions.append((index, self.time))
            elif isinstance(kind, JSON):
                functions.append((index, json.dumps))
        if not functions:
            return rows.rows
        out = []
        for row in rows.rows:
            cells = list(row)
            for index, function in functions:
                if cells[index] is not None:
                    cells[index] = function(cells[index])
            out.append(tuple(cells))
        return out


_SQLITE_ROWS_PER_INSERT = 200
"""Rows per multi-row INSERT on SQLite: a third less work per row than one row per
statement (fewer statement steps and resets)."""

_INSERTS: dict[tuple[str, str, tuple[str, ...], int], str] = {}


def _insert_sql(dialect: Dialect, name: str, columns: tuple[str, ...], rows: int) -> str:
    """INSERT of `rows` rows of `columns` on SQLite; COPY on Postgres (several times faster
    than INSERTs, even pipelined)."""
    key = (dialect.name, name, columns, rows)
    found = _INSERTS.get(key)
    if found is None:
        quote = dialect.identifier_preparer.quote
        if dialect.name == "postgresql":
            found = f"COPY {quote(name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        else:
            statement = insert(table(name)).values({c: bindparam(c) for c in columns})
            compiled = statement.compile(dialect=dialect)
            assert tuple(compiled.positiontup or ()) == columns, name
            head, values = compiled.string.split(" VALUES ")
            found = head + " VALUES " + ", ".join([values] * rows)
        _INSERTS[key] = found
    return found


def insert_rows(session: Session, name: str, columns: tuple[str, ...], rows: list[Row]) -> None:
    """Insert rows of driver values (`Encoder.rows`), ids included: a few multi-row INSERTs
    on SQLite, one COPY on Postgres."""
    if not rows:
        return
    db = Db(session)
    cursor = db.raw.cursor()
    try:
        if db.is_sqlite:
            _insert_sqlite(db.dialect, cursor, name, columns, rows)
        else:
            sql = _insert_sql(db.dialect, name, columns, 0)
            notify(sql)
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
    finally:
        cursor.close()


def _insert_sqlite(
    dialect: Dialect, cursor: Any, name: str, columns: tuple[str, ...], rows: list[Row]
) -> None:
    limit = cursor.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(_SQLITE_ROWS_PER_INSERT, limit // len(columns)))
    whole = len(rows) - len(rows) % per
    if whole:
        sql = _insert_sql(dialect, name, columns, per)
        notify(sql)
        flat = chain.from_iterable
        cursor.executemany(sql, (list(flat(rows[i : i + per])) for i in range(0, whole, per)))
    if whole < len(rows):
        sql = _insert_sql(dialect, name, columns, len(rows) - whole)
        notify(sql)
        cursor.execute(sql, list(chain.from_iterable(rows[whole:])))


# -- ids ------------------------------------------------------------------------------------


def reserve_ids(session: Session, name: str, count: int, *, restart: bool) -> Sequence[int]:
    """Ids for `count` new rows: `ids[n]` is the id of the n-th (from 1; `ids[0]` unused).

    On SQLite the transaction holds the write lock, so the ids after the highest are free; on
    Postgres they come from the table's sequence, unless `restart` (the table is empty and
    `advance_sequences` runs afterwards): then they are 1..count, as a fresh database gives.
    """
    db = Db(session)
    if restart and not db.is_sqlite:
        return range(count + 1)
    if db.is_sqlite:
        base = db.scalar(_max_id(name)) or 0
        return range(base, base + count + 1)
    if count == 0:
        return [0]
    return [0, *(row[0] for row in db.rows(_next_ids(name), count=count))]


_MAX_IDS: dict[str, Statement] = {}
_NEXT_IDS: dict[str, Statement] = {}


def _max_id(name: str) -> Statement:
    if name not in _MAX_IDS:
        _MAX_IDS[name] = Statement(f"max_id_{name}", lambda: select(func.max(table(name).c.id)))
    return _MAX_IDS[name]


def _next_ids(name: str) -> Statement:
    if name not in _NEXT_IDS:
        series = func.generate_series(1, bindparam("count", type_=Integer)).alias("n")
        nextval = func.nextval(func.pg_get_serial_sequence(name, "id"))
        _NEXT_IDS[name] = Statement(f"next_ids_{name}", lambda: select(nextval).select_from(series))
    return _NEXT_IDS[name]


MAX_CUSTOMER_ID = Statement("max_customer_id", lambda: select(func.max(Customer.id)))


def max_customer_id(session: Session) -> int:
    return int(Db(session).scalar(MAX_CUSTOMER_ID) or 0)


@dataclass(frozen=True)
class HighestIds:
    """The highest ids the database holds (0 for an empty table), for a new org's ids."""

    org: int
    till: int
    program: int
    group: int


HIGHEST_IDS = Statement(
    "highest_ids",
    lambda: select(
        *(
            select(func.coalesce(func.max(model.id), 0)).scalar_subquery()
            for model in (Org, Till, Program, UserGroup)
        )
    ),
)


def highest_ids(session: Session) -> HighestIds:
    row = Db(session).first(HIGHEST_IDS)
    assert row is not None
    return HighestIds(*(int(v) for v in row))


ORG_EXISTS = Statement("org_exists", lambda: select(Org.id).where(Org.id == bindparam("org_id")))


def existing_org(session: Session, org_id: int) -> bool:
    return Db(session).first(ORG_EXISTS, org_id=org_id) is not None


def existing(session: Session, column: Any, values: Sequence[Any]) -> list[Any]:
    """Those of `values` that `column` already holds."""
    found: list[Any] = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        found.extend(session.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def advance_sequences(session: Session) -> None:
    """Postgres: move every sequence past its table's highest id (rows were inserted with
    explicit ids, which sequences do not see), in one statement."""
    calls = []
    for t in Base.metadata.sorted_tables:
        pk = list(t.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement is not False and isinstance(pk[0].type, Integer):
            column = pk[0].name
            calls.append(
                f"setval(pg_get_serial_sequence('{t.name}', '{column}'), "
                f"(SELECT COALESCE(MAX({column}), 0) + 1 FROM {t.name}), false)"
            )
    session.execute(text("SELECT " + ", ".join(calls)))


def analyze(session: Session) -> None:
    """Postgres: fresh planner statistics after a large load."""
    session.execute(text("ANALYZE"))


# -- deleting -------------------------------------------------------------------------------

_DELETES: dict[tuple[str, bool], Statement] = {}


def _delete(name: str, by_org: bool) -> Statement:
    key = (name, by_org)
    if key not in _DELETES:
        _DELETES[key] = Statement(f"delete_{name}", lambda: _delete_statement(name, by_org))
    return _DELETES[key]


def _delete_statement(name: str, by_org: bool) -> Any:
    t = table(name)
    if not by_org:
        return t.delete()
    org: Any = bindparam("org_id")
    if name == UserGroupMember.__tablename__:
        groups = select(UserGroup.id).where(UserGroup.org_id == org).scalar_subquery()
        return delete(UserGroupMember).where(UserGroupMember.group_id.in_(groups))
    if name == RedemptionAllocation.__tablename__:
        redemptions = select(Redemption.id).where(Redemption.org_id == org).scalar_subquery()
        return delete(RedemptionAllocation).where(
            RedemptionAllocation.redemption_id.in_(redemptions)
        )
    if name == CustomerIdentifier.__tablename__:
        customers = select(Customer.id).where(Customer.org_id == org).scalar_subquery()
        return delete(CustomerIdentifier).where(
            (CustomerIdentifier.customer_id.in_(customers)) | (CustomerIdentifier.org_id == org)
        )
    if name == "orgs":
        return t.delete().where(t.c.id == org)
    return t.delete().where(t.c.org_id == org)


def org_tables() -> list[str]:
    """The tables that hold an org's rows, children before parents (the emulator's own state
    and faults belong to no org)."""
    return [
        t.name
        for t in reversed(Base.metadata.sorted_tables)
        if "org_id" in t.c
        or t.name in ("orgs", UserGroupMember.__tablename__, RedemptionAllocation.__tablename__)
    ]


def delete_tables(session: Session, names: Iterable[str], *, org_id: int | None) -> None:
    """Empty the tables (in the order given), or remove one org's rows from them."""
    db = Db(session)
    for name in names:
        if name == EmulatorState.__tablename__:
            continue
        if org_id is None:
            db.execute(_delete(name, False))
        else:
            db.execute(_delete(name, True), org_id=org_id)
