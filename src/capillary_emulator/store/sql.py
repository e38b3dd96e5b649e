"""`Statement`: a Core statement compiled once per dialect; `Db`: runs them on the raw driver.

SQLAlchemy's per-execution work (compilation cache lookups, parameter and result processing,
the ORM's unit of work) costs more than SQLite itself on the emulator's short transactions, so
the hot path keeps only what the driver needs: the SQL string, the order of its parameters
(positional paramstyles), and which result columns want converting back (times, booleans).

Times follow `db.UTCDateTime`: bound as naive UTC (on SQLite as SQLAlchemy's own text format,
so that comparisons and ordering match the rows it wrote), handed out timezone-aware.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from capillary_emulator.db import OBSERVERS, UNIT, Base, Unit, UTCDateTime, notify

Row = tuple[Any, ...]


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model, for statements written against tables."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


Params = Mapping[str, Any]


def naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def sqlite_time(value: datetime) -> str:
    """SQLAlchemy's storage format for DATETIME on SQLite, "%Y-%m-%d %H:%M:%S.%f" (always with
    microseconds), written by `isoformat` (strftime costs ~10 us a call)."""
    return naive_utc(value).isoformat(" ", "microseconds")


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


aware = _aware
"""A time as the driver hands it back (naive UTC, or SQLite's text), made timezone-aware (for
values a statement returns inside JSON, which no column type converts)."""


def _boolean(value: Any) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True)
class Compiled:
    sql: str
    positions: tuple[str, ...] | None
    """Parameter names in order, for a positional paramstyle (sqlite3's qmark); None for named."""
    time_params: frozenset[str]
    fixed: dict[str, Any]
    """Values the statement itself binds (`column == 1`), added to every call's parameters."""
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]
    """(column index, converter) for the result columns that need one."""
    pick: Callable[[Params], tuple[Any, ...]] | None = None
    """The positional parameters out of the named ones (`positions`, in C)."""

    def __post_init__(self) -> None:
        if self.positions is not None:
            object.__setattr__(self, "pick", _picker(self.positions))


def _picker(positions: tuple[str, ...]) -> Callable[[Params], tuple[Any, ...]]:
    if len(positions) > 1:
        return itemgetter(*positions)  # a tuple for two names or more
    names = positions

    def pick(params: Params) -> tuple[Any, ...]:
        return tuple(params[name] for name in names)

    return pick


class Statement:
    """A named Core statement, built lazily and compiled once per dialect.

    `build` returns the statement with `bindparam`s for every value; nothing is expanded per
    call, so the compiled string is the same for every execution.
    """

    def __init__(self, name: str, build: Callable[[], Executable]) -> None:
        self.name = name
        self._build = build
        self._statement: Executable | None = None
        self._compiled: dict[str, Compiled] = {}

    def __repr__(self) -> str:
        return f"Statement({self.name!r})"

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        return found

    def _construct(self, dialect: Dialect) -> Executable:
        if self._statement is None:
            self._statement = self._build()
        return self._statement

    def _compile(self, dialect: Dialect) -> Compiled:
        statement = self._construct(dialect)
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        time_params = frozenset(
            name for name, bind in compiled.binds.items() if isinstance(bind.type, UTCDateTime)
        )
        converters: list[tuple[int, Callable[[Any], Any]]] = []
        columns = getattr(statement, "exported_columns", ())
        for index, column in enumerate(columns):
            if isinstance(column.type, UTCDateTime):
                converters.append((index, _aware))
            elif isinstance(column.type, Boolean) and dialect.name == "sqlite":
                converters.append((index, _boolean))
        positions = tuple(compiled.positiontup) if compiled.positional else None
        fixed = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if bind.value is not None or bind.callable is not None
        }
        return Compiled(compiled.string, positions, time_params, fixed, tuple(converters))


class DialectStatement(Statement):
    """A statement whose construct depends on the dialect (`ON CONFLICT` is a dialect's own
    insert): `build` gets the dialect name."""

    def __init__(self, name: str, build: Callable[[str], Executable]) -> None:
        super().__init__(name, lambda: build(""))
        self._build_for = build
        self._constructs: dict[str, Executable] = {}

    def _construct(self, dialect: Dialect) -> Executable:
        found = self._constructs.get(dialect.name)
        if found is None:
            found = self._constructs[dialect.name] = self._build_for(dialect.name)
        return found


def dialect_insert(dialect: str) -> Any:
    """The dialect's own `insert` (it has ON CONFLICT), imported when a statement is first
    compiled: the Postgres dialect costs a SQLite worker ~30 ms of start-up otherwise."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


_DRIVER = "capemu_driver_connection"
"""`Session.info` key: (transaction, dialect, driver connection) of the session's transaction."""


