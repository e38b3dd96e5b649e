"""The request journal: the most recent Capillary calls, for tests to assert on what their client
really sent (GET /_emulator/journal).

A request only appends what it saw to this worker's pending queue (the first 8 KiB of its body
and of its answer, never more). Secrets are masked (`redact`) when the calls are stored: on
SQLite (one worker) in this process's memory, when the journal is read (a call that nobody reads
costs its append alone: masking and parsing the answer take longer than some endpoints); on
Postgres by the journal thread, in the shared `emulator_journal` table, so that every worker's
calls are read, counted and cleared together. Both are bounded by entries (CAPEMU_JOURNAL_SIZE)
and by bytes (CAPEMU_JOURNAL_BYTES).
"""

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from capillary_emulator.context import ORG_SCOPE_KEY
from capillary_emulator.emulator import redact
from capillary_emulator.store import journal as journal_store
from capillary_emulator.store.journal import JournalEntry, JournalFilter

BATCH_S = 0.05
"""How long the journal thread (Postgres) lets calls gather before it stores them together."""
WRITER_NAME = "capemu-journal"
"""The `application_name` of a worker's journal connection (Postgres), in pg_stat_activity."""
BODY_LIMIT = 8192
"""Bytes of a request body (and of an answer, for its error codes) the journal keeps."""

log = logging.getLogger("capillary_emulator")

NOT_JOURNALED = ("/_emulator", "/docs", "/redoc", "/openapi.json", "/static-offline-docs")
"""The control plane, the console and the API docs with their assets: not Capillary calls."""


class _Capture:
    """The first BODY_LIMIT bytes of a message stream, and its whole length."""

    __slots__ = ("chunks", "kept", "total")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.kept = 0
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.kept < BODY_LIMIT and chunk:
            piece = chunk[: BODY_LIMIT - self.kept]
            self.chunks.append(piece)
            self.kept += len(piece)

    def data(self) -> bytes:
        return self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)


@dataclass(slots=True)
class Call:
    """A call as the middleware saw it, before masking."""

    started: float
    """time.time() when it arrived."""
    method: str
    path: str
    query: bytes
    body: _Capture
    status: int
    org_id: int | None
    answer: _Capture
    duration_ms: float


def _clean(text: str) -> str:
    """Text any encoder accepts: lone surrogates (from `\\ud800` in JSON, or undecodable path
    bytes) replaced."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def shape(call: Call, worker: int) -> JournalEntry:
    """The entry the journal keeps of a call: secrets masked, the answer's error codes."""
    raw = call.body.data()
    truncated = call.body.total > len(raw)
    body = redact.body_value(raw, truncated=truncated)
    answer = call.answer.data()
    return JournalEntry(
        at=datetime.fromtimestamp(call.started, UTC),
        worker=worker,
        method=call.method,
        path=_clean(call.path),
        query=_clean(redact.mask_query(call.query.decode("latin-1"))),
        body=None if body is None else _clean(json.dumps(body, ensure_ascii=False)),
        body_bytes=call.body.total,
        truncated=truncated,
        status=call.status,
        org_id=call.org_id,
        codes=redact.error_codes(answer, truncated=call.answer.total > len(answer)),
        duration_ms=round(call.duration_ms, 3),
    )


class JournalStore(Protocol):
    def add(self, entries: Sequence[JournalEntry]) -> None: ...
    def select(self, where: JournalFilter, *, limit: int) -> list[JournalEntry]: ...
    def count(self, where: JournalFilter) -> int: ...
    def clear(self) -> None: ...


@dataclass
class MemoryStore:
    """This process's entries, oldest first, within `rows` and `max_bytes`."""

    rows: int
    max_bytes: int
    entries: deque[JournalEntry] = field(default_factory=deque)
    bytes: int = 0
    sequence: int = 0

    def add(self, entries: Sequence[JournalEntry]) -> None:
        for entry in entries:
            self.sequence += 1
            self.entries.append(replace(entry, id=self.sequence))
            self.bytes += entry.size
        while self.entries and (len(self.entries) > self.rows or self.bytes > self.max_bytes):
            self.bytes -= self.entries.popleft().size

    def select(self, where: JournalFilter, *, limit: int) -> list[JournalEntry]:
        return list(islice((e for e in reversed(self.entries) if where.matches(e)), limit))

    def count(self, where: JournalFilter) -> int:
        return sum(1 for e in self.entries if where.matches(e))

    def clear(self) -> None:
        self.entries = deque()
        self.bytes = 0


def _driver(pooled: PoolProxiedConnection) -> Any:
    return pooled.driver_connection


