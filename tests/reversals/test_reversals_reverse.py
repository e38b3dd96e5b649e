"""POST /v2/points/reverse: full and partial reversals, points whose lots expired since the
redemption, and every documented refusal (HTTP status, code, message, nothing changed)."""

import re
from typing import Any

import pytest
from reversal_builders import (
    BECKY,
    DEMO_PROGRAM,
    EXPIRY_PROGRAM,
    REVERSAL_STATE,
    SAVER,
    SAVER_MOBILE,
    SEEDED,
    TOM,
    TOM_MOBILE,
    expiry_org_seed,
    redeem,
    reversals_of,
    reverse,
    reverse_body,
)
from sqlalchemy import select

from capillary_emulator import caches
from capillary_emulator.models import Org
from tests.support import DEMO_ORG, assert_error, audit_ok, load_org, main_points, snapshot

CODE = re.compile(r"^[A-Za-z0-9]{6}$")


def assert_refused(client: Any, body: Any, code: int, message: str, **kwargs: Any) -> None:
    before = snapshot(client, REVERSAL_STATE)
    assert_error(reverse(client, body, **kwargs), code, message)
    assert snapshot(client, REVERSAL_STATE) == before
    audit_ok(client)


def set_demo_config(client: Any, **values: Any) -> None:
    with client.app.state.session_factory() as session:
        org = session.execute(select(Org).where(Org.id == DEMO_ORG)).scalar_one()
        org.config = {**org.config, **values}
        caches.invalidate(session)
        session.commit()


class TestReverse:
    def test_reverses_part_of_a_redemption(self, client):
        response = reverse(client, reverse_body(points=10))

        assert response.status_code == 200
        body = response.json()
        assert body == {
            "redemptionId": SEEDED,
            "pointsToBeReversed": 10.0,
            "orgId": DEMO_ORG,
            "identifier": {"type": "mobile", "value": "919740000000"},
            "customerId": BECKY,
            "pointsReversed": 10.0,
            "pointsReversedDetails": {"available": 10.0, "expired": 0.0},
            "reversalId": body["reversalId"],
            "warnings": [],
        }
        assert CODE.match(body["reversalId"])
        assert main_points(client, BECKY, DEMO_PROGRAM) == 190_000
        state = reversals_of(client, SEEDED)
        assert state["reversed"] == 10_000
        assert state["reversals"] == [
            {
                "code": body["reversalId"],
                "points": 10_000,
                "restored": 10_000,
                "expired": 0,
                "event": "PointsRedemptionReversal",
                "owner": ("CUSTOMER", BECKY),
                "entries": [("CREDIT", 10_000)],
            }
        ]
        audit_ok(client)

    def test_reverses_all_that_remains_without_points(self, client):
        body = reverse(client, reverse_body()).json()
        assert body["pointsToBeReversed"] == 20.0
        assert body["pointsReversed"] == 20.0
        assert main_points(client, BECKY, DEMO_PROGRAM) == 200_000
        audit_ok(client)

    def test_partial_reversals_until_the_redemption_is_used_up(self, client):
        first = reverse(client, reverse_body(points=5)).json()
        second = reverse(client, reverse_body(points="7.5")).json()
        rest = reverse(client, reverse_body()).json()
        assert [first["pointsReversed"], second["pointsReversed"], rest["pointsReversed"]] == [
            5.0,
            7.5,
            7.5,
        ]
        assert len({first["reversalId"], second["reversalId"], rest["reversalId"]}) == 3
        assert main_points(client, BECKY, DEMO_PROGRAM) == 200_000
        assert reversals_of(client, SEEDED)["reversed"] == 20_000
        assert_refused(
            client,
            reverse_body(points=1),
            3802,
            "Points reversal redeemed points already reversed.",
        )

    @pytest.mark.parametrize(
        ("kind", "value"),
        [
            ("mobile", "9740000000"),
            ("MOBILE", "919740000000"),
            ("PHONE", "919740000000"),
            ("ID", str(BECKY)),
            ("id", BECKY),
        ],
    )
    def test_accepts_any_identifier_of_the_customer(self, client, kind, value):
        response = reverse(client, reverse_body(points=1, kind=kind, value=value))
        assert response.json()["customerId"] == BECKY, response.text
        assert response.json()["identifier"] == {"type": kind, "value": value}

    def test_restores_into_the_lots_the_redemption_drew(self, client):
        code = redeem(client, 100, mobile=TOM_MOBILE)
        reverse(client, reverse_body(code, 40, value=TOM_MOBILE))
        assert main_points(client, TOM, DEMO_PROGRAM) == 940_000
        # Tom's only lot expires in 365 days; the points restored into it expire with it.
        client.post("/_emulator/clock", json={"advance": "P366D"})
        assert main_points(client, TOM, DEMO_PROGRAM) == 0
        audit_ok(client)


