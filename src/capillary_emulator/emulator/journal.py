"""The request journal: the last N Capillary calls this worker answered, for tests to assert on
what their client really sent. Kept in memory per worker process (GET /_emulator/journal reads
the worker that answers it); secrets and one-time codes in bodies are masked."""

import json
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MASKED_KEYS = {"code", "validation_code", "validationCode", "secret", "password", "accessToken"}
BODY_LIMIT = 8192
NOT_JOURNALED = ("/_emulator", "/docs", "/redoc", "/openapi.json", "/static-offline-docs")
"""The control plane, the console and the API docs with their assets: not Capillary calls."""


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" if k in MASKED_KEYS else _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _body_for_journal(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return _mask(json.loads(raw))
    except ValueError:
        return raw[:BODY_LIMIT].decode("utf-8", "replace")


class Journal:
    """The last `size` calls of this worker, oldest first; size 0 switches recording off."""

    def __init__(self, size: int) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=max(size, 1))
        self.enabled = size > 0
        self.sequence = 0

    def record(self, entry: dict[str, Any]) -> None:
        self.sequence += 1
        self.entries.append({"seq": self.sequence, **entry})

    def read(self, *, limit: int, path: str | None) -> list[dict[str, Any]]:
        """Newest first, optionally only one path."""
        found = [e for e in reversed(self.entries) if path is None or e["path"] == path]
        return found[:limit]

    def clear(self) -> None:
        self.entries.clear()


class RequestJournalMiddleware:
    """Records method, path, query, body, status and duration of every Capillary call."""

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
        started = time.perf_counter()
        chunks: list[bytes] = []
        status = 0

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, chunks)) < BODY_LIMIT:
                chunks.append(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        finally:
            journal.record(
                {
                    "at": datetime.now(UTC).isoformat(),
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "body": _body_for_journal(b"".join(chunks)),
                    "status": status,
                    "durationMs": round((time.perf_counter() - started) * 1000, 3),
                }
            )
