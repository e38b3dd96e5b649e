"""GET /v1.1/points/isredeemable: the answer a client reads before redeeming, its refusals, and
the validation code it can issue."""

from typing import Any

import pytest
from redemption_builders import (
    FRAUD_MOBILE,
    ISREDEEMABLE,
    NON_LOYALTY_MOBILE,
    OTHER_PROGRAM,
    REDEEMER,
    REDEEMER_MOBILE,
    REDEMPTION_STATE,
    assert_request_refused,
    org_seed,
    otps_of,
)

from tests.support import audit_ok, load_org, snapshot


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return load_org(client, org_seed())


def ask(client: Any, auth: dict[str, str], **params: Any) -> Any:
    query = {"format": "json", "mobile": REDEEMER_MOBILE, "points": 10, **params}
    present = {key: value for key, value in query.items() if value is not None}
    return client.get(ISREDEEMABLE, params=present, headers=auth)


def redeemable_of(response: Any) -> dict[str, Any]:
    return response.json()["response"]["points"]["redeemable"]


def assert_not_redeemable(
    client: Any, auth: dict[str, str], code: int, message: str, **params: Any
) -> dict[str, Any]:
    before = snapshot(client, REDEMPTION_STATE)
    response = ask(client, auth, **params)
    assert response.status_code == 200, response.text
    assert response.json()["response"]["status"] == {
        "success": "false",
        "code": 500,
        "message": "All requests have failed due to errors",
    }
    item = redeemable_of(response)
    assert item["is_redeemable"] == "false"
    assert item["item_status"] == {"success": "false", "code": code, "message": message}
    assert snapshot(client, REDEMPTION_STATE) == before
    audit_ok(client)
    return item


class TestIsRedeemable:
    def test_answers_redeemable_in_the_shape_clients_read(self, client, auth):
        response = ask(client, auth, points=300)
        assert response.status_code == 200
        body = response.json()["response"]
        assert body["status"] == {"success": "true", "code": 200, "message": "Success"}
        assert body["points"]["redeemable"] == {
            "mobile": "91" + REDEEMER_MOBILE,
            "email": "rae@example.com",
            "external_id": f"ext-{REDEEMER}",
            "points": 300,
            "is_redeemable": "true",
            "points_redeem_value": 300,
            "points_redeem_local_value": 300,
            "input_type": "points",
            "points_currency_ratio": "1",
            "item_status": {"success": "true", "code": 800, "message": "Points can be redeemed"},
        }

    def test_checking_changes_nothing(self, client, auth):
        before = snapshot(client, REDEMPTION_STATE)
        ask(client, auth)
        assert snapshot(client, REDEMPTION_STATE) == before

    def test_checks_the_given_program(self, client, auth):
        assert (
            redeemable_of(ask(client, auth, points=40, program_id=OTHER_PROGRAM))["is_redeemable"]
            == "true"
        )
        assert_not_redeemable(
            client,
            auth,
            818,
            "Current points are less than points requested for redemption.",
            points=41,
            program_id=OTHER_PROGRAM,
        )

    def test_issues_a_points_code_when_asked(self, client, auth):
        ask(client, auth, issue_otp="true")
        ask(client, auth, issue_otp="true")
        otps = otps_of(client)
        assert len(otps) == 1, "asking again within the validity re-issues the same code"
        assert otps[0]["action"] == "POINTS"
        assert otps[0]["userId"] == REDEEMER

    def test_issues_no_code_when_not_redeemable(self, client, auth):
        ask(client, auth, points=301, issue_otp="true")
        assert otps_of(client) == []

    def test_leaves_expired_points_out(self, client, auth):
        # 100 of the 300 points expire after 30 days.
        client.post("/_emulator/clock", json={"advance": "P31D"})
        assert redeemable_of(ask(client, auth, points=200))["is_redeemable"] == "true"
        assert_not_redeemable(
            client,
            auth,
            818,
            "Current points are less than points requested for redemption.",
            points=201,
        )


class TestIsRedeemableRefusals:
    def test_rejects_more_than_the_balance(self, client, auth):
        assert_not_redeemable(
            client,
            auth,
            818,
            "Current points are less than points requested for redemption.",
            points=301,
        )

    @pytest.mark.parametrize("points", [None, "0", "-1", "ten", "1.0001"])
    def test_rejects_invalid_points(self, client, auth, points):
        assert_not_redeemable(
            client, auth, 801, "Points you are trying to redeem are invalid", points=points
        )

    def test_rejects_an_unknown_customer(self, client, auth):
        item = assert_not_redeemable(
            client,
            auth,
            816,
            "Unable to find customer in this organization",
            mobile="9999999999",
        )
        assert item["mobile"] == "9999999999"

    def test_rejects_a_fraud_customer(self, client, auth):
        assert_not_redeemable(
            client,
            auth,
            809,
            "Unable to process. Customer is marked as fraud.",
            mobile=FRAUD_MOBILE,
        )

    def test_rejects_a_customer_not_in_loyalty(self, client, auth):
        assert_not_redeemable(
            client,
            auth,
            881,
            "Customer is not registered into the loyalty program.",
            mobile=NON_LOYALTY_MOBILE,
        )

    def test_rejects_points_not_a_multiple(self, client):
        auth = load_org(client, org_seed(POINTS_REDEMPTION_MULTIPLE=5))
        assert_not_redeemable(
            client,
            auth,
            807,
            "Unable to redeem. Make sure that the points you are trying to redeem is a multiple "
            "of 5. Check the points redemption configuration of your organization.",
            points=12,
        )

    def test_rejects_above_the_maximum_and_below_the_minimum(self, client):
        auth = load_org(client, org_seed(POINTS_REDEMPTION_MIN=5, POINTS_REDEMPTION_MAX=50))
        assert_not_redeemable(
            client,
            auth,
            819,
            "Points you are trying to redeem are more than the maximum allowed redemption limit.",
            points=51,
        )
        assert_not_redeemable(
            client,
            auth,
            821,
            "Points you are trying to redeem are less than the minimum redemption limit",
            points=4,
        )

    def test_rejects_an_unknown_program(self, client, auth):
        response = ask(client, auth, program_id="12x")
        assert_request_refused(response, 1101, "invalid programId passed", 200)

    def test_rejects_xml(self, client, auth):
        response = ask(client, auth, format="xml")
        assert_request_refused(
            response,
            400,
            "format=xml is not emulated: the emulator answers v1.1 in JSON only "
            "(omit format or send format=json)",
            400,
        )
