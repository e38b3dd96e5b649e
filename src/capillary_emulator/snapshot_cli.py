"""`capillary-emulator export FILE [--org N]` and `import FILE`: snapshots of a running
emulator's state over its control plane (GET|POST /_emulator/snapshot), with the standard
library's HTTP client only (nothing the server does not already install)."""

import argparse
import json
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from capillary_emulator.config import Settings

TIMEOUT_SECONDS = 600


def base_url(settings: Settings, given: str | None) -> str:
    """--url, else CAPEMU_URL, else the address `serve` listens on (a wildcard host is this
    machine)."""
    url = given or os.environ.get("CAPEMU_URL")
    if url:
        return url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def _call(
    settings: Settings, args: argparse.Namespace, method: str, path: str, body: bytes | None
) -> bytes | None:
    """The answer's body; None (after a line on stderr) when the call failed."""
    url = base_url(settings, args.url) + path
    headers = {"Accept": "application/json"}
    token = args.admin_token or settings.admin_token
    if token:
        headers["X-CAPEMU-ADMIN-TOKEN"] = token
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return bytes(answer.read())
    except urllib.error.HTTPError as exc:
        print(f"error: {method} {url}: {exc.code} {_message(exc.read())}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"error: cannot reach the emulator at {url}: {reason}", file=sys.stderr)
    return None


def _message(body: bytes) -> str:
    """The Capillary error envelope's messages, else the body as it came."""
    try:
        errors = json.loads(body).get("errors") or []
        return "; ".join(str(e["message"]) for e in errors) or body.decode(errors="replace")
    except (ValueError, AttributeError, KeyError, TypeError):
        return body.decode(errors="replace")


def export_file(settings: Settings, args: argparse.Namespace) -> int:
    path = "/_emulator/snapshot"
    if args.org is not None:
        path += "?" + urllib.parse.urlencode({"orgId": args.org})
    body = _call(settings, args, "GET", path, None)
    if body is None:
        return 2
    target: Path = args.file
    try:
        write_atomically(target, body)
    except OSError as exc:
        print(f"error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    document = json.loads(body)
    print(f"saved {_summary(document)} to {target}")
    return 0


def write_atomically(target: Path, body: bytes) -> None:
    """`body` in `target`: a temporary file in the same directory, synced, then renamed over
    it (a reader sees the old file or the new one, never part of one)."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def import_file(settings: Settings, args: argparse.Namespace) -> int:
    try:
        body = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    answer = _call(settings, args, "POST", "/_emulator/snapshot", body)
    if answer is None:
        return 2
    restored = json.loads(answer)
    print(f"restored {_summary(restored)} from {args.file}")
    return 0


def _summary(document: dict[str, Any]) -> str:
    """ "org 100458: 14 customers, 26 ledger events" (or "the whole state: ...")."""
    counts = document.get("rows")
    if counts is None:
        counts = {name: len(t["rows"]) for name, t in document.get("tables", {}).items()}
    org = document.get("orgId")
    what = "the whole state" if org is None else f"org {org}"
    return (
        f"{what}: {counts.get('orgs', 0)} orgs, {counts.get('customers', 0)} customers, "
        f"{counts.get('ledger_events', 0)} ledger events"
    )
