"""The OTP a client goes through to transfer: issued by isTransferrable / issuePointsTransferOtp,
valid OTP_VALIDITY_SECONDS on the emulator clock, single use, bound to sender and action, void
after OTP_MAX_ATTEMPTS wrong tries, optional when POINTS_TRANSFER_OTP_REQUIRED is off."""

import logging
import re
from typing import Any

import pytest
from transfer_builders import (
    FRAUD_MOBILE,
    ISSUE_OTP,
    ISTRANSFERRABLE,
    PROGRAM,
    RECIPIENT,
    RECIPIENT_MOBILE,
    SENDER,
    TRANSFER,
    TRANSFER_STATE,
    issue_code,
    org_seed,
    otps_of,
    transfer_body,
)

from tests.support import assert_error, audit_ok, load_org, main_points, snapshot

INVALID_CODE = "Unable to redeem. Validation code is invalid."


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return load_org(client, org_seed(CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER=False))


def assert_code_refused(client: Any, auth: dict[str, str], body: dict[str, Any]) -> None:
    before = snapshot(client, TRANSFER_STATE)
    response = client.post(TRANSFER, json=body, headers=auth)
    assert_error(response, 808, INVALID_CODE)
    after = snapshot(client, TRANSFER_STATE)
    for part in ("balances", "lots", "ledger_entries", "transfers"):
        assert after[part] == before[part], part
    audit_ok(client)


class TestIssuing:
    def test_is_transferrable_issues_a_code_to_the_sender(self, client, auth):
        code = issue_code(client, auth)
        assert re.fullmatch(r"[A-Z0-9]{6}", code)
        [otp] = otps_of(client)
        assert otp["action"] == "POINTSTRANSFER"
        assert otp["userId"] == SENDER
        assert otp["entityValue"] == "919800000001"
        assert otp["used"] is False

    @pytest.mark.parametrize("flag", [False, "false", None])
    def test_issues_nothing_without_issue_otp(self, client, auth, flag):
        body = transfer_body(issueOtp=flag)
        assert client.post(ISTRANSFERRABLE, json=body, headers=auth).json()["errors"] == []
        assert otps_of(client) == []

    def test_issues_nothing_when_the_check_fails(self, client, auth):
        body = transfer_body(1000, issueOtp=True)
        assert (
            client.post(ISTRANSFERRABLE, json=body, headers=auth).json()["errors"][0]["code"] == 804
        )
        assert otps_of(client) == []

    def test_asking_again_returns_the_same_code(self, client, auth):
        first = issue_code(client, auth)
        client.post("/_emulator/clock", json={"advance": "PT5M"})
        assert issue_code(client, auth) == first
        response = client.post(ISSUE_OTP, json=transfer_body(), headers=auth)
        assert response.json()["errors"] == []
        assert [o["code"] for o in otps_of(client)] == [first]

    def test_issue_points_transfer_otp_always_issues(self, client, auth):
        response = client.post(ISSUE_OTP, json=transfer_body(issueOtp=False), headers=auth)
        body = response.json()
        assert body["errors"] == [] and body["data"][0]["transferrable"] is True
        assert len(otps_of(client)) == 1

    def test_a_new_code_once_the_old_one_expired(self, client, auth):
        first = issue_code(client, auth)
        client.post("/_emulator/clock", json={"advance": "PT601S"})
        second = issue_code(client, auth)
        assert [o["code"] for o in otps_of(client)] == [second, first]
        assert otps_of(client)[1]["expired"] is True

    def test_codes_are_never_logged(self, client, auth, caplog):
        caplog.set_level(logging.DEBUG)
        code = issue_code(client, auth)
        client.post(TRANSFER, json=transfer_body(code="WRONG1"), headers=auth)
        client.post(TRANSFER, json=transfer_body(code=code), headers=auth)
        assert code not in caplog.text


