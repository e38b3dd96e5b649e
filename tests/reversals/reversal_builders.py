"""Builders for the reversal tests: the demo data the seed sample refers to, an org whose
points expire, redemptions made the way clients make them (v1.1 redeem), and what a refused
reversal must leave untouched."""

from typing import Any

from sqlalchemy import select

from capillary_emulator.models import LedgerEntry, LedgerEvent, Redemption, Reversal
from tests.support import DEMO_AUTH

REVERSE = "/v2/points/reverse"
REDEEM = "/v1.1/points/redeem"

REVERSAL_STATE = (
    "balances",
    "lots",
    "ledger_events",
    "ledger_entries",
    "redemptions",
    "allocation_reversals",
    "reversals",
)
"""The parts of `snapshot` a refused reversal must leave untouched."""

SEEDED = "54ZNkA"
"""The demo seed's redemption of 20 points (the reverse sample's redemptionId)."""
BECKY = 98662653
BECKY_MOBILE = "919740000000"
"""Holds 200 points in program 141, 20 of them redeemed by 54ZNkA."""
TOM = 32429961
TOM_MOBILE = "917799497290"
"""Holds 1000 points in program 141 that expire 365 days after the seed is loaded."""
DEMO_PROGRAM = 141

EXPIRY_ORG = 800002
EXPIRY_PASSWORD = "secret-802"
EXPIRY_PROGRAM = EXPIRY_ORG * 10 + 1
SAVER = EXPIRY_ORG * 1000 + 1
SAVER_MOBILE = "919820000001"
"""Holds 50 points expiring in 365 days and 100 that never expire."""


def expiry_org_seed(**config: Any) -> dict[str, Any]:
    return {
        "orgs": [
            {
                "orgId": EXPIRY_ORG,
                "name": "Reversal Expiry Org",
                "timezone": "+05:30",
                "defaultCountryCode": "91",
                "config": {"ALLOW_POINTS_REDEMPTION_REVERSAL": True, **config},
                "tills": [{"tillId": EXPIRY_ORG * 10 + 1, "code": f"till-{EXPIRY_ORG}",
                           "password": EXPIRY_PASSWORD}],
                "programs": [{"programId": EXPIRY_PROGRAM, "name": "Expiring", "default": True}],
                "customers": [
                    {"userId": SAVER, "firstName": "Sue", "lastName": "Saver",
                     "identifiers": {"mobile": SAVER_MOBILE, "externalId": "saver-1"},
                     "points": [
                         {"programId": EXPIRY_PROGRAM, "points": 100, "awardedAt": "-P20D"},
                         {"programId": EXPIRY_PROGRAM, "points": 50, "awardedAt": "-P10D",
                          "expiresAt": "P365D"},
                     ]},
                ],
            }
        ]
    }  # fmt: skip


def reverse_body(
    redemption_id: object = SEEDED,
    points: object = None,
    *,
    kind: object = "mobile",
    value: object = BECKY_MOBILE,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "redemptionId": redemption_id,
        "identifier": {"type": kind, "value": value},
    }
    if points is not None:
        body["pointsToBeReversed"] = points
    return body


def reverse(client: Any, body: Any, auth: dict[str, str] = DEMO_AUTH) -> Any:
    return client.post(REVERSE, json=body, headers=auth)


def redeem(
    client: Any, points: object, *, mobile: str = BECKY_MOBILE, auth: dict[str, str] = DEMO_AUTH
) -> str:
    """A redemption made as clients make it (v1.1, skip_validation); returns its id."""
    body = {"root": {"redeem": [{"points_redeemed": points, "customer": {"mobile": mobile}}]}}
    response = client.post(
        REDEEM, params={"format": "json", "skip_validation": "true"}, json=body, headers=auth
    )
    item = response.json()["response"]["responses"]["points"]
    assert item["item_status"]["code"] == 800, response.text
    return str(item["redemption_id"])


def reversals_of(client: Any, code: str) -> dict[str, Any]:
    """The redemption's reversed total and every reversal with its ledger entries."""
    with client.app.state.session_factory() as session:
        redemption = session.execute(select(Redemption).where(Redemption.code == code)).scalar_one()
        rows = session.execute(
            select(Reversal).where(Reversal.redemption_id == redemption.id).order_by(Reversal.id)
        ).scalars()
        reversals = []
        for reversal in rows:
            event = session.get(LedgerEvent, reversal.ledger_event_id)
            entries = session.execute(
                select(LedgerEntry.entry_type, LedgerEntry.points_milli).where(
                    LedgerEntry.event_id == reversal.ledger_event_id
                )
            ).all()
            reversals.append(
                {
                    "code": reversal.code,
                    "points": reversal.points_milli,
                    "restored": reversal.restored_milli,
                    "expired": reversal.expired_milli,
                    "event": event.event_name if event else None,
                    "owner": (event.owner_type, event.owner_id) if event else None,
                    "entries": [tuple(e) for e in entries],
                }
            )
        return {
            "redeemed": redemption.points_milli,
            "reversed": redemption.reversed_milli,
            "reversals": reversals,
        }
