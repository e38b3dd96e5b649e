"""Builders for the v1.1 redemption tests: an extra org to load through POST /_emulator/seed,
request bodies, and what a refused redemption must leave untouched."""

from typing import Any

from sqlalchemy import select

from capillary_emulator.models import LedgerEntry, LedgerEvent, Redemption, RedemptionAllocation

ORG = 800001
PASSWORD = "secret-800"
PROGRAM = ORG * 10 + 1
"""The org's default program."""
OTHER_PROGRAM = ORG * 10 + 2

REDEEMER = ORG * 1000 + 1
FRAUD = ORG * 1000 + 2
NON_LOYALTY = ORG * 1000 + 3
EMPTY = ORG * 1000 + 4
REDEEMER_MOBILE = "9810000001"
"""Stored as 919810000001: the org's default country code is 91."""
FRAUD_MOBILE = "9810000002"
NON_LOYALTY_MOBILE = "9810000003"
EMPTY_MOBILE = "9810000004"

REDEEM = "/v1.1/points/redeem"
ISREDEEMABLE = "/v1.1/points/isredeemable"

REDEMPTION_STATE = (
    "balances",
    "lots",
    "ledger_events",
    "ledger_entries",
    "redemptions",
    "allocations",
    "otps",
)
"""The parts of `snapshot` a refused redemption must leave untouched."""


def org_seed(org_id: int = ORG, **config: Any) -> dict[str, Any]:
    """The redeemer holds 300 Main points in the default program (100 of them expiring in 30
    days) and 40 in another program."""
    base = org_id * 1000
    program, other = org_id * 10 + 1, org_id * 10 + 2
    return {
        "orgs": [
            {
                "orgId": org_id,
                "name": f"Redemption Test Org {org_id}",
                "timezone": "+05:30",
                "defaultCountryCode": "91",
                "config": {"ALLOW_POINTS_REDEMPTION_REVERSAL": True, **config},
                "tills": [{"tillId": org_id * 10 + 1, "code": f"till-{org_id}",
                           "password": PASSWORD, "storeCode": f"store-{org_id}"}],
                "programs": [
                    {"programId": program, "name": "Redeem Default", "default": True},
                    {"programId": other, "name": "Redeem Other"},
                ],
                "customers": [
                    {"userId": base + 1, "firstName": "Rae", "lastName": "Redeemer",
                     "identifiers": {"mobile": "91" + REDEEMER_MOBILE,
                                     "email": "rae@example.com",
                                     "externalId": f"ext-{base + 1}",
                                     "cardnumber": f"card-{base + 1}"},
                     "points": [
                         {"programId": program, "points": 200, "awardedAt": "-P10D"},
                         {"programId": program, "points": 100, "awardedAt": "-P5D",
                          "expiresAt": "P30D"},
                         {"programId": other, "points": 40},
                     ]},
                    {"userId": base + 2, "firstName": "Fred", "lastName": "Fraud",
                     "status": "FRAUD", "identifiers": {"mobile": "91" + FRAUD_MOBILE},
                     "points": [{"programId": program, "points": 100}]},
                    {"userId": base + 3, "firstName": "Nina", "lastName": "Nonmember",
                     "loyaltyType": "non_loyalty",
                     "identifiers": {"mobile": "91" + NON_LOYALTY_MOBILE},
                     "points": [{"programId": program, "points": 100}]},
                    {"userId": base + 4, "firstName": "Ed", "lastName": "Empty",
                     "identifiers": {"mobile": "91" + EMPTY_MOBILE}},
                ],
            }
        ]
    }  # fmt: skip


def redeem_item(
    points: object = 10, *, mobile: object = REDEEMER_MOBILE, **fields: Any
) -> dict[str, Any]:
    return {"points_redeemed": points, "customer": {"mobile": mobile}, **fields}


def redeem_body(*items: dict[str, Any]) -> dict[str, Any]:
    return {"root": {"redeem": list(items) or [redeem_item()]}}


def redeem(
    client: Any, auth: dict[str, str], body: Any, *, skip_validation: bool = True, **params: Any
) -> Any:
    query = {"format": "json", **params}
    if skip_validation:
        query["skip_validation"] = "true"
    return client.post(REDEEM, params=query, json=body, headers=auth)


def otps_of(client: Any, mobile: str = REDEEMER_MOBILE, org_id: int = ORG) -> list[dict[str, Any]]:
    return client.get(
        "/_emulator/otps",
        params={"orgId": org_id, "identifierType": "mobile", "identifierValue": mobile},
    ).json()["otps"]


def stored_redemption(client: Any, code: str) -> dict[str, Any]:
    """The redemption row, its allocations and its ledger entries, as plain values."""
    with client.app.state.session_factory() as session:
        redemption = session.execute(select(Redemption).where(Redemption.code == code)).scalar_one()
        allocations = session.execute(
            select(RedemptionAllocation.award_id, RedemptionAllocation.points_milli)
            .where(RedemptionAllocation.redemption_id == redemption.id)
            .order_by(RedemptionAllocation.id)
        ).all()
        event = session.get(LedgerEvent, redemption.ledger_event_id)
        entries = session.execute(
            select(LedgerEntry.entry_type, LedgerEntry.points_milli).where(
                LedgerEntry.event_id == redemption.ledger_event_id
            )
        ).all()
        return {
            "customer_id": redemption.customer_id,
            "program_id": redemption.program_id,
            "points_milli": redemption.points_milli,
            "transaction_number": redemption.transaction_number,
            "external_reference_number": redemption.external_reference_number,
            "validation_code": redemption.validation_code,
            "notes": redemption.notes,
            "purpose": redemption.purpose,
            "allocations": [tuple(a) for a in allocations],
            "event_name": event.event_name if event else None,
            "event_transaction_number": event.transaction_number if event else None,
            "entries": [tuple(e) for e in entries],
        }


def item_of(response: Any) -> dict[str, Any]:
    points = response.json()["response"]["responses"]["points"]
    assert isinstance(points, dict), points
    return points


def assert_item_refused(response: Any, code: int, message: str, status: int = 200) -> None:
    """A redeem whose only item failed: v1.1 status 500 and the item's own status."""
    assert response.status_code == status, response.text
    body = response.json()["response"]
    assert body["status"] == {
        "success": "false",
        "code": 500,
        "message": "All requests have failed due to errors",
    }
    item = body["responses"]["points"]
    assert item["item_status"] == {"success": "false", "code": code, "message": message}, item
    assert item["side_effects"] == {"effect": []}
    assert "redemption_id" not in item


def assert_request_refused(response: Any, code: int, message: str, status: int) -> None:
    """A request-level v1.1 failure: only `response.status`."""
    assert response.status_code == status, response.text
    assert response.json() == {
        "response": {"status": {"success": "false", "code": code, "message": message}}
    }
