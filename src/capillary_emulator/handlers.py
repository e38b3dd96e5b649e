"""The only exception handlers, and the 415 guard: the HTTP edge of the envelope.

Every error a client can provoke is rendered here as Capillary's error item
`{"status": false, "code": N, "message": "..."}`; nothing leaks a stack trace.
"""

import asyncio
import logging
import re
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from capillary_emulator.envelope import error_body
from capillary_emulator.errors import (
    CapillaryError,
    InternalError,
    InvalidInputError,
    MalformedJsonError,
    MethodNotAllowedError,
    PayloadTooLargeError,
    RequestTimeoutError,
    ResourceNotFoundError,
    UnsupportedMediaTypeError,
)
from capillary_emulator.v11_xml import to_xml

log = logging.getLogger("capillary_emulator")


def asks_for_xml(request: Request) -> bool:
    """`format=xml`, or an `Accept` whose first XML or JSON type is XML."""
    if (request.query_params.get("format") or "").strip().lower() == "xml":
        return True
    for media in request.headers.get("accept", "").lower().split(","):
        kind = media.split(";")[0].strip()
        if "json" in kind:
            return False
        if kind.endswith("/xml") or kind.endswith("+xml"):
            return True
    return False


def error_response(
    request: Request, error: CapillaryError, headers: Mapping[str, str] | None = None
) -> Response:
    status = error.http_status or request.app.state.settings.business_error_status
    if status == 401 and asks_for_xml(request):
        # Two partner dataflows parse a 401 as XML (`<success>`, `<code>`, `<message>`).
        body = {"response": {"status": {"success": "false", "code": 401, "message": error.text}}}
        return Response(to_xml(body), status, headers, media_type="application/xml")
    return JSONResponse(error_body(request.url.path, error), status_code=status, headers=headers)


async def _capillary_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CapillaryError)
    return error_response(request, exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        detail = next(p for p in problems if p.get("type") == "json_invalid")
        ctx = detail.get("ctx") or {}
        return error_response(request, MalformedJsonError(detail=ctx.get("error", "invalid JSON")))
    parts = []
    for p in problems[:5]:
        where = ".".join(str(x) for x in p.get("loc", ()) if x != "body")
        parts.append(f"{where or 'body'}: {p.get('msg', 'invalid')}")
    return error_response(request, InvalidInputError(detail="; ".join(parts)))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error: CapillaryError
    if exc.status_code == 404:
        error = ResourceNotFoundError(path=request.url.path)
    elif exc.status_code == 405:
        error = MethodNotAllowedError(method=request.method, path=request.url.path)
        return error_response(request, error, headers={"Allow": _allowed(request, exc)})
    else:
        error = InvalidInputError(detail=str(exc.detail))
        return JSONResponse(error_body(request.url.path, error), status_code=exc.status_code)
    return error_response(request, error)


def _allowed(request: Request, exc: StarletteHTTPException) -> str:
    """Every method the documented routes take on this path, with Starlette's own `Allow`
    (which names only the first matching route's)."""
    starlette = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), "")
    methods = {m.strip() for m in starlette.split(",") if m.strip()}
    for template, operations in request.app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations}
    return ", ".join(sorted(methods))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    # The server drops the connection after an unhandled error; saying so lets a pooled
    # client open a new one instead of failing its next request on the dead one.
    return error_response(request, InternalError(), headers={"Connection": "close"})


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CapillaryError, _capillary_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


class JsonBodyOnly:
    """Answers 415 to a request that carries a body which is not declared application/json."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            content_type = b""
            has_body = False
            for name, value in scope["headers"]:
                if name == b"content-type":
                    content_type = value
                elif name == b"content-length":
                    has_body = value.strip() not in (b"0", b"")
                elif name == b"transfer-encoding":
                    has_body = True
            media = content_type.split(b";")[0].strip().lower()
            if has_body and not (media == b"application/json" or media.endswith(b"+json")):
                error = UnsupportedMediaTypeError()
                body = error_body(scope["path"], error)
                response = JSONResponse(body, status_code=415)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


CONTROL_PREFIX = "/_emulator/"
CONTROL_MAX_BYTES = 2**63
"""No size limit for the control plane's bodies."""


class BodyLimits:
    """The outermost middleware: a request body is read here in full, within `max_bytes` and
    `timeout` seconds, before anything else (the journal, the app) sees it.

    A body declared (Content-Length) or counted while it arrives (chunked, or a Content-Length
    that lies) above the limit is 413; one that has not arrived in full when the time is up is
    408. Both answers close the connection, whose unread body cannot be skipped.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Seed and snapshot documents (the bench's 10,000 customers, a restored state) are
        # the control plane's business: its bodies have no size limit, only the time limit.
        max_bytes = (
            CONTROL_MAX_BYTES if scope["path"].startswith(CONTROL_PREFIX) else self.max_bytes
        )
        declared: int | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = int(value) if value.strip().isdigit() else None
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None and declared > max_bytes:
            await self._refuse(scope, receive, send, PayloadTooLargeError(limit=max_bytes))
            return
        if not chunked and not declared:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        error: CapillaryError | None = None
        try:
            async with asyncio.timeout(self.timeout):
                while more:
                    message = await receive()
                    if message["type"] != "http.request":
                        return  # the client went away: there is no one to answer
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > max_bytes:
                        error = PayloadTooLargeError(limit=max_bytes)
                        break
                    chunks.append(chunk)
                    more = message.get("more_body", False)
        except TimeoutError:
            error = RequestTimeoutError(seconds=f"{self.timeout:g}")
        if error is not None:
            await self._refuse(scope, receive, send, error)
            return
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, error: CapillaryError) -> None:
        log.info("%s %s refused: %s", scope["method"], scope["path"], error.text)
        response = JSONResponse(
            error_body(scope["path"], error),
            status_code=error.http_status or 400,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read by `BodyLimits` as one message; then the server's own (disconnect)."""
    pending = [body]

    async def replayed() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": False}
        return await receive()

    return replayed
