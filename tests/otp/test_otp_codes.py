"""POST /v2/otp/generate and /v2/otp/validate: body, response and the 600-606 codes."""

from typing import Any

import pytest
from sqlalchemy import func, select

from capillary_emulator.models import Otp
from tests.support import DEMO_AUTH, DEMO_ORG, audit_ok, basic_auth

GENERATE = "/v2/otp/generate"
VALIDATE = "/v2/otp/validate"
TOM_MOBILE = "7799497290"
"""Demo customer 32429961, stored as 917799497290."""


def generate_body(**fields: Any) -> dict[str, Any]:
    return {
        "entityType": "MOBILE",
        "entityValue": TOM_MOBILE,
        "action": "POINTSTRANSFER",
        "template": "Your code is {{ validation_code }}",
        "channels": [{"type": "SMS", "value": TOM_MOBILE}],
        **fields,
    }


def inbox(client: Any, **params: Any) -> list[dict[str, Any]]:
    return list(client.get("/_emulator/otps", params={"orgId": DEMO_ORG, **params}).json()["otps"])


def tom_codes(client: Any) -> list[dict[str, Any]]:
    return inbox(client, identifierType="mobile", identifierValue=TOM_MOBILE)


def otp_rows(client: Any) -> list[tuple[Any, ...]]:
    with client.app.state.session_factory() as session:
        return sorted(
            (o.id, o.code, o.used_at, o.failed_attempts)
            for o in session.execute(select(Otp)).scalars()
        )


def assert_otp_error(client: Any, path: str, body: Any, code: int, message: str) -> None:
    before = otp_rows(client)
    response = client.post(path, json=body, headers=DEMO_AUTH)
    assert response.status_code == 200, response.text
    error = response.json()["errors"][0]
    assert (error["code"], error["message"], error["status"]) == (code, message, False)
    assert otp_rows(client) == before


