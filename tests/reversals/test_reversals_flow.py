"""A client's whole flow: redeem through v1.1, then reverse with v2 when the order comes back,
in parts, until Capillary answers 3802; balances and ledger are checked at every step."""

from typing import Any

from reversal_builders import (
    BECKY,
    BECKY_MOBILE,
    DEMO_PROGRAM,
    REDEEM,
    reversals_of,
    reverse,
    reverse_body,
)
from sqlalchemy import func, select

from capillary_emulator.models import LedgerEntry, LedgerEvent
from tests.support import DEMO_AUTH, audit_ok, main_points


def ledger_of(client: Any, customer_id: int = BECKY) -> list[tuple[str, int]]:
    """(eventName, net thousandths) of every ledger event of the customer, oldest first."""
    with client.app.state.session_factory() as session:
        rows = session.execute(
            select(LedgerEvent.event_name, func.sum(LedgerEntry.points_milli))
            .join(LedgerEntry, LedgerEntry.event_id == LedgerEvent.id)
            .where(LedgerEvent.owner_type == "CUSTOMER", LedgerEvent.owner_id == customer_id)
            .group_by(LedgerEvent.id, LedgerEvent.event_name)
            .order_by(LedgerEvent.id)
        ).all()
        return [(name, int(net)) for name, net in rows]


SEEDED_LEDGER = [
    ("CustomerRegistration", 0),
    ("TransactionAdd", 200_000),
    ("PointsRedemption", -20_000),
]
"""Becky's ledger in the demo seed: 200 points awarded, 20 redeemed by 54ZNkA."""


class TestRedeemThenReverse:
    def test_redeem_reverse_in_parts_then_already_reversed(self, client):
        assert main_points(client, BECKY, DEMO_PROGRAM) == 180_000
        assert ledger_of(client) == SEEDED_LEDGER

        redeemed = client.post(
            REDEEM,
            params={"format": "json", "skip_validation": "true"},
            json={
                "root": {
                    "redeem": [
                        {
                            "points_redeemed": 50,
                            "customer": {"mobile": BECKY_MOBILE},
                            "transaction_number": "order-4711",
                            "external_reference_number": "order-4711-r1",
                        }
                    ]
                }
            },
            headers=DEMO_AUTH,
        ).json()["response"]["responses"]["points"]
        code = redeemed["redemption_id"]
        assert redeemed["balance"] == 130
        assert main_points(client, BECKY, DEMO_PROGRAM) == 130_000
        assert ledger_of(client) == [*SEEDED_LEDGER, ("PointsRedemption", -50_000)]
        audit_ok(client)

        # The customer returns part of the order.
        partial = reverse(client, reverse_body(code, 20)).json()
        assert partial["pointsReversed"] == 20.0
        assert partial["pointsReversedDetails"] == {"available": 20.0, "expired": 0.0}
        assert main_points(client, BECKY, DEMO_PROGRAM) == 150_000
        assert ledger_of(client)[-1] == ("PointsRedemptionReversal", 20_000)
        audit_ok(client)

        # Then the rest of it: no points given reverses whatever remains.
        rest = reverse(client, reverse_body(code)).json()
        assert rest["pointsToBeReversed"] == 30.0
        assert rest["pointsReversed"] == 30.0
        assert rest["reversalId"] != partial["reversalId"]
        assert main_points(client, BECKY, DEMO_PROGRAM) == 180_000
        assert ledger_of(client) == [
            *SEEDED_LEDGER,
            ("PointsRedemption", -50_000),
            ("PointsRedemptionReversal", 20_000),
            ("PointsRedemptionReversal", 30_000),
        ]
        assert reversals_of(client, code)["reversed"] == 50_000
        audit_ok(client)

        # A retry after the full reversal is final for clients (Neo treats 3802 as done).
        again = reverse(client, reverse_body(code))
        assert again.status_code == 200
        assert again.json()["errors"] == [
            {
                "status": False,
                "code": 3802,
                "message": "Points reversal redeemed points already reversed.",
            }
        ]
        assert main_points(client, BECKY, DEMO_PROGRAM) == 180_000
        assert len(ledger_of(client)) == len(SEEDED_LEDGER) + 3
        audit_ok(client)

    def test_redeem_with_a_validation_code_then_reverse(self, client):
        checked = client.get(
            "/v1.1/points/isredeemable",
            params={"mobile": BECKY_MOBILE, "points": 40, "issue_otp": "true", "format": "json"},
            headers=DEMO_AUTH,
        ).json()["response"]
        assert checked["points"]["redeemable"]["is_redeemable"] == "true"
        otps = client.get(
            "/_emulator/otps", params={"identifierType": "mobile", "identifierValue": BECKY_MOBILE}
        ).json()["otps"]
        code = next(o["code"] for o in otps if o["action"] == "POINTS")

        redeemed = client.post(
            REDEEM,
            params={"format": "json"},
            json={
                "root": {
                    "redeem": {
                        "points_redeemed": "40",
                        "customer": {"mobile": BECKY_MOBILE},
                        "validation_code": code,
                    }
                }
            },
            headers=DEMO_AUTH,
        ).json()["response"]["responses"]["points"]
        assert redeemed["item_status"]["code"] == 800
        assert main_points(client, BECKY, DEMO_PROGRAM) == 140_000

        reversed_ = reverse(client, reverse_body(redeemed["redemption_id"])).json()
        assert reversed_["pointsReversed"] == 40.0
        assert main_points(client, BECKY, DEMO_PROGRAM) == 180_000
        audit_ok(client)
