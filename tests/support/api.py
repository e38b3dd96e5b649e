"""Calling the emulator over HTTP: the demo till's credentials and the checks every area makes
on an answer."""

import base64
import hashlib
from typing import Any

import httpx
from fastapi.testclient import TestClient

DEMO_ORG = 100458
DEMO_TILL = "org2.till1"
DEMO_PASSWORD = "till123"


def basic_auth(till: str = DEMO_TILL, password: str = DEMO_PASSWORD) -> dict[str, str]:
    token = f"{till}:{hashlib.md5(password.encode()).hexdigest()}"
    return {"Authorization": "Basic " + base64.b64encode(token.encode()).decode()}


DEMO_AUTH = basic_auth()


def assert_error(response: Any, code: int, message: str, status: int = 200) -> None:
    """A v2 error answer: that HTTP status and exactly one error item, nothing else."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("warnings") == [], body
    assert body["errors"] == [{"status": False, "code": code, "message": message}], body
    assert body.get("data") in (None, []), body


def audit_ok(client: TestClient | httpx.Client) -> None:
    body = client.get("/_emulator/audit").json()
    assert body["ok"], body["violations"]