class TestGenerate:
    def test_issues_a_code_bound_to_the_customer(self, client):
        response = client.post(GENERATE, json=generate_body(), headers=DEMO_AUTH)
        assert response.status_code == 200
        body = response.json()
        assert body["warnings"] == []
        [otp] = tom_codes(client)
        assert body["createdId"] == otp["id"]
        assert otp["userId"] == 32429961
        assert otp["action"] == "POINTSTRANSFER"
        assert otp["entityValue"] == "917799497290"
        assert len(otp["code"]) == 6

    def test_asking_again_within_validity_returns_the_same_code(self, client):
        first = client.post(GENERATE, json=generate_body(), headers=DEMO_AUTH).json()
        client.post("/_emulator/clock", json={"advance": "PT10M"})
        with_country_code = client.post(
            GENERATE,
            json=generate_body(entityValue="917799497290", channels=[{"type": "BOTH"}]),
            headers=DEMO_AUTH,
        ).json()
        assert with_country_code["createdId"] == first["createdId"]
        assert len(tom_codes(client)) == 1

    def test_after_validity_a_new_code(self, client):
        first = client.post(GENERATE, json=generate_body(), headers=DEMO_AUTH).json()
        client.post("/_emulator/clock", json={"advance": "PT901S"})
        second = client.post(GENERATE, json=generate_body(), headers=DEMO_AUTH).json()
        assert second["createdId"] != first["createdId"]

    def test_actions_have_separate_codes(self, client):
        a = client.post(GENERATE, json=generate_body(action="POINTS"), headers=DEMO_AUTH).json()
        b = client.post(GENERATE, json=generate_body(action="coupon"), headers=DEMO_AUTH).json()
        assert a["createdId"] != b["createdId"]
        assert {o["action"] for o in tom_codes(client)} == {"POINTS", "COUPON"}

    def test_email_entity(self, client):
        body = generate_body(entityType="email", entityValue="james.f@example.com",
                             action="GENERIC", channels=[{"type": "EMAIL"}])  # fmt: skip
        assert "createdId" in client.post(GENERATE, json=body, headers=DEMO_AUTH).json()
        [otp] = inbox(client, identifierType="email", identifierValue="james.f@example.com")
        assert otp["userId"] == 342953257

    def test_registration_code_for_someone_not_yet_a_customer(self, client):
        body = generate_body(entityValue="9555555555", action="REGISTRATION")
        created = client.post(GENERATE, json=body, headers=DEMO_AUTH).json()["createdId"]
        [otp] = [o for o in inbox(client) if o["id"] == created]
        assert otp["userId"] is None
        assert otp["entityValue"] == "919555555555"
        again = client.post(GENERATE, json=body, headers=DEMO_AUTH).json()["createdId"]
        assert again == created
        validated = client.post(
            VALIDATE,
            json={"entityType": "MOBILE", "entityValue": "919555555555", "code": otp["code"],
                  "action": "REGISTRATION"},
            headers=DEMO_AUTH,
        )  # fmt: skip
        assert validated.json() == {"entity": True, "warnings": []}

    @pytest.mark.parametrize(
        ("fields", "code", "message"),
        [
            ({"action": "DANCE"}, 600, '"Invalid or Null action passed"'),
            ({"action": None}, 600, '"Invalid or Null action passed"'),
            ({"entityType": "FAX"}, 601, '"Invalid or Null entity type passed"'),
            ({"entityType": None}, 601, '"Invalid or Null entity type passed"'),
            ({"entityValue": None}, 602, '"Invalid or Null entity value passed"'),
            ({"entityValue": ""}, 602, '"Invalid or Null entity value passed"'),
            ({"entityValue": {"a": 1}}, 602, '"Invalid or Null entity value passed"'),
            ({"entityValue": "9555555555"}, 602, '"Invalid or Null entity value passed"'),
            ({"channels": None}, 603, '"Invalid or Null channel passed"'),
            ({"channels": []}, 603, '"Invalid or Null channel passed"'),
            ({"channels": [{"type": "PIGEON"}]}, 603, '"Invalid or Null channel passed"'),
            ({"channels": ["SMS"]}, 603, '"Invalid or Null channel passed"'),
        ],
    )
    def test_rejects(self, client, fields, code, message):
        assert_otp_error(client, GENERATE, generate_body(**fields), code, message)

    def test_another_orgs_customer_is_unknown(self, client):
        body = generate_body(entityValue="919000000001")
        assert "createdId" in client.post(GENERATE, json=body, headers=DEMO_AUTH).json()
        seed = {"orgs": [{"orgId": 700900, "name": "Other", "tills": [
            {"tillId": 7009001, "code": "till-700900", "password": "pw"}],
            "programs": [{"programId": 7009001, "name": "P"}]}]}  # fmt: skip
        assert client.post("/_emulator/seed", json=seed).status_code == 200
        response = client.post(GENERATE, json=body, headers=basic_auth("till-700900", "pw"))
        assert response.json()["errors"][0]["code"] == 602