@dataclass
class TableStore:
    """The shared `emulator_journal` table; trimmed to `rows` and `max_bytes` after every
    tenth of either that this worker has written. Entries go in by COPY on a connection the
    store keeps for itself, in autocommit (`journal_store.copy_entries`)."""

    engine: Engine
    rows: int
    max_bytes: int
    _rows_since_trim: int = 0
    _bytes_since_trim: int = 0
    _writer: PoolProxiedConnection | None = None

    def add(self, entries: Sequence[JournalEntry]) -> None:
        try:
            journal_store.copy_entries(_driver(self._connection()), entries)
        except Exception:
            # Most likely the connection was lost while idle (a restarted server, a terminated
            # backend): the batch goes again on a new one. Had it been stored before the answer
            # was lost, it would now be there twice; a second failure loses it.
            self._drop_writer()
            journal_store.copy_entries(_driver(self._connection()), entries)
        self._rows_since_trim += len(entries)
        self._bytes_since_trim += sum(e.size for e in entries)
        if self._rows_since_trim * 10 >= self.rows or self._bytes_since_trim * 10 >= self.max_bytes:
            with self.engine.begin() as connection:
                journal_store.trim(connection, keep_rows=self.rows, keep_bytes=self.max_bytes)
            self._rows_since_trim = self._bytes_since_trim = 0

    def _connection(self) -> PoolProxiedConnection:
        if self._writer is None:
            self._writer = self.engine.raw_connection()
            _driver(self._writer).autocommit = True
            _driver(self._writer).execute(f"SET application_name = '{WRITER_NAME}'")
        return self._writer

    def _drop_writer(self) -> None:
        if self._writer is not None:
            self._writer.invalidate()
            self._writer = None

    def close(self) -> None:
        if self._writer is not None:
            _driver(self._writer).execute("RESET application_name")
            _driver(self._writer).autocommit = False
            self._writer.close()
            self._writer = None

    def select(self, where: JournalFilter, *, limit: int) -> list[JournalEntry]:
        with self.engine.connect() as connection:
            return journal_store.select_entries(connection, where, limit=limit)

    def count(self, where: JournalFilter) -> int:
        with self.engine.connect() as connection:
            return journal_store.count_entries(connection, where)

    def clear(self) -> None:
        with self.engine.begin() as connection:
            journal_store.clear(connection, now=datetime.now(UTC))


class Journal:
    """This worker's side of the journal: the pending calls, and on Postgres the thread that
    stores them.

    Reads, counts and clears first store what this worker still has pending, so a client sees
    its own last call; calls another worker answered show up once that worker's thread has
    written them (within BATCH_S and a write; `wait` covers the gap)."""

    def __init__(self, *, size: int, max_bytes: int) -> None:
        self.enabled = size > 0
        self.rows = max(size, 1)
        self.max_bytes = max_bytes
        self._pending: deque[Call] = deque(maxlen=self.rows)
        self._pending_bytes = 0
        """Bytes captured by the pending calls (counted while no thread stores them)."""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._store: JournalStore = MemoryStore(self.rows, max_bytes)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._worker = os.getpid()

    @property
    def shared(self) -> bool:
        """Whether every worker's calls land in one place (the Postgres table)."""
        return isinstance(self._store, TableStore)

    def start(self, engine: Engine) -> None:
        """Choose the store for the database; for the shared table, start the journal thread
        (this process's memory is filled when the journal is read)."""
        self._worker = os.getpid()
        if engine.dialect.name == "postgresql":
            self._store = TableStore(engine, self.rows, self.max_bytes)
        if self.enabled and self.shared:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="journal", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.flush()
        with self._lock:
            if isinstance(self._store, TableStore):
                self._store.close()

    def record(self, call: Call) -> None:
        """The request path's whole cost: an append (and for the shared table a wake-up).
        Calls waiting for a read are stored once their captures pass the byte bound (the queue
        itself keeps at most `rows` calls)."""
        self._pending.append(call)
        if self._thread is not None:
            self._wake.set()
            return
        self._pending_bytes += call.body.kept + call.answer.kept
        if self._pending_bytes > self.max_bytes:
            self.flush()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait()
            # The calls of the next BATCH_S go in with this one: one transaction for many
            # (a write per call costs a round trip and the GIL on every request).
            time.sleep(BATCH_S)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the database is away: these entries are lost, requests are not
                log.warning("request journal: could not store entries", exc_info=True)
                time.sleep(1)

    def flush(self) -> None:
        with self._lock:
            calls: list[Call] = []
            while self._pending:
                calls.append(self._pending.popleft())
            self._pending_bytes = 0
            if calls:
                self._store.add([shape(c, self._worker) for c in calls])

    def entries(self, where: JournalFilter, *, limit: int) -> list[JournalEntry]:
        """Newest first."""
        self.flush()
        with self._lock:
            return self._store.select(where, limit=limit)

    def count(self, where: JournalFilter) -> int:
        self.flush()
        with self._lock:
            return self._store.count(where)

    def clear(self) -> None:
        """Every worker's entries (on Postgres, the shared table)."""
        with self._lock:
            self._pending.clear()
            self._pending_bytes = 0
            self._store.clear()


class RequestJournalMiddleware:
    """Records method, path, query, body, status, org, error codes and duration of every
    Capillary call (the control plane is not journaled)."""

    def __init__(self, app: ASGIApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        journal = self.journal
        if (
            not journal.enabled
            or scope["type"] != "http"
            or scope["path"].startswith(NOT_JOURNALED)
        ):
            await self.app(scope, receive, send)
            return
        started = time.time()
        clock = time.perf_counter()
        body = _Capture()
        answer = _Capture()
        status = 0
        recorded = False

        def record() -> None:
            nonlocal recorded
            recorded = True
            journal.record(
                Call(
                    started=started,
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b""),
                    body=body,
                    status=status,
                    org_id=scope.get(ORG_SCOPE_KEY),
                    answer=answer,
                    duration_ms=(time.perf_counter() - clock) * 1000,
                )
            )

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.add(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                answer.add(message.get("body", b""))
                if not message.get("more_body", False):
                    # Before the last bytes leave: the journal thread stores the call while the
                    # client is still reading the answer.
                    record()
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        except BaseException:
            status = status or 500  # rendered by the server error handler outside this one
            raise
        finally:
            if not recorded:
                record()
