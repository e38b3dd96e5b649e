"""POST /v1.1/points/redeem: what it writes, how it answers, and every documented refusal
(HTTP status, code, message, and that nothing changed)."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redemption_builders import (
    EMPTY_MOBILE,
    FRAUD,
    FRAUD_MOBILE,
    NON_LOYALTY_MOBILE,
    ORG,
    OTHER_PROGRAM,
    PASSWORD,
    PROGRAM,
    REDEEM,
    REDEEMER,
    REDEEMER_MOBILE,
    REDEMPTION_STATE,
    assert_item_refused,
    assert_request_refused,
    item_of,
    org_seed,
    otps_of,
    redeem,
    redeem_body,
    redeem_item,
    stored_redemption,
)

from capillary_emulator.config import Settings
from capillary_emulator.main import create_app
from tests.support import DEMO_AUTH, audit_ok, basic_auth, load_org, main_points, snapshot

CODE = re.compile(r"^[A-Za-z0-9]{6}$")


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return load_org(client, org_seed())


def assert_refused(
    client: Any,
    auth: dict[str, str],
    body: Any,
    code: int,
    message: str,
    *,
    status: int = 200,
    **params: Any,
) -> Any:
    before = snapshot(client, REDEMPTION_STATE)
    response = redeem(client, auth, body, **params)
    assert_item_refused(response, code, message, status)
    assert snapshot(client, REDEMPTION_STATE) == before
    audit_ok(client)
    return response


class TestRedeem:
    def test_redeems_and_answers_in_the_v11_envelope(self, client, auth):
        body = redeem_body(
            redeem_item(
                50,
                transaction_number="bill-77",
                notes="50 points at the till",
                redemption_purpose="discount",
                redemption_time="2026-03-13 18:02:34",
            )
        )
        response = redeem(client, auth, body)

        assert response.status_code == 200
        envelope = response.json()["response"]
        assert envelope["status"] == {"success": "true", "code": 200, "message": "Success"}
        item = envelope["responses"]["points"]
        assert CODE.match(item["redemption_id"])
        assert item["mobile"] == "91" + REDEEMER_MOBILE
        assert item["email"] == "rae@example.com"
        assert item["external_id"] == f"ext-{REDEEMER}"
        assert item["user_id"] == str(REDEEMER)
        assert item["points_redeemed"] == "50"
        assert item["redemption_purpose"] == "discount"
        assert item["redeemed_value"] == 50
        assert item["balance"] == 250
        assert item["item_status"] == {"success": "true", "code": 800, "message": "Points Redeemed"}
        effect = item["side_effects"]["effect"][0]
        assert effect["num_points"] == 50
        assert effect["redeemed_on_bill_number"] == "bill-77"
        assert effect["redeemed_on_bill_id"] == -1
        assert effect["type"] == "points"
        assert effect["points_redemption_summary_id"] == str(effect["id"])

        assert main_points(client, REDEEMER, PROGRAM) == 250_000
        stored = stored_redemption(client, item["redemption_id"])
        assert stored["customer_id"] == REDEEMER
        assert stored["program_id"] == PROGRAM
        assert stored["points_milli"] == 50_000
        assert stored["transaction_number"] == "bill-77"
        assert stored["notes"] == "50 points at the till"
        assert stored["event_name"] == "PointsRedemption"
        assert stored["event_transaction_number"] == "bill-77"
        assert stored["entries"] == [("DEBIT", -50_000)]
        audit_ok(client)

    def test_draws_the_earliest_expiring_lot_first(self, client, auth):
        item = item_of(redeem(client, auth, redeem_body(redeem_item(120))))
        allocations = stored_redemption(client, item["redemption_id"])["allocations"]
        # 100 from the lot expiring in 30 days, then 20 from the lot that never expires.
        assert [milli for _, milli in allocations] == [100_000, 20_000]

    def test_string_typed_fields_are_strings(self, client, auth):
        item = item_of(redeem(client, auth, redeem_body(redeem_item(10))))
        for key in ("mobile", "email", "external_id", "user_id", "redemption_id"):
            assert isinstance(item[key], str), key
        assert isinstance(item["points_redeemed"], str)
        assert isinstance(item["item_status"]["success"], str)
        assert isinstance(item["side_effects"]["effect"][0]["case_value"], str)
        assert isinstance(item["balance"], int)

    def test_accepts_a_single_object_and_a_numeric_string(self, client, auth):
        body = {"root": {"redeem": redeem_item("25")}}
        item = item_of(redeem(client, auth, body))
        assert item["points_redeemed"] == "25"
        assert main_points(client, REDEEMER, PROGRAM) == 275_000

    def test_accepts_a_float(self, client, auth):
        item = item_of(redeem(client, auth, redeem_body(redeem_item(10.0))))
        assert item["points_redeemed"] == "10"

    def test_format_may_be_omitted(self, client, auth):
        response = client.post(
            REDEEM, params={"skip_validation": "true"}, json=redeem_body(), headers=auth
        )
        assert item_of(response)["item_status"]["code"] == 800

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("mobile", "91" + REDEEMER_MOBILE),
            ("email", "rae@example.com"),
            ("external_id", f"ext-{REDEEMER}"),
            ("card_number", f"card-{REDEEMER}"),
        ],
    )
    def test_finds_the_customer_by_any_identifier(self, client, auth, field, value):
        body = redeem_body({"points_redeemed": 5, "customer": {field: value}})
        item = item_of(redeem(client, auth, body))
        assert item["user_id"] == str(REDEEMER)
        assert main_points(client, REDEEMER, PROGRAM) == 295_000

    def test_skips_empty_identifiers(self, client, auth):
        customer = {"mobile": "", "external_id": "", "email": "rae@example.com"}
        item = item_of(
            redeem(client, auth, redeem_body({"points_redeemed": 5, "customer": customer}))
        )
        assert item["user_id"] == str(REDEEMER)

    def test_redeems_from_the_given_program(self, client, auth):
        item = item_of(
            redeem(client, auth, redeem_body(redeem_item(15)), program_id=str(OTHER_PROGRAM))
        )
        assert item["balance"] == 25
        assert main_points(client, REDEEMER, OTHER_PROGRAM) == 25_000
        assert main_points(client, REDEEMER, PROGRAM) == 300_000

    def test_repeated_external_reference_is_redeemed_once(self, client, auth):
        body = redeem_body(redeem_item(30, external_reference_number="order-1"))
        first = item_of(redeem(client, auth, body))
        again = item_of(redeem(client, auth, body))
        assert again["redemption_id"] == first["redemption_id"]
        assert again["item_status"]["code"] == 800
        assert again["balance"] == 270
        assert main_points(client, REDEEMER, PROGRAM) == 270_000
        # The demo seed's 54ZNkA and this one.
        assert len(snapshot(client, REDEMPTION_STATE)["redemptions"]) == 2
        audit_ok(client)

    def test_several_items_succeed_or_fail_on_their_own(self, client, auth):
        body = redeem_body(
            redeem_item(10),
            redeem_item(10, mobile="9999999999"),
            redeem_item(5000),
            redeem_item(20),
        )
        response = redeem(client, auth, body)
        assert response.status_code == 200
        envelope = response.json()["response"]
        assert envelope["status"] == {
            "success": "true",
            "code": 201,
            "message": "Some requests have failed due to errors",
        }
        items = envelope["responses"]["points"]
        assert [i["item_status"]["code"] for i in items] == [800, 816, 804, 800]
        assert items[1]["user_id"] is None
        assert items[1]["mobile"] == "9999999999"
        assert items[2]["user_id"] == str(REDEEMER)
        assert main_points(client, REDEEMER, PROGRAM) == 270_000
        audit_ok(client)

    def test_redemption_ids_are_unique(self, client, auth):
        body = redeem_body(*[redeem_item(1) for _ in range(10)])
        items = redeem(client, auth, body).json()["response"]["responses"]["points"]
        codes = {i["redemption_id"] for i in items}
        assert len(codes) == 10
        assert all(CODE.match(c) for c in codes)


class TestValidationCode:
    def test_redeems_with_the_code_isredeemable_issued(self, client, auth):
        client.get(
            "/v1.1/points/isredeemable",
            params={"mobile": REDEEMER_MOBILE, "points": 10, "issue_otp": "true"},
            headers=auth,
        )
        code = otps_of(client)[0]["code"]
        body = redeem_body(redeem_item(10, validation_code=code))
        item = item_of(redeem(client, auth, body, skip_validation=False))
        assert item["item_status"]["code"] == 800
        assert item["side_effects"]["effect"][0]["validation_code"] == code
        assert otps_of(client)[0]["used"] is True

    def test_redeems_with_a_code_from_otp_generate(self, client, auth):
        generated = client.post(
            "/v2/otp/generate",
            json={
                "entityType": "MOBILE",
                "entityValue": REDEEMER_MOBILE,
                "action": "POINTS",
                "channels": [{"type": "SMS", "value": REDEEMER_MOBILE}],
            },
            headers=auth,
        )
        assert generated.json().get("errors", []) == [], generated.text
        code = next(o["code"] for o in otps_of(client) if o["action"] == "POINTS")
        body = redeem_body(redeem_item(10, validation_code=code.lower()))
        assert (
            item_of(redeem(client, auth, body, skip_validation=False))["item_status"]["code"] == 800
        )

    def test_rejects_a_wrong_code_and_counts_the_attempt(self, client, auth):
        client.get(
            "/v1.1/points/isredeemable",
            params={"mobile": REDEEMER_MOBILE, "points": 10, "issue_otp": "true"},
            headers=auth,
        )
        before = snapshot(client, REDEMPTION_STATE)
        response = redeem(
            client,
            auth,
            redeem_body(redeem_item(10, validation_code="WRONG1")),
            skip_validation=False,
        )
        assert_item_refused(response, 808, "Unable to redeem. Validation code is invalid.")
        after = snapshot(client, REDEMPTION_STATE)
        assert after["otps"][-1][3] == before["otps"][-1][3] + 1
        assert {k: v for k, v in after.items() if k != "otps"} == {
            k: v for k, v in before.items() if k != "otps"
        }

    def test_rejects_a_missing_code(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(10)),
            808,
            "Unable to redeem. Validation code is invalid.",
            skip_validation=False,
        )

    def test_a_code_is_used_once(self, client, auth):
        client.get(
            "/v1.1/points/isredeemable",
            params={"mobile": REDEEMER_MOBILE, "points": 10, "issue_otp": "true"},
            headers=auth,
        )
        code = otps_of(client)[0]["code"]
        body = redeem_body(redeem_item(10, validation_code=code))
        redeem(client, auth, body, skip_validation=False)
        assert_refused(
            client,
            auth,
            body,
            808,
            "Unable to redeem. Validation code is invalid.",
            skip_validation=False,
        )


class TestRedeemRefusals:
    @pytest.mark.parametrize("points", [0, -5, "abc", None, "", True, 1.2345, "1e20", {"a": 1}])
    def test_rejects_invalid_points(self, client, auth, points):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(points)),
            801,
            "Points you are trying to redeem are invalid",
        )

    @pytest.mark.parametrize(
        "customer",
        [{"mobile": "9999999999"}, {"email": "nobody@example.com"}, {}, None, "x"],
    )
    def test_rejects_an_unknown_customer(self, client, auth, customer):
        response = assert_refused(
            client,
            auth,
            redeem_body({"points_redeemed": 10, "customer": customer}),
            816,
            "Unable to find customer in this organization",
        )
        assert item_of(response)["user_id"] is None

    def test_another_orgs_customer_is_not_found(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(10, mobile="919740000000")),
            816,
            "Unable to find customer in this organization",
        )

    def test_rejects_more_than_the_balance(self, client, auth):
        assert_refused(
            client, auth, redeem_body(redeem_item(301)), 804, "Insufficient current points."
        )

    def test_rejects_a_customer_without_points(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(1, mobile=EMPTY_MOBILE)),
            804,
            "Insufficient current points.",
        )

    def test_rejects_points_of_another_program(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(41)),
            804,
            "Insufficient current points.",
            program_id=str(OTHER_PROGRAM),
        )

    def test_rejects_points_not_a_multiple(self, client):
        auth = load_org(client, org_seed(POINTS_REDEMPTION_MULTIPLE=10))
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(15)),
            807,
            "Unable to redeem. Make sure that the points you are trying to redeem is a multiple "
            "of 10. Check the points redemption configuration of your organization.",
        )
        assert (
            item_of(redeem(client, auth, redeem_body(redeem_item(20))))["item_status"]["code"]
            == 800
        )

    def test_rejects_fractional_points_by_default(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(10.5)),
            807,
            "Unable to redeem. Make sure that the points you are trying to redeem is a multiple "
            "of 1. Check the points redemption configuration of your organization.",
        )

    def test_rejects_above_the_maximum(self, client):
        auth = load_org(client, org_seed(POINTS_REDEMPTION_MAX=100))
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(101)),
            819,
            "Points you are trying to redeem are more than the maximum allowed redemption limit.",
        )

    def test_rejects_below_the_minimum(self, client):
        auth = load_org(client, org_seed(POINTS_REDEMPTION_MIN=20))
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(19)),
            821,
            "Points you are trying to redeem are less than the minimum redemption limit",
        )

    def test_rejects_a_fraud_customer(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(10, mobile=FRAUD_MOBILE)),
            3045,
            f"Points Redemption is not allowed for the customer with id {FRAUD} as the "
            "status is fraud.",
        )

    def test_rejects_a_customer_not_in_loyalty(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(10, mobile=NON_LOYALTY_MOBILE)),
            881,
            "Customer is not registered into the loyalty program.",
        )

    def test_rejects_an_invalid_redemption_time(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(10, redemption_time="yesterday")),
            859,
            "The redemption time you have passed is invalid",
        )

    def test_rejects_an_over_long_transaction_number(self, client, auth):
        assert_refused(
            client,
            auth,
            redeem_body(redeem_item(10, transaction_number="x" * 201)),
            811,
            "The transaction number entered to redeem/revert points is invalid",
        )

    def test_all_failed_answers_the_business_error_status(self, client, settings):
        load_org(client, org_seed())
        strict = Settings(
            database_url=settings.database_url,
            seed_file=settings.seed_file,
            business_error_status=400,
        )
        with TestClient(create_app(strict)) as strict_client:
            auth = basic_auth(f"till-{ORG}", PASSWORD)
            response = redeem(strict_client, auth, redeem_body(redeem_item(301)))
            assert_item_refused(response, 804, "Insufficient current points.", status=400)


class TestRedeemRequestRefusals:
    def test_rejects_xml(self, client, auth):
        before = snapshot(client, REDEMPTION_STATE)
        response = client.post(REDEEM, params={"format": "xml"}, json=redeem_body(), headers=auth)
        assert_request_refused(
            response,
            400,
            "format=xml is not emulated: the emulator answers v1.1 in JSON only "
            "(omit format or send format=json)",
            400,
        )
        assert snapshot(client, REDEMPTION_STATE) == before

    @pytest.mark.parametrize(
        "body", [{}, {"root": {}}, {"root": {"redeem": []}}, {"root": {"redeem": [1]}}]
    )
    def test_rejects_a_body_without_items(self, client, auth, body):
        before = snapshot(client, REDEMPTION_STATE)
        response = redeem(client, auth, body)
        assert_request_refused(
            response,
            400,
            "Invalid input: root.redeem must be an object or a list of objects",
            400,
        )
        assert snapshot(client, REDEMPTION_STATE) == before

    def test_rejects_an_unknown_program(self, client, auth):
        before = snapshot(client, REDEMPTION_STATE)
        response = redeem(client, auth, redeem_body(), program_id="999")
        assert_request_refused(response, 1101, "invalid programId passed", 200)
        assert snapshot(client, REDEMPTION_STATE) == before

    def test_rejects_group_redemption(self, client, auth):
        response = redeem(client, auth, redeem_body(), user_group2_id="2626")
        assert_request_refused(
            response,
            400,
            "Invalid input: group redemption (user_group2_* parameters) is not emulated",
            400,
        )

    def test_rejects_bad_credentials(self, client):
        response = redeem(client, {"Authorization": "Basic eDp5"}, redeem_body())
        assert response.status_code == 401
        assert response.json()["response"]["status"]["code"] == 401

    def test_demo_till_redeems_from_the_demo_org(self, client):
        body = redeem_body(redeem_item(5, mobile="919740000000"))
        item = item_of(redeem(client, DEMO_AUTH, body))
        assert item["user_id"] == "98662653"
        assert item["balance"] == 175