class TestValidate:
    def issue(self, client: Any, action: str = "POINTSTRANSFER") -> str:
        client.post(GENERATE, json=generate_body(action=action), headers=DEMO_AUTH)
        return str(next(o["code"] for o in tom_codes(client) if o["action"] == action))

    def validate(self, client: Any, code: Any, action: str = "POINTSTRANSFER") -> Any:
        body = {"entityType": "MOBILE", "entityValue": TOM_MOBILE, "code": code, "action": action}
        return client.post(VALIDATE, json=body, headers=DEMO_AUTH)

    def test_right_code_is_valid_once(self, client):
        code = self.issue(client, "GENERIC")
        assert self.validate(client, code, "GENERIC").json() == {"entity": True, "warnings": []}
        assert tom_codes(client)[0]["used"] is True
        response = self.validate(client, code, "GENERIC")
        assert response.json()["errors"][0]["code"] == 605

    def test_wrong_code_is_false_and_counts_an_attempt(self, client):
        code = self.issue(client)
        wrong = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
        assert self.validate(client, wrong).json() == {"entity": False, "warnings": []}
        [otp] = tom_codes(client)
        assert (otp["failedAttempts"], otp["used"]) == (1, False)

    def test_void_after_max_attempts(self, client):
        code = self.issue(client)
        wrong = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
        for _ in range(5):  # the demo org's OTP_MAX_ATTEMPTS
            assert self.validate(client, wrong).json()["entity"] is False
        assert_otp_error(
            client,
            VALIDATE,
            {"entityType": "MOBILE", "entityValue": TOM_MOBILE, "code": code,
             "action": "POINTSTRANSFER"},
            605,
            '"OTP is either invalid, expired, or null"',
        )  # fmt: skip

    def test_expired_code(self, client):
        code = self.issue(client)
        client.post("/_emulator/clock", json={"advance": "PT901S"})
        body = {"entityType": "MOBILE", "entityValue": TOM_MOBILE, "code": code,
                "action": "POINTSTRANSFER"}  # fmt: skip
        assert_otp_error(client, VALIDATE, body, 605, '"OTP is either invalid, expired, or null"')

    def test_code_of_another_action_is_not_valid(self, client):
        code = self.issue(client, "POINTS")
        body = {"entityType": "MOBILE", "entityValue": TOM_MOBILE, "code": code,
                "action": "COUPON"}  # fmt: skip
        assert_otp_error(client, VALIDATE, body, 605, '"OTP is either invalid, expired, or null"')

    @pytest.mark.parametrize(
        ("fields", "code", "message"),
        [
            ({"code": None}, 604, '"No OTP passed"'),
            ({"code": ""}, 604, '"No OTP passed"'),
            ({"code": {"a": 1}}, 604, '"No OTP passed"'),
            ({"action": "NOPE"}, 600, '"Invalid or Null action passed"'),
            ({"entityType": 3}, 601, '"Invalid or Null entity type passed"'),
            ({"entityValue": "   "}, 602, '"Invalid or Null entity value passed"'),
        ],
    )
    def test_rejects(self, client, fields, code, message):
        self.issue(client)
        body = {"entityType": "MOBILE", "entityValue": TOM_MOBILE, "code": "ABC123",
                "action": "POINTSTRANSFER", **fields}  # fmt: skip
        assert_otp_error(client, VALIDATE, body, code, message)

    def test_validated_transfer_code_is_used_up(self, client):
        code = self.issue(client)
        assert self.validate(client, code).json()["entity"] is True
        body = {
            "pointsTobeTransferred": 10,
            "programId": 141,
            "fromCustomerIdentifier": {"type": "MOBILE", "value": TOM_MOBILE},
            "toCustomerIdentifier": {"type": "ID", "value": "342953257"},
            "code": code,
        }
        response = client.post("/v2/points/transfer", json=body, headers=DEMO_AUTH)
        assert response.json()["errors"][0]["code"] == 808


class TestGeneratedCodeTransfers:
    def test_generate_then_transfer(self, client):
        client.post(GENERATE, json=generate_body(), headers=DEMO_AUTH)
        code = tom_codes(client)[0]["code"]
        body = {
            "pointsTobeTransferred": 10,
            "fromCustomerIdentifier": {"type": "MOBILE", "value": TOM_MOBILE},
            "toCustomerIdentifier": {"type": "ID", "value": "342953257"},
            "code": code,
        }
        response = client.post("/v2/points/transfer", json=body, headers=DEMO_AUTH)
        assert response.json()["errors"] == []
        assert response.json()["data"][0]["programName"] == "Nightly_ApiAutoDefaultProgram"
        audit_ok(client)
        with client.app.state.session_factory() as session:
            used = session.execute(
                select(func.count()).select_from(Otp).where(Otp.used_at.is_not(None))
            ).scalar_one()
        assert used == 1