class Db:
    """The request's DB-API connection: a Capillary request's `db.Unit` (its transaction begun
    here, with the first statement), or the driver connection inside the transaction of an
    ORM session (the control plane's).

    Every call is one round trip. Rows come back as tuples in the statement's column order.
    """

    dialect: Dialect
    is_sqlite: bool
    raw: Any
    _time: Callable[[datetime], Any]
    _unit: Unit | None

    def __init__(self, session: Session, *, begin: bool = True) -> None:
        unit: Unit | None = session.info.get(UNIT)
        self._unit = unit
        if unit is not None:  # a Capillary request's (`db.Unit`)
            if begin and not unit.begun:
                unit.begin()
            self.dialect = unit.dialect
            self.is_sqlite = unit.is_sqlite
            self.raw = unit.raw
            self._time = sqlite_time if unit.is_sqlite else naive_utc
            return
        # `Session.connection()` walks SQLAlchemy's transaction machinery on every call; a
        # request builds a Db in each query function, so the driver connection is remembered
        # for the session's current transaction (a commit or rollback ends it, and the next
        # statement's transaction may run on another pooled connection).
        cached = session.info.get(_DRIVER)
        transaction = session.get_transaction()
        if cached is None or transaction is None or cached[0] is not transaction:
            connection = session.connection()
            cached = (
                session.get_transaction(),
                connection.dialect,
                connection.connection.driver_connection,
            )
            session.info[_DRIVER] = cached
        self.dialect = cached[1]
        self.is_sqlite = self.dialect.name == "sqlite"
        self.raw = cached[2]
        self._time = sqlite_time if self.is_sqlite else naive_utc

    def _params(self, compiled: Compiled, params: Params) -> Any:
        if compiled.fixed:
            params = {**compiled.fixed, **params}
        if compiled.time_params:
            params = dict(params)
            for name in compiled.time_params:
                value = params.get(name)
                if value is not None:
                    params[name] = self._time(value)
        if compiled.pick is not None:
            return compiled.pick(params)
        return params

    def _rows(self, compiled: Compiled, raw_rows: Iterable[Sequence[Any]]) -> list[Row]:
        if not compiled.converters:
            return [tuple(r) for r in raw_rows]
        rows = []
        for raw in raw_rows:
            row = list(raw)
            for index, convert in compiled.converters:
                row[index] = convert(row[index])
            rows.append(tuple(row))
        return rows

    def _run(self, statement: Statement, params: Params) -> tuple[Compiled, Any]:
        compiled = statement.compiled(self.dialect)
        driver_params = self._params(compiled, params)
        if OBSERVERS:
            notify(compiled.sql, driver_params)
        return compiled, self.raw.execute(compiled.sql, driver_params)

    def opening(self, statements: Sequence[Statement]) -> list[Row]:
        """The first statements of a request's transaction (none takes parameters), sent with
        its BEGIN (`db.Unit.begin_with`: one round trip on Postgres); the last one's rows. On a
        `Db` made with `begin=False` over a unit whose transaction has not begun."""
        unit = self._unit
        assert unit is not None and not unit.begun, "not the start of a request's transaction"
        compiled = [statement.compiled(self.dialect) for statement in statements]
        cursor = unit.begin_with([each.sql for each in compiled])
        return self._rows(compiled[-1], cursor.fetchall())

    def rows(self, statement: Statement, **params: Any) -> list[Row]:
        compiled, cursor = self._run(statement, params)
        return self._rows(compiled, cursor.fetchall())

    def first(self, statement: Statement, **params: Any) -> Row | None:
        found = self.rows(statement, **params)
        return found[0] if found else None

    def scalar(self, statement: Statement, **params: Any) -> Any:
        row = self.first(statement, **params)
        return None if row is None else row[0]

    def execute(self, statement: Statement, **params: Any) -> int:
        """A statement without result rows; the number of rows it changed."""
        _compiled, cursor = self._run(statement, params)
        return int(cursor.rowcount)

    def execute_many(self, statement: Statement, rows: Sequence[Params]) -> None:
        """One statement for many parameter sets (`executemany`), no result rows."""
        if not rows:
            return
        compiled = statement.compiled(self.dialect)
        notify(compiled.sql)
        cursor = self.raw.cursor()
        try:
            cursor.executemany(compiled.sql, [self._params(compiled, r) for r in rows])
        finally:
            cursor.close()


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """The block on a savepoint: when it raises, only its own statements are rolled back."""
    if UNIT not in session.info:
        with session.begin_nested():
            yield
        return
    raw = Db(session).raw
    _driver(raw, "SAVEPOINT item")
    try:
        yield
    except BaseException:
        _driver(raw, "ROLLBACK TO SAVEPOINT item")
        _driver(raw, "RELEASE SAVEPOINT item")
        raise
    _driver(raw, "RELEASE SAVEPOINT item")


def _driver(raw: Any, sql: str) -> None:
    notify(sql)
    raw.execute(sql)
