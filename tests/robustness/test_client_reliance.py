"""What real clients rely on (the list at the top of reference-adjacent-endpoints.md): one test
per rule."""

from typing import Any
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from capillary_emulator import caches
from capillary_emulator.models import Org
from tests.reversals.reversal_builders import BECKY, BECKY_MOBILE, SEEDED, redeem, reverse_body
from tests.support import DEMO_AUTH, DEMO_ORG, audit_ok

LEDGER_INFO = "/v2/pointsLedger/getCustomerLedgerInfo"
REDEEM = "/v1.1/points/redeem"
REVERSE = "/v2/points/reverse"
BY_BECKY = {"source": "INSTORE", "identifierName": "mobile", "identifierValue": BECKY_MOBILE}


def nulls(value: Any, at: str = "$") -> list[str]:
    """The paths of every null below `value`."""
    if value is None:
        return [at]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{at}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{at}[{i}]")]
    return []


def v11_answers(client: Any) -> dict[str, Any]:
    """One answer of every v1.1 endpoint, success and refusal."""
    redeem_body = {"root": {"redeem": {"points_redeemed": "5", "customer": {"id": str(BECKY)}}}}
    missing = {"root": {"redeem": {"points_redeemed": "5", "customer": {"mobile": "9999999999"}}}}
    calls = {
        "isredeemable": ("get", "/v1.1/points/isredeemable", {"mobile": BECKY_MOBILE, "points": 5}),
        "isredeemable-refused": ("get", "/v1.1/points/isredeemable", {"mobile": "1", "points": 5}),
        "validationcode": ("get", "/v1.1/points/validationcode", {"id": BECKY, "points": 5}),
        "customer-get": ("get", "/v1.1/customer/get", {"mobile": BECKY_MOBILE}),
        "transactions": ("get", "/v1.1/customer/transactions", {"mobile": BECKY_MOBILE}),
        "redemptions": ("get", "/v1.1/customer/redemptions", {"mobile": BECKY_MOBILE}),
    }
    answers = {
        name: client.request(method.upper(), path, params=query, headers=DEMO_AUTH).json()
        for name, (method, path, query) in calls.items()
    }
    for name, body in (("redeem", redeem_body), ("redeem-refused", missing)):
        answers[name] = client.post(
            REDEEM, params={"skip_validation": "true"}, json=body, headers=DEMO_AUTH
        ).json()
    answers["customer-add"] = client.post(
        "/v1.1/customer/add",
        json={"root": {"customer": {"mobile": "9555000099"}}},
        headers=DEMO_AUTH,
    ).json()
    return answers


