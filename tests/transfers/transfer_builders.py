"""Builders for the transfer tests: an extra org to load through POST /_emulator/seed, request
bodies, and what a failed request must leave untouched."""

from typing import Any

ORG = 700001
PASSWORD = "secret-700"
PROGRAM = ORG * 10 + 1
"""The org's default program."""
OTHER_PROGRAM = ORG * 10 + 2

SENDER = ORG * 1000 + 1
RECIPIENT = ORG * 1000 + 2
FRAUD = ORG * 1000 + 3
MERGED = ORG * 1000 + 4
NON_LOYALTY = ORG * 1000 + 5
SENDER_MOBILE = "9800000001"
"""Stored as 919800000001: the org's default country code is 91."""
RECIPIENT_MOBILE = "9800000002"
FRAUD_MOBILE = "9800000003"
MERGED_MOBILE = "9800000004"
NON_LOYALTY_MOBILE = "9800000005"

ISTRANSFERRABLE = "/v2/points/isTransferrable"
TRANSFER = "/v2/points/transfer"
ISSUE_OTP = "/v2/points/issuePointsTransferOtp"

TRANSFER_STATE = ("balances", "lots", "ledger_entries", "transfers", "otps")
"""The parts of `snapshot` a failed transfer request must leave untouched."""

BASE_CONFIG = {
    "ALLOW_POINTS_TRANSFER": True,
    "POINTS_TRANSFER_OTP_REQUIRED": True,
    "CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER": True,
    "OTP_VALIDITY_SECONDS": 600,
    "OTP_MAX_ATTEMPTS": 3,
}


def org_seed(org_id: int = ORG, **config: Any) -> dict[str, Any]:
    """An org whose sender holds 100 Main points in the default program, 50 in another, and
    30 promised (DelayedAccrual) points that never move."""
    base = org_id * 1000
    return {
        "orgs": [
            {
                "orgId": org_id,
                "name": f"Transfer Test Org {org_id}",
                "timezone": "+05:30",
                "defaultCountryCode": "91",
                "config": {**BASE_CONFIG, **config},
                "tills": [{"tillId": org_id * 10 + 1, "code": f"till-{org_id}",
                           "password": PASSWORD, "storeCode": f"store-{org_id}"}],
                "programs": [
                    {"programId": org_id * 10 + 1, "name": "Test Default", "default": True},
                    {"programId": org_id * 10 + 2, "name": "Test Other"},
                ],
                "customers": [
                    {"userId": base + 1, "firstName": "Sam", "lastName": "Sender",
                     "identifiers": {"mobile": "91" + SENDER_MOBILE, "email": "sam@example.com",
                                     "externalId": f"ext-{base + 1}"},
                     "points": [
                         {"programId": org_id * 10 + 1, "points": 100},
                         {"programId": org_id * 10 + 2, "points": 50},
                         {"programId": org_id * 10 + 1, "points": 30,
                          "category": "DelayedAccrualPointCategory"},
                     ]},
                    {"userId": base + 2, "firstName": "Rita", "lastName": "Recipient",
                     "identifiers": {"mobile": "91" + RECIPIENT_MOBILE,
                                     "email": "rita@example.com"}},
                    {"userId": base + 3, "firstName": "Fred", "lastName": "Fraud",
                     "status": "FRAUD", "identifiers": {"mobile": "91" + FRAUD_MOBILE},
                     "points": [{"programId": org_id * 10 + 1, "points": 100}]},
                    {"userId": base + 4, "firstName": "Mo", "lastName": "Merged",
                     "mergedInto": base + 2, "identifiers": {"mobile": "91" + MERGED_MOBILE},
                     "points": [{"programId": org_id * 10 + 1, "points": 100}]},
                    {"userId": base + 5, "firstName": "Nina", "lastName": "Nonmember",
                     "loyaltyType": "non_loyalty",
                     "identifiers": {"mobile": "91" + NON_LOYALTY_MOBILE},
                     "points": [{"programId": org_id * 10 + 1, "points": 100}]},
                ],
            }
        ]
    }  # fmt: skip


def identifier(kind: str, value: object) -> dict[str, Any]:
    return {"type": kind, "value": value}


def transfer_body(
    points: object = 10,
    *,
    sender: object = SENDER_MOBILE,
    recipient: object = RECIPIENT_MOBILE,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "pointsTobeTransferred": points,
        "groupProgramTransfer": "false",
        "programId": PROGRAM,
        "notes": "test transfer",
        "fromCustomerIdentifier": identifier("MOBILE", sender),
        "toCustomerIdentifier": identifier("MOBILE", recipient),
        **fields,
    }


def otps_of(client: Any, mobile: str = SENDER_MOBILE, org_id: int = ORG) -> list[dict[str, Any]]:
    return client.get(
        "/_emulator/otps",
        params={"orgId": org_id, "identifierType": "mobile", "identifierValue": mobile},
    ).json()["otps"]


def issue_code(client: Any, auth: dict[str, str], body: dict[str, Any] | None = None) -> str:
    """An OTP for the sender, the way a client gets one: isTransferrable with issueOtp."""
    body = body or transfer_body()
    response = client.post(ISTRANSFERRABLE, json={**body, "issueOtp": True}, headers=auth)
    assert response.json()["errors"] == [], response.text
    return str(otps_of(client, body["fromCustomerIdentifier"]["value"])[0]["code"])
