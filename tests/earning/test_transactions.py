"""POST /v2/transactions (and bulk), GET /v2/earning/{id}: points by the demo org's earning rule
(1 point per currency unit, program 141, lots expiring after 365 days)."""

import copy
from typing import Any

import pytest
import yaml

from capillary_emulator.config import DEMO_SEED_FILE
from capillary_emulator.errors import SeedDocumentError
from capillary_emulator.seed.service import parse_seed
from tests.support import DEMO_AUTH, audit_ok

TOM_MOBILE = "7799497290"
"""Demo customer 32429961: 1000 Main points in program 141."""
LEDGER_INFO = "/v2/pointsLedger/getCustomerLedgerInfo"


def add(client: Any, mobile: str = TOM_MOBILE, **bill: Any) -> Any:
    params = {"source": "INSTORE", "identifierName": "mobile", "identifierValue": mobile}
    body = {"type": "REGULAR", "billNumber": "B-1", "billAmount": 170.5, **bill}
    return client.post("/v2/transactions", params=params, json=body, headers=DEMO_AUTH)


def main_points(client: Any, mobile: str = TOM_MOBILE) -> float:
    params = {
        "source": "INSTORE",
        "identifierName": "mobile",
        "identifierValue": mobile,
        "embed": "points",
    }
    body = client.get(
        "/v2/customers/lookup/customerDetails", params=params, headers=DEMO_AUTH
    ).json()
    [program] = [d for d in body["loyaltyProgramDetails"] if d["programId"] == 141]
    return float(program["loyaltyPoints"])


def error_code(response: Any) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["errors"][0]["code"])


def test_a_bill_awards_floored_points_through_the_ledger(client):
    response = add(client)
    body = response.json()
    assert body["createdId"] > 0 and body["warnings"] == [] and body["errors"] == []
    assert body["sideEffects"] == [
        {"entityType": "USER", "rawAwardedPoints": 170.5, "awardedPoints": 170, "type": "points"}
    ]
    assert main_points(client) == 1170
    earning = client.get(f"/v2/earning/{body['createdId']}", headers=DEMO_AUTH).json()
    assert (earning["billNumber"], earning["billAmount"], earning["awardedPoints"]) == (
        "B-1",
        170.5,
        170,
    )
    assert earning["customerId"] == 32429961
    audit_ok(client)


def test_a_repeated_bill_number_is_refused_without_awarding_twice(client):
    add(client, billNumber="B-7", billAmount=100)
    assert error_code(add(client, billNumber="B-7", billAmount=100)) == 8210
    assert main_points(client) == 1100
    # Another customer may use the same bill number.
    assert add(client, "7799000000", billNumber="B-7", billAmount=10).json()["createdId"] > 0


def test_a_return_takes_the_points_back(client):
    add(client, billNumber="B-9", billAmount=300)
    partial = add(client, type="RETURN", billNumber="B-9", billAmount=100).json()
    assert partial["sideEffects"][0]["awardedPoints"] == -100
    assert main_points(client) == 1200
    assert error_code(add(client, type="RETURN", billNumber="B-9")) == 8210
    assert error_code(add(client, type="RETURN", billNumber="NOPE")) == 8211
    audit_ok(client)


def test_bad_bills_and_customers(client):
    assert error_code(add(client, billAmount=-5)) == 8201
    assert error_code(add(client, billAmount="ten")) == 8201
    assert error_code(add(client, billNumber=None)) == 8201
    assert error_code(add(client, type="SWAP")) == 8201
    assert error_code(add(client, "910000000009")) == 8015
    assert error_code(client.get("/v2/earning/999999", headers=DEMO_AUTH)) == 8212
    assert main_points(client) == 1000


def test_bulk_answers_each_bill_by_number(client):
    items = [
        {"identifierName": "mobile", "identifierValue": TOM_MOBILE, "billNumber": "K-1",
         "billAmount": "50"},
        {"identifierName": "mobile", "identifierValue": TOM_MOBILE, "billNumber": "K-1",
         "billAmount": 50},
        {"identifierName": "mobile", "identifierValue": "910000000009", "billNumber": "K-2",
         "billAmount": 5},
    ]  # fmt: skip
    response = client.post("/v2/transactions/bulk", json=items, headers=DEMO_AUTH).json()
    results = response["response"]
    assert [r["result"]["billNumber"] for r in results] == ["K-1", "K-1", "K-2"]
    assert (
        results[0]["errors"] == [] and results[0]["result"]["sideEffects"][0]["awardedPoints"] == 50
    )
    assert [r["errors"][0]["code"] for r in results[1:]] == [8210, 8015]
    assert main_points(client) == 1050
    audit_ok(client)


def test_end_to_end_create_earn_redeem_reverse(client):
    created = client.post(
        "/v2/customers",
        json={
            "profiles": [
                {"firstName": "Eve", "identifiers": [{"type": "mobile", "value": "8800000001"}]}
            ]
        },
        headers=DEMO_AUTH,
    ).json()["createdId"]
    assert add(client, "8800000001", billNumber="E-1", billAmount=250).json()["createdId"] > 0
    ledger = client.get(
        LEDGER_INFO,
        params={"source": "INSTORE", "identifierName": "mobile", "identifierValue": "8800000001"},
        headers=DEMO_AUTH,
    ).json()
    [entry] = ledger["ledgerEntries"]
    assert (entry["eventName"], entry["customerId"], entry["netPointsOnEvent"]) == (
        "TransactionAdd",
        created,
        "250.000",
    )
    assert main_points(client, "8800000001") == 250
    redeem = client.post(
        "/v1.1/points/redeem",
        params={"format": "json", "skip_validation": "true"},
        json={"root": {"redeem": [{"points_redeemed": 100, "customer": {"mobile": "8800000001"}}]}},
        headers=DEMO_AUTH,
    ).json()["response"]["responses"]["points"]
    assert redeem["item_status"]["code"] == 800
    assert main_points(client, "8800000001") == 150
    reverse = client.post(
        "/v2/points/reverse",
        json={
            "redemptionId": redeem["redemption_id"],
            "identifier": {"type": "mobile", "value": "8800000001"},
        },
        headers=DEMO_AUTH,
    )
    assert reverse.json().get("errors") in (None, []), reverse.text
    assert main_points(client, "8800000001") == 250
    audit_ok(client)


def test_the_seed_checks_the_earning_rule():
    demo = yaml.safe_load(DEMO_SEED_FILE.read_text())
    assert "EARNING_RULE" not in parse_seed(demo).orgs[0].config  # the default rule applies
    for bad in ({"pointsPerCurrencyUnit": -1}, {"expiryDays": 1.5}, {"rate": 2}, 5):
        document = copy.deepcopy(demo)
        document["orgs"][0]["config"]["EARNING_RULE"] = bad
        with pytest.raises(SeedDocumentError, match="EARNING_RULE"):
            parse_seed(document)
