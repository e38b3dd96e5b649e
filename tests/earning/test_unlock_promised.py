"""POST /v2/points/unlockPromisedPoints: a bill's promised points become Main, once."""

from typing import Any

from tests.support import assert_error, audit_ok
from tests.support.seeds import load_org

ORG = 800141
PROGRAM = ORG * 10 + 1
USER = ORG * 1000 + 1
MOBILE = "919830000001"
UNLOCK = "/v2/points/unlockPromisedPoints"
DELAYED = "DelayedAccrualPointCategory"


def seed() -> dict[str, Any]:
    return {
        "orgs": [
            {
                "orgId": ORG,
                "name": "Promised Points Org",
                "timezone": "+05:30",
                "defaultCountryCode": "91",
                "tills": [{"tillId": ORG * 10 + 1, "code": f"till-{ORG}", "password": "pw-141"}],
                "programs": [{"programId": PROGRAM, "name": "Promise", "default": True}],
                "customers": [
                    {
                        "userId": USER,
                        "firstName": "Pat",
                        "identifiers": {"mobile": MOBILE},
                        "points": [
                            {"programId": PROGRAM, "points": 100},
                            {"programId": PROGRAM, "category": DELAYED, "points": 60,
                             "event": "TransactionAdd", "transactionNumber": "bill-7",
                             "expiresAt": "P90D"},
                            {"programId": PROGRAM, "category": DELAYED, "points": 25,
                             "event": "TransactionAdd", "transactionNumber": "bill-8"},
                        ],
                    }
                ],
            }
        ]
    }  # fmt: skip


def unlock(client: Any, auth: dict[str, str], body: dict[str, Any], **query: str) -> Any:
    params = {"identifierName": "mobile", "identifierValue": MOBILE, "source": "INSTORE", **query}
    return client.post(UNLOCK, params=params, json=body, headers=auth)


def test_unlocks_the_bills_promised_points_once(client):
    auth = load_org(client, seed())
    response = unlock(client, auth, {"eventName": "TransactionAdd", "billNumber": "bill-7"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "pointsUnlocked": [{"billNumber": "bill-7", "pointsUnlocked": 60, "programId": PROGRAM}],
        "warnings": [],
    }
    details = client.get(
        "/v2/customers/lookup/customerDetails",
        params={"identifierName": "mobile", "identifierValue": MOBILE, "embed": "points"},
        headers=auth,
    ).json()["loyaltyProgramDetails"][0]
    assert (details["loyaltyPoints"], details["promisedPoints"]) == (160, 25)
    assert details["adjusted"] == 0
    ledger = client.get(
        "/v2/pointsLedger/getCustomerLedgerInfo",
        params={"source": "INSTORE", "identifierName": "mobile", "identifierValue": MOBILE},
        headers=auth,
    )
    assert ledger.status_code == 200 and "DelayedAccrual" in ledger.text, ledger.text
    again = unlock(client, auth, {"eventName": "TransactionAdd", "billNumber": "bill-7"})
    assert_error(again, 82323282, "No promise points found to unlock")
    audit_ok(client)


def test_codes(client):
    auth = load_org(client, seed())
    body = {"eventName": "TransactionAdd", "billNumber": "bill-8"}
    assert_error(
        unlock(client, auth, body, source=""),
        82323284,
        "identifierName, identifierValue, or source cannot be empty",
    )
    assert_error(
        unlock(client, auth, {"eventName": "TransactionAdd"}), 82323271, "Bill number missing"
    )
    assert_error(
        unlock(client, auth, {"eventName": "TransactionAdd", "billNumber": "nope"}),
        82323277,
        "No bill found for given bill number",
    )
    assert_error(
        unlock(client, auth, {"eventName": "ReturnBill", "billNumber": "bill-8"}),
        82323272,
        "Event name not found",
    )
    assert_error(
        unlock(client, auth, {**body, "eventLogId": 1}),
        3918,
        "Error unlocking points: no eventLog found for given eventLogId",
    )
    assert_error(unlock(client, auth, body, type="FLEET"), 82323276, "Entity type invalid")
    assert (
        unlock(client, auth, body, identifierValue="919830000099").json()["errors"][0]["code"]
        == 8015
    )
    assert unlock(client, auth, body).json()["pointsUnlocked"][0]["pointsUnlocked"] == 25
