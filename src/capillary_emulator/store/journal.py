"""The shared request journal (`emulator_journal`, Postgres): entries written in batches by each
worker's journal thread, trimmed to the configured rows and bytes, read with the control
plane's filters. `JournalEntry` and `JournalFilter` are also what the in-memory journal (one
SQLite worker) keeps and matches."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.sql import ColumnElement

from capillary_emulator.models import EmulatorState, journal_table
from capillary_emulator.store.control import STATE_ID
from capillary_emulator.store.sql import naive_utc

ENTRY_OVERHEAD = 200
"""Bytes an entry counts beyond its texts (the record, its numbers and times)."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One Capillary call as the journal keeps it: secrets already masked."""

    at: datetime
    """Wall-clock time the call arrived (not the emulator clock)."""
    worker: int
    """Process id of the worker that answered."""
    method: str
    path: str
    query: str
    body: str | None
    """The masked body as JSON text (a JSON value, or the masked text as a JSON string)."""
    body_bytes: int
    """Length of the whole body as sent, also when only its first 8 KiB are kept."""
    truncated: bool
    status: int
    org_id: int | None
    codes: tuple[int, ...]
    """Capillary error codes in the answer."""
    duration_ms: float
    id: int = 0

    @property
    def size(self) -> int:
        return ENTRY_OVERHEAD + len(self.path) + len(self.query) + len(self.body or "")

    def wire(self) -> dict[str, Any]:
        return {
            "seq": self.id,
            "at": self.at.isoformat(),
            "worker": self.worker,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": None if self.body is None else json.loads(self.body),
            "bodyBytes": self.body_bytes,
            "bodyTruncated": self.truncated,
            "status": self.status,
            "orgId": self.org_id,
            "codes": list(self.codes),
            "durationMs": self.duration_ms,
        }


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """What GET /_emulator/journal[/count] asks for; None matches anything."""

    path: str | None = None
    method: str | None = None
    status: int | None = None
    org_id: int | None = None
    code: int | None = None
    since: datetime | None = None

    def matches(self, entry: JournalEntry) -> bool:
        return (
            (self.path is None or entry.path == self.path)
            and (self.method is None or entry.method == self.method)
            and (self.status is None or entry.status == self.status)
            and (self.org_id is None or entry.org_id == self.org_id)
            and (self.code is None or self.code in entry.codes)
            and (self.since is None or entry.at >= self.since)
        )

    def where(self) -> list[ColumnElement[bool]]:
        t = journal_table.c
        cleared = (
            select(EmulatorState.journal_cleared_at)
            .where(EmulatorState.id == STATE_ID)
            .scalar_subquery()
        )
        conditions: list[ColumnElement[bool]] = [
            (cleared.is_(None)) | (t.at > cleared),
        ]
        if self.path is not None:
            conditions.append(t.path == self.path)
        if self.method is not None:
            conditions.append(t.method == self.method)
        if self.status is not None:
            conditions.append(t.status == self.status)
        if self.org_id is not None:
            conditions.append(t.org_id == self.org_id)
        if self.code is not None:
            conditions.append(t.codes.contains(f",{self.code},"))
        if self.since is not None:
            conditions.append(t.at >= self.since)
        return conditions


_COLUMNS = [c for c in journal_table.c if c.name != "id"]


def _row(entry: JournalEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "worker": entry.worker,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "body": entry.body,
        "body_bytes": entry.body_bytes,
        "truncated": entry.truncated,
        "status": entry.status,
        "org_id": entry.org_id,
        "codes": "," + ",".join(map(str, entry.codes)) + "," if entry.codes else "",
        "duration_ms": entry.duration_ms,
        "size": entry.size,
    }


_COPY = f"COPY {journal_table.name} ({', '.join(c.name for c in _COLUMNS)}) FROM STDIN"


def copy_entries(raw: Any, entries: Sequence[JournalEntry]) -> None:
    """The entries in one COPY on a psycopg connection (in autocommit: one round trip and its
    own transaction). The journal thread's way: its other ways of inserting (SQLAlchemy's, a
    pipelined `executemany`, a multi-row VALUES) held the GIL long enough to add ~3 ms to the
    p99 of the requests served beside it."""
    names = [c.name for c in _COLUMNS]
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
        for entry in entries:
            row = _row(entry)
            row["at"] = naive_utc(entry.at)
            copy.write_row([row[name] for name in names])


def trim(connection: Connection, *, keep_rows: int, keep_bytes: int) -> int:
    """Delete the oldest entries beyond the newest `keep_rows` or `keep_bytes`; how many."""
    t = journal_table.c
    newest = select(
        t.id,
        func.row_number().over(order_by=t.id.desc()).label("n"),
        func.sum(t.size).over(order_by=t.id.desc()).label("total"),
    ).subquery()
    first_dropped = (
        select(func.max(newest.c.id))
        .where((newest.c.n > bindparam("keep_rows")) | (newest.c.total > bindparam("keep_bytes")))
        .scalar_subquery()
    )
    result = connection.execute(
        delete(journal_table).where(t.id <= first_dropped),
        {"keep_rows": keep_rows, "keep_bytes": keep_bytes},
    )
    return int(result.rowcount)


def select_entries(
    connection: Connection, where: JournalFilter, *, limit: int
) -> list[JournalEntry]:
    """Newest first."""
    t = journal_table.c
    query = select(*_COLUMNS, t.id).where(*where.where()).order_by(t.id.desc()).limit(limit)
    return [
        JournalEntry(
            at=r.at,
            worker=r.worker,
            method=r.method,
            path=r.path,
            query=r.query,
            body=r.body,
            body_bytes=r.body_bytes,
            truncated=r.truncated,
            status=r.status,
            org_id=r.org_id,
            codes=tuple(int(c) for c in r.codes.split(",") if c),
            duration_ms=r.duration_ms,
            id=r.id,
        )
        for r in connection.execute(query)
    ]


def count_entries(connection: Connection, where: JournalFilter) -> int:
    query = select(func.count()).select_from(journal_table).where(*where.where())
    return int(connection.execute(query).scalar_one())


def clear(connection: Connection, *, now: datetime) -> None:
    """Empty the journal, and hide the calls answered before `now` that a worker has yet to
    write."""
    connection.execute(delete(journal_table))
    connection.execute(
        update(EmulatorState).where(EmulatorState.id == STATE_ID).values(journal_cleared_at=now)
    )
