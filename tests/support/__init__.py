"""What the tests share besides fixtures: calling the emulator, test databases, live server
processes, reading the stored state and loading seed documents. Fixtures live in
tests/conftest.py, which builds them from these pieces."""

from tests.support.api import (
    DEMO_AUTH,
    DEMO_ORG,
    DEMO_PASSWORD,
    DEMO_TILL,
    assert_error,
    audit_ok,
    basic_auth,
)
from tests.support.databases import is_postgres
from tests.support.live_server import PROJECT_ROOT, SERVE_COMMAND, LiveServer
from tests.support.seeds import load_org
from tests.support.state import main_points, snapshot

__all__ = [
    "DEMO_AUTH",
    "DEMO_ORG",
    "DEMO_PASSWORD",
    "DEMO_TILL",
    "PROJECT_ROOT",
    "SERVE_COMMAND",
    "LiveServer",
    "assert_error",
    "audit_ok",
    "basic_auth",
    "is_postgres",
    "load_org",
    "main_points",
    "snapshot",
]
