"""Engine, sessions and column types shared by every table."""

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.types import TypeDecorator

log = logging.getLogger("capillary_emulator")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no time zones); always handed out timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL on SQLite hands strings back
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


StatementObserver = Callable[[str, Any], None]
OBSERVERS: list[StatementObserver] = []
"""Called with the SQL and the driver parameters (None for `executemany`) of every statement the
data-access layer (`store.sql`) runs, and of SQLite's BEGIN: the bench counts and explains them
with it (driver-level calls never reach SQLAlchemy's `before_cursor_execute`). Empty in normal
use."""


def notify(sql: str, params: Any = None) -> None:
    for observe in OBSERVERS:
        observe(sql, params)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, background_checkpoints: bool = False) -> Engine:
    """`background_checkpoints` (SQLite, the serving app's engine): no connection checkpoints
    the WAL on its own; a `Checkpointer` thread does."""
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )
        _serialise_sqlite_writers(engine, autocheckpoint=0 if background_checkpoints else 10000)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=False)


def _serialise_sqlite_writers(engine: Engine, *, autocheckpoint: int) -> None:
    # pysqlite's own BEGIN is deferred, so two transactions could both read a balance and
    # then both write it. BEGIN IMMEDIATE takes the write lock up front, which serialises
    # every transaction across threads and processes; WAL keeps that cheap. Read-only
    # requests begin deferred instead (`begin_read_only`).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        deferred = connection.get_execution_options().get(SQLITE_BEGIN) == DEFERRED
        begin = "BEGIN" if deferred else "BEGIN IMMEDIATE"
        # On the driver itself: `exec_driver_sql` costs more Python than the BEGIN.
        notify(begin)
        connection.connection.driver_connection.execute(begin)


class Checkpointer:
    """Copies SQLite's write-ahead log back into the database file from a thread of its own,
    every `interval` seconds, so that no request pays for it.

    Otherwise the commit that fills the log past `wal_autocheckpoint` pages copies them all
    and syncs the file inside the request (tens of milliseconds every few hundred transfers:
    the whole tail of the latency). A PASSIVE checkpoint waits for no one and blocks no one:
    it copies what no reader still needs, and the next writer starts the log over once all of
    it was copied. The driver releases the GIL meanwhile.
    """

    def __init__(self, engine: Engine, *, interval: float = 0.1) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        pooled = self.engine.raw_connection()
        try:
            raw: Any = pooled.driver_connection
            while not self._stop.wait(self.interval):
                try:
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except Exception:  # the file is away or locked for long: try again later
                    log.warning("WAL checkpoint failed", exc_info=True)
                    self._stop.wait(1)
        finally:
            pooled.close()


SQLITE_BEGIN = "capemu_sqlite_begin"
"""A session execution option: how the session's transactions begin on SQLite."""
DEFERRED = "deferred"
READ_ONLY = "capemu_read_only"
"""A session execution option: the session is a read-only request's (`begin_read_only`)."""


class WriteLockNeeded(Exception):
    """A read-only request found it must write after all (points due to expire).

    Its SQLite transaction is a deferred one: a WAL snapshot taken at its first read, without
    the write lock. Upgrading it in place fails (SQLITE_BUSY_SNAPSHOT) once another writer has
    committed since, so nothing is written in it: the request is served again, from its first
    statement, in a transaction that begins IMMEDIATE (`restart_with_write_lock`). On Postgres
    the read ran in autocommit, and is served again in a transaction.
    """


def begin_read_only(session: Session) -> None:
    """Before its first statement: the session only reads, until `restart_with_write_lock`.

    SQLite: its transaction begins deferred (a WAL snapshot), so it neither waits for nor blocks
    the writers. Postgres: it runs in autocommit, which saves the BEGIN and COMMIT round trips
    and sees exactly what a READ COMMITTED transaction would (a snapshot per statement).
    """
    if session.get_bind().dialect.name == "sqlite":
        mode: dict[str, Any] = {READ_ONLY: True, SQLITE_BEGIN: DEFERRED}
    else:
        mode = {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}
    session.execution_options = session.execution_options.union(mode)


def require_write_lock(session: Session) -> None:
    """Called before a read-only request's first write: raises `WriteLockNeeded` while the
    session (or its `Unit`) is in its read-only mode."""
    unit = session.info.get(UNIT)
    if unit.read_only if unit is not None else session.execution_options.get(READ_ONLY):
        raise WriteLockNeeded()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