class TestReverseExpiredPoints:
    def test_points_of_an_expired_lot_are_reported_and_not_restored(self, client):
        auth = load_org(client, expiry_org_seed())
        code = redeem(client, 80, mobile=SAVER_MOBILE, auth=auth)
        # 50 came from the lot expiring in 365 days, 30 from the lot that never expires.
        assert main_points(client, SAVER, EXPIRY_PROGRAM) == 70_000
        client.post("/_emulator/clock", json={"advance": "P400D"})

        first = reverse(client, reverse_body(code, 40, value=SAVER_MOBILE), auth).json()
        assert first["pointsReversed"] == 40.0
        assert first["pointsReversedDetails"] == {"available": 30.0, "expired": 10.0}
        assert main_points(client, SAVER, EXPIRY_PROGRAM) == 100_000

        rest = reverse(client, reverse_body(code, value=SAVER_MOBILE), auth).json()
        assert rest["pointsReversed"] == 40.0
        assert rest["pointsReversedDetails"] == {"available": 0.0, "expired": 40.0}
        assert main_points(client, SAVER, EXPIRY_PROGRAM) == 100_000

        state = reversals_of(client, code)
        assert state["reversed"] == 80_000
        assert [(r["restored"], r["expired"]) for r in state["reversals"]] == [
            (30_000, 10_000),
            (0, 40_000),
        ]
        # The ledger credits only what went back; the expired part never re-enters a balance.
        assert [r["entries"] for r in state["reversals"]] == [[("CREDIT", 30_000)], [("CREDIT", 0)]]
        assert_error(
            reverse(client, reverse_body(code, 1, value=SAVER_MOBILE), auth),
            3802,
            "Points reversal redeemed points already reversed.",
        )
        audit_ok(client)

    def test_a_fully_expired_redemption_restores_nothing(self, client):
        code = redeem(client, 100, mobile=TOM_MOBILE)
        client.post("/_emulator/clock", json={"advance": "P400D"})
        assert main_points(client, TOM, DEMO_PROGRAM) == 0

        body = reverse(client, reverse_body(code, value=TOM_MOBILE)).json()
        assert body["pointsReversed"] == 100.0
        assert body["pointsReversedDetails"] == {"available": 0.0, "expired": 100.0}
        assert main_points(client, TOM, DEMO_PROGRAM) == 0
        audit_ok(client)


class TestReverseRefusals:
    def test_rejects_more_than_was_redeemed(self, client):
        assert_refused(
            client, reverse_body(points=21), 810, "Mismatch in points for revert API call"
        )

    def test_rejects_more_than_remains(self, client):
        reverse(client, reverse_body(points=15))
        assert_refused(
            client, reverse_body(points=6), 810, "Mismatch in points for revert API call"
        )

    def test_rejects_a_second_full_reversal(self, client):
        reverse(client, reverse_body())
        assert_refused(
            client, reverse_body(), 3802, "Points reversal redeemed points already reversed."
        )

    @pytest.mark.parametrize("redemption_id", ["NOPE99", "54znka", "x" * 40, 12345])
    def test_rejects_an_unknown_redemption(self, client, redemption_id):
        assert_refused(client, reverse_body(redemption_id, 1), 902, "Redemption ID does not exist.")

    def test_another_orgs_redemption_does_not_exist(self, client):
        auth = load_org(client, expiry_org_seed())
        assert_refused(
            client,
            reverse_body(SEEDED, 1, value=SAVER_MOBILE),
            902,
            "Redemption ID does not exist.",
            auth=auth,
        )

    @pytest.mark.parametrize("redemption_id", [None, "", "  ", True, {"id": 1}, [SEEDED]])
    def test_rejects_a_missing_redemption_id(self, client, redemption_id):
        assert_refused(
            client,
            reverse_body(redemption_id, 1),
            901,
            "Invalid points or points redemption Id passed.",
        )

    @pytest.mark.parametrize("points", [0, -1, "abc", "", 1.0001, True, "1e30", {"p": 1}])
    def test_rejects_invalid_points(self, client, points):
        assert_refused(
            client,
            reverse_body(points=points),
            901,
            "Invalid points or points redemption Id passed.",
        )

    def test_rejects_another_customers_identifier(self, client):
        assert_refused(
            client,
            reverse_body(points=1, value=TOM_MOBILE),
            904,
            "Invalid customer details passed.",
        )

    @pytest.mark.parametrize(
        "identifier",
        [
            {"type": "mobile", "value": "910000000000"},
            {"type": "wechat", "value": "919740000000"},
            {"type": "mobile"},
            {"value": "919740000000"},
            None,
            "919740000000",
        ],
    )
    def test_rejects_invalid_customer_details(self, client, identifier):
        body = {"redemptionId": SEEDED, "pointsToBeReversed": 1, "identifier": identifier}
        assert_refused(client, body, 904, "Invalid customer details passed.")

    def test_warns_and_changes_nothing_when_reversal_is_disabled(self, client):
        set_demo_config(client, ALLOW_POINTS_REDEMPTION_REVERSAL=False)
        before = snapshot(client, REVERSAL_STATE)
        response = reverse(client, reverse_body(points=10))
        assert response.status_code == 200
        body = response.json()
        assert body["warnings"] == [
            {
                "status": False,
                "code": 905,
                "message": "points redemption reversal is disabled for the org.",
            }
        ]
        assert body["pointsReversed"] == 0.0
        assert body["pointsReversedDetails"] == {"available": 0.0, "expired": 0.0}
        assert "reversalId" not in body
        assert snapshot(client, REVERSAL_STATE) == before
        audit_ok(client)

    def test_rejects_a_body_that_is_not_an_object(self, client):
        before = snapshot(client, REVERSAL_STATE)
        response = reverse(client, [reverse_body()])
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == 400
        assert snapshot(client, REVERSAL_STATE) == before
