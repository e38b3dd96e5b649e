"""Issue 12 item 3: a lone UTF-16 surrogate ("\\ud800") in a JSON string is invalid input with
the field's Capillary code, never a 500; nothing is stored and the audit stays ok."""

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "transfers"))

from transfer_builders import TRANSFER, org_seed, transfer_body  # noqa: E402

from tests.support import DEMO_AUTH, audit_ok, load_org  # noqa: E402

LONE = "\ud800"
TOM_MOBILE = "7799497290"
OTP_BODY = {
    "entityType": "MOBILE",
    "entityValue": TOM_MOBILE,
    "action": "POINTSTRANSFER",
    "template": "Your code is {{ validation_code }}",
    "channels": [{"type": "SMS", "value": TOM_MOBILE}],
}


def post_raw(client: Any, path: str, body: Any, headers: dict[str, str]) -> Any:
    """json.dumps writes the surrogate as the escape "\\ud800", as a client would."""
    content = json.dumps(body)
    assert "\\ud800" in content
    return client.post(
        path, content=content, headers={**headers, "Content-Type": "application/json"}
    )


def error_code(response: Any) -> int:
    assert response.status_code in (200, 400, 401), response.text
    return int(response.json()["errors"][0]["code"])


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("notes", LONE, 434),
        ("fromCustomerIdentifier", {"identifierName": "MOBILE", "identifierValue": LONE}, 8013),
        ("toCustomerIdentifier", {"identifierName": "MOBILE", "identifierValue": LONE}, 8013),
    ],
)
def test_transfer_refuses_lone_surrogates(client, field, value, code):
    auth = load_org(client, org_seed())
    response = post_raw(client, TRANSFER, transfer_body(**{field: value}), auth)
    assert error_code(response) == code
    audit_ok(client)


@pytest.mark.parametrize(
    ("path", "field", "code"),
    [
        ("/v2/otp/generate", "entityValue", 602),
        ("/v2/otp/validate", "entityValue", 602),
    ],
)
def test_otp_refuses_lone_surrogates(client, path, field, code):
    body = {**OTP_BODY, field: LONE, "code": "123456"}
    assert error_code(post_raw(client, path, body, DEMO_AUTH)) == code
    audit_ok(client)


@pytest.mark.parametrize("field", ["key", "secret"])
def test_oauth_token_refuses_lone_surrogates(client, field):
    body = {"key": "k", "secret": "s", field: LONE}
    response = post_raw(client, "/v3/oauth/token/generate", body, {})
    assert response.status_code == 401, response.text


@pytest.mark.parametrize("field", ["identifierValue", "identifierName", "notes", "redemptionId"])
def test_reverse_refuses_lone_surrogates(client, field):
    body = {
        "identifierName": "mobile",
        "identifierValue": TOM_MOBILE,
        "redemptionId": "1",
        "pointsToBeReversed": 1,
        "notes": "n",
        field: LONE,
    }
    assert error_code(post_raw(client, "/v2/points/reverse", body, DEMO_AUTH)) != 500
    audit_ok(client)