UNIT = "capemu_unit"
"""`Session.info` key: the `Unit` a Capillary request's session carries."""
unit_sessions = sessionmaker(expire_on_commit=False, autoflush=False)
"""Sessions bound to no engine: a `Unit`'s carrier. Any ORM use of one fails at once (an ORM
statement would run on a second pooled connection, outside the request's transaction; on SQLite
it would wait for the write lock the request itself holds)."""


class Unit:
    """A Capillary request's unit of work: one pooled DB-API connection, its transaction begun
    and ended on the driver (SQLAlchemy's Session and Connection machinery cost more than the
    short transactions themselves). `store.sql.Db` runs every statement on `raw`.

    The transaction begins with the first statement (`begin`, called by `Db`, or `begin_with`
    the request's first statements); it is ended by `commit` or `rollback`, after which the
    next statement begins a new one. SQLite: BEGIN IMMEDIATE (the write lock, which serialises
    writers across processes), or a deferred BEGIN (a WAL snapshot) for a read-only request.
    Postgres: the driver connection is in autocommit while the unit holds it and the unit sends
    BEGIN itself, so that it can go in one round trip with the first statements (psycopg's own
    BEGIN is a round trip of its own); a read-only request sends none (see `begin_read_only`).
    """

    __slots__ = ("_pooled", "begun", "dialect", "is_sqlite", "raw", "read_only")
    raw: Any

    def __init__(self, engine: Engine, *, read_only: bool) -> None:
        self.dialect: Dialect = engine.dialect
        self.is_sqlite = self.dialect.name == "sqlite"
        self.read_only = read_only
        self.begun = False
        self._pooled: PoolProxiedConnection | None = engine.raw_connection()
        self.raw = self._pooled.driver_connection
        if not self.is_sqlite:
            self.raw.autocommit = True

    def _begin_sql(self) -> str:
        if self.is_sqlite:
            return "BEGIN" if self.read_only else "BEGIN IMMEDIATE"
        return "" if self.read_only else "BEGIN"

    def begin(self) -> None:
        sql = self._begin_sql()
        if sql:
            notify(sql)
            self.raw.execute(sql)
        self.begun = True

    def begin_with(self, statements: Sequence[str]) -> Any:
        """Begin with the transaction's first statements (SQL without parameters); the driver
        cursor on the last one's rows. On Postgres they go with the BEGIN as one simple query:
        one round trip, the statements run in order, each on its own snapshot (READ
        COMMITTED), so one after a lock sees what committed before the lock was granted."""
        if self.is_sqlite:
            self.begin()
            for sql in statements:
                notify(sql)
                cursor = self.raw.execute(sql)
            return cursor
        self.begun = True  # from here a failure is rolled back
        begin = self._begin_sql()
        script = "; ".join([begin, *statements] if begin else statements)
        notify(script)
        cursor = self.raw.execute(script)
        while cursor.nextset():
            pass
        return cursor

    def commit(self) -> None:
        if self.begun:
            self.begun = False
            self.raw.commit()

    def rollback(self) -> None:
        if self.begun:
            self.begun = False
            self.raw.rollback()

    def restart_with_write_lock(self) -> None:
        """End the read (nothing was written); the next statement begins an ordinary
        transaction."""
        self.rollback()
        self.read_only = False

    def close(self) -> None:
        """Roll back what was not committed and hand the connection back to the pool (a
        connection that fails to roll back is discarded). Closing again does nothing."""
        pooled = self._pooled
        if pooled is None:
            return
        self._pooled = None
        try:
            self.rollback()
            if not self.is_sqlite:
                self.raw.autocommit = False  # as the pool's other users expect it
        except Exception:
            pooled.invalidate()
            raise
        finally:
            pooled.close()


def unit_session(unit: Unit) -> Session:
    """A session carrying `unit` (the type every service and query function takes)."""
    session = unit_sessions()
    session.info[UNIT] = unit
    return session


def unit_of(session: Session) -> Unit:
    """The unit a Capillary request's session carries."""
    found: Unit | None = session.info.get(UNIT)
    assert found is not None, "not a Capillary request's session"
    return found


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits when the block ends cleanly, rolls back otherwise."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