def item_statuses(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        own = [value["item_status"]] if "item_status" in value else []
        return own + [s for v in value.values() for s in item_statuses(v)]
    if isinstance(value, list):
        return [s for v in value for s in item_statuses(v)]
    return []


def test_codes_clients_compare_as_integers_are_integers(client):
    for name, body in v11_answers(client).items():
        status = body["response"]["status"]
        assert type(status["code"]) is int, (name, status)
        statuses = item_statuses(body)
        assert statuses, name
        assert all(type(s["code"]) is int for s in statuses), (name, statuses)


def test_flags_clients_compare_as_strings_are_strings(client):
    answers = v11_answers(client)
    for name, body in answers.items():
        for status in [body["response"]["status"], *item_statuses(body)]:
            assert status["success"] in ("true", "false"), (name, status)
    redeemable = answers["isredeemable"]["response"]["points"]["redeemable"]
    assert redeemable["is_redeemable"] == "true"
    refused = answers["isredeemable-refused"]["response"]["points"]["redeemable"]
    assert refused["is_redeemable"] == "false"
    effect = answers["redeem"]["response"]["responses"]["points"]["side_effects"]["effect"][0]
    assert effect["case_value"] == "true"


def test_ledger_and_redeem_answers_never_carry_null_numbers_or_dates(client):
    code = redeem(client, 30)
    client.post(REVERSE, json=reverse_body(code, 10), headers=DEMO_AUTH)
    params = {"source": "INSTORE", "identifierName": "mobile", "identifierValue": BECKY_MOBILE}
    client.post(
        "/v2/transactions",
        params=params,
        json={"billNumber": "N-1", "billAmount": 10},
        headers=DEMO_AUTH,
    )
    ledger = client.get(LEDGER_INFO, params=BY_BECKY, headers=DEMO_AUTH).json()
    events = {e["eventName"] for e in ledger["ledgerEntries"]}
    assert {"PointsRedemption", "PointsRedemptionReversal", "TransactionAdd"} <= events, events
    assert nulls(ledger) == []
    balance = client.get(
        "/v2/pointsLedger/getCustomerLedgerBalance", params=BY_BECKY, headers=DEMO_AUTH
    ).json()
    assert nulls(balance) == []
    answers = v11_answers(client)
    assert nulls(answers["redeem"]) == []
    # The failure sample itself shows `"user_id": null` (a string, not a number or a date).
    assert nulls(answers["redeem-refused"]) == ["$.response.responses.points.user_id"]


def set_demo_config(client: Any, **values: Any) -> None:
    with client.app.state.session_factory() as session:
        org = session.execute(select(Org).where(Org.id == DEMO_ORG)).scalar_one()
        org.config = {**org.config, **values}
        caches.invalidate(session)
        session.commit()


def test_refusals_carry_no_positive_org_id_and_no_reversal_id(client):
    refusals = [
        reverse_body("NOPE00", 1),
        reverse_body(SEEDED, 1000),
        reverse_body(SEEDED, 1, value="917799497290"),
        {"redemptionId": SEEDED},
        {},
    ]
    bodies = [client.post(REVERSE, json=b, headers=DEMO_AUTH).json() for b in refusals]
    set_demo_config(client, ALLOW_POINTS_REDEMPTION_REVERSAL=False)
    bodies.append(client.post(REVERSE, json=reverse_body(SEEDED, 1), headers=DEMO_AUTH).json())
    bodies.append(client.post(REVERSE, json=reverse_body(SEEDED, 1)).json())
    for body in bodies:
        assert body.get("errors") or body.get("warnings"), body
        assert not (isinstance(body.get("orgId"), int) and body["orgId"] > 0), body
        assert "reversalId" not in body, body


def test_numeric_strings_are_accepted(client):
    body = {"root": {"redeem": {"points_redeemed": "100", "customer": {"mobile": BECKY_MOBILE}}}}
    item = client.post(
        REDEEM, params={"skip_validation": "true"}, json=body, headers=DEMO_AUTH
    ).json()["response"]["responses"]["points"]
    assert (item["item_status"]["code"], item["points_redeemed"]) == (800, "100")
    reversed_ = client.post(
        REVERSE, json=reverse_body(item["redemption_id"], "50.0"), headers=DEMO_AUTH
    ).json()
    assert (reversed_["warnings"], reversed_["pointsReversed"]) == ([], 50.0)
    bill = client.post(
        "/v2/transactions",
        params=BY_BECKY,
        json={"billNumber": "S-1", "billAmount": "20.5"},
        headers=DEMO_AUTH,
    ).json()
    assert bill["sideEffects"][0]["awardedPoints"] == 20
    audit_ok(client)


def test_unknown_headers_and_a_junk_oauth_query_are_ignored(client):
    vendor = {
        "X-CAP-API-ATTRIBUTION-LOOKUP-TYPE": "MOBILE_TRIGGER",
        "X-CAP-API-ATTRIBUTION-TILL-CODE": "somewhere.till",
        "X-API-REQUEST": "1",
        "Accept-Language": "fr-FR",
        "X-Vendor-Trace": "abc",
    }
    plain = client.get(LEDGER_INFO, params=BY_BECKY, headers=DEMO_AUTH)
    dressed = client.get(LEDGER_INFO, params=BY_BECKY, headers={**DEMO_AUTH, **vendor})
    assert dressed.status_code == 200 and dressed.json() == plain.json()
    token = client.post(
        "/v3/oauth/token/generate?=null",
        json={"key": "demo-client-key", "secret": "demo-client-secret"},
        headers=vendor,
    )
    assert token.status_code == 200, token.text
    access = token.json()["data"]["accessToken"]
    with_token = client.get(
        LEDGER_INFO, params=BY_BECKY, headers={"X-CAP-API-OAUTH-TOKEN": access, **vendor}
    )
    assert with_token.status_code == 200


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ({"format": "xml"}, None),
        ({}, "application/xml"),
        ({}, "text/xml, application/json;q=0.5"),
    ],
)
def test_a_401_is_xml_when_the_request_asks_for_xml(client, query, accept):
    headers = {"Accept": accept} if accept else {}
    for path in ("/v1.1/customer/get", LEDGER_INFO):
        response = client.get(path, params={**query, "mobile": BECKY_MOBILE}, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/xml")
        root = ElementTree.fromstring(response.text)
        assert (root.findtext(".//success"), root.findtext(".//code")) == ("false", "401")
        assert root.findtext(".//message")


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "application/json, text/xml"])
def test_a_401_is_json_otherwise(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get(LEDGER_INFO, params=BY_BECKY, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == 401
    v11 = client.get("/v1.1/customer/get", params={"mobile": BECKY_MOBILE}, headers=headers)
    assert v11.json()["response"]["status"]["code"] == 401