class TestUsing:
    def test_transfer_with_the_issued_code(self, client, auth):
        code = issue_code(client, auth)
        response = client.post(TRANSFER, json=transfer_body(code=code), headers=auth)
        assert response.json()["errors"] == []
        assert main_points(client, SENDER, PROGRAM) == 90_000
        assert main_points(client, RECIPIENT, PROGRAM) == 10_000
        assert otps_of(client)[0]["used"] is True
        audit_ok(client)

    def test_code_is_case_insensitive(self, client, auth):
        code = issue_code(client, auth)
        response = client.post(TRANSFER, json=transfer_body(code=code.lower()), headers=auth)
        assert response.json()["errors"] == []

    def test_rejects_missing_code(self, client, auth):
        issue_code(client, auth)
        before = snapshot(client, TRANSFER_STATE)
        assert_code_refused(client, auth, transfer_body())
        assert snapshot(client, TRANSFER_STATE)["otps"] == before["otps"]

    def test_rejects_code_when_none_was_issued(self, client, auth):
        assert_code_refused(client, auth, transfer_body(code="ABC123"))

    def test_rejects_wrong_code_and_counts_the_attempt(self, client, auth):
        code = issue_code(client, auth)
        wrong = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
        assert_code_refused(client, auth, transfer_body(code=wrong))
        assert otps_of(client)[0]["failedAttempts"] == 1
        assert otps_of(client)[0]["used"] is False

    def test_rejects_expired_code(self, client, auth):
        code = issue_code(client, auth)
        client.post("/_emulator/clock", json={"advance": "PT601S"})
        assert_code_refused(client, auth, transfer_body(code=code))

    def test_code_is_valid_until_its_last_second(self, client, auth):
        code = issue_code(client, auth)
        client.post("/_emulator/clock", json={"freeze": True})
        client.post("/_emulator/clock", json={"advance": "PT590S"})
        response = client.post(TRANSFER, json=transfer_body(code=code), headers=auth)
        assert response.json()["errors"] == []

    def test_rejects_used_code(self, client, auth):
        code = issue_code(client, auth)
        assert (
            client.post(TRANSFER, json=transfer_body(code=code), headers=auth).json()["errors"]
            == []
        )
        assert_code_refused(client, auth, transfer_body(code=code))

    def test_rejects_code_issued_to_someone_else(self, client, auth):
        # Another customer's live transfer code does not let anyone spend the sender's points
        # (the fraud check is off in this org, so that customer may transfer).
        body = transfer_body(sender=FRAUD_MOBILE, recipient=RECIPIENT_MOBILE, issueOtp=True)
        assert client.post(ISTRANSFERRABLE, json=body, headers=auth).json()["errors"] == []
        fraud_code = otps_of(client, FRAUD_MOBILE)[0]["code"]
        assert_code_refused(client, auth, transfer_body(code=fraud_code))

    def test_rejects_code_of_another_action(self, client, auth):
        generated = client.post(
            "/v2/otp/generate",
            json={"entityType": "MOBILE", "entityValue": "9800000001", "action": "POINTS",
                  "channels": [{"type": "SMS", "value": "9800000001"}]},
            headers=auth,
        )  # fmt: skip
        assert "createdId" in generated.json(), generated.text
        points_code = otps_of(client)[0]["code"]
        assert_code_refused(client, auth, transfer_body(code=points_code))

    def test_code_is_void_after_max_attempts(self, client, auth):
        code = issue_code(client, auth)
        wrong = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
        for _ in range(3):  # OTP_MAX_ATTEMPTS of the test org
            assert_code_refused(client, auth, transfer_body(code=wrong))
        assert_code_refused(client, auth, transfer_body(code=code))
        assert otps_of(client)[0]["failedAttempts"] == 3
        assert issue_code(client, auth) != code or len(otps_of(client)) == 2

    def test_a_failed_transfer_leaves_the_code_usable(self, client, auth):
        code = issue_code(client, auth)
        response = client.post(TRANSFER, json=transfer_body(500, code=code), headers=auth)
        assert response.json()["errors"][0]["code"] == 804
        assert otps_of(client)[0]["used"] is False
        assert (
            client.post(TRANSFER, json=transfer_body(code=code), headers=auth).json()["errors"]
            == []
        )


class TestOtpSwitchedOff:
    def test_transfer_needs_no_code(self, client):
        auth = load_org(client, org_seed(POINTS_TRANSFER_OTP_REQUIRED=False))
        response = client.post(TRANSFER, json=transfer_body(), headers=auth)
        assert response.json()["errors"] == []
        assert main_points(client, SENDER, PROGRAM) == 90_000
        audit_ok(client)

    def test_a_code_sent_anyway_is_ignored(self, client):
        auth = load_org(client, org_seed(POINTS_TRANSFER_OTP_REQUIRED=False))
        response = client.post(TRANSFER, json=transfer_body(code="NOPE00"), headers=auth)
        assert response.json()["errors"] == []
