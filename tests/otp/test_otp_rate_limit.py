"""Issue 12 item 10: OTP issuing is limited per customer by the org's OTP_MAX_COUNT and
OTP_TIME_OUT (Capillary's otpMaxCount / otpTimeOut, minutes) on the emulator clock: HTTP 429,
code 429. Off where an org sets neither key (the demo org)."""

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "transfers"))

from transfer_builders import (  # noqa: E402
    ISTRANSFERRABLE,
    ORG,
    SENDER_MOBILE,
    org_seed,
    transfer_body,
)

from tests.support import DEMO_AUTH, audit_ok, load_org  # noqa: E402

GENERATE = "/v2/otp/generate"
VALIDATE = "/v2/otp/validate"
TOM_MOBILE = "7799497290"


def generate_body(mobile: str, action: str = "POINTSTRANSFER") -> dict[str, Any]:
    return {
        "entityType": "MOBILE",
        "entityValue": mobile,
        "action": action,
        "channels": [{"type": "SMS", "value": mobile}],
    }


def fresh_code(client: Any, auth: dict[str, str], mobile: str, org_id: int) -> Any:
    """Ask for a code and use it up, so that the next request issues a new one."""
    response = client.post(GENERATE, json=generate_body(mobile), headers=auth)
    if response.status_code == 200:
        [otp] = [
            o
            for o in client.get(
                "/_emulator/otps",
                params={"orgId": org_id, "identifierType": "mobile", "identifierValue": mobile},
            ).json()["otps"]
            if o["id"] == response.json()["createdId"]
        ]
        body = {**generate_body(mobile), "code": otp["code"]}
        assert client.post(VALIDATE, json=body, headers=auth).json()["entity"] is True
    return response


def assert_rate_limited(response: Any, count: int, minutes: int) -> None:
    assert response.status_code == 429, response.text
    message = f"OTP generation limit exceeded: at most {count} codes in {minutes} minutes"
    assert response.json() == {
        "warnings": [],
        "errors": [{"status": False, "code": 429, "message": message}],
    }


def codes_of(client: Any, mobile: str) -> int:
    params = {"orgId": ORG, "identifierType": "mobile", "identifierValue": mobile}
    return len(client.get("/_emulator/otps", params=params).json()["otps"])


class TestOtpRateLimit:
    def test_the_code_after_the_limit_is_429_and_issues_nothing(self, client):
        auth = load_org(client, org_seed(OTP_MAX_COUNT=3, OTP_TIME_OUT=60))
        for _ in range(3):
            assert fresh_code(client, auth, SENDER_MOBILE, ORG).status_code == 200
        issued = codes_of(client, SENDER_MOBILE)
        assert_rate_limited(fresh_code(client, auth, SENDER_MOBILE, ORG), 3, 60)
        assert codes_of(client, SENDER_MOBILE) == issued
        audit_ok(client)

    def test_asking_again_for_the_live_code_does_not_count(self, client):
        auth = load_org(client, org_seed(OTP_MAX_COUNT=1, OTP_TIME_OUT=60))
        first = client.post(GENERATE, json=generate_body(SENDER_MOBILE), headers=auth)
        again = client.post(GENERATE, json=generate_body(SENDER_MOBILE), headers=auth)
        assert first.status_code == again.status_code == 200
        assert first.json()["createdId"] == again.json()["createdId"]

    def test_every_action_counts_for_the_customer(self, client):
        auth = load_org(client, org_seed(OTP_MAX_COUNT=1, OTP_TIME_OUT=60))
        ok = client.post(GENERATE, json=generate_body(SENDER_MOBILE, "COUPON"), headers=auth)
        assert ok.status_code == 200
        other = client.post(GENERATE, json=generate_body(SENDER_MOBILE, "GENERIC"), headers=auth)
        assert_rate_limited(other, 1, 60)

    def test_the_window_moves_with_the_org_clock(self, client):
        auth = load_org(client, org_seed(OTP_MAX_COUNT=2, OTP_TIME_OUT=60))
        for _ in range(2):
            assert fresh_code(client, auth, SENDER_MOBILE, ORG).status_code == 200
        assert_rate_limited(fresh_code(client, auth, SENDER_MOBILE, ORG), 2, 60)
        moved = client.post("/_emulator/clock", params={"orgId": ORG}, json={"advance": "PT59M"})
        assert moved.status_code == 200, moved.text
        assert_rate_limited(fresh_code(client, auth, SENDER_MOBILE, ORG), 2, 60)
        client.post("/_emulator/clock", params={"orgId": ORG}, json={"advance": "PT2M"})
        assert fresh_code(client, auth, SENDER_MOBILE, ORG).status_code == 200

    def test_the_limit_is_per_customer(self, client):
        auth = load_org(client, org_seed(OTP_MAX_COUNT=1, OTP_TIME_OUT=60))
        assert fresh_code(client, auth, SENDER_MOBILE, ORG).status_code == 200
        assert fresh_code(client, auth, "9800000002", ORG).status_code == 200

    def test_one_key_alone_takes_ten_a_day_for_the_other(self, client):
        auth = load_org(client, org_seed(OTP_TIME_OUT=5))
        for _ in range(10):
            assert fresh_code(client, auth, SENDER_MOBILE, ORG).status_code == 200
        assert_rate_limited(fresh_code(client, auth, SENDER_MOBILE, ORG), 10, 5)

    def test_is_transferrable_with_issue_otp_is_429_too(self, client):
        auth = load_org(client, org_seed(OTP_MAX_COUNT=1, OTP_TIME_OUT=60))
        assert fresh_code(client, auth, SENDER_MOBILE, ORG).status_code == 200
        response = client.post(ISTRANSFERRABLE, json=transfer_body(issueOtp=True), headers=auth)
        assert_rate_limited(response, 1, 60)

    def test_a_seed_with_a_limit_that_is_not_a_number_is_refused(self, client):
        response = client.post("/_emulator/seed", json=org_seed(OTP_MAX_COUNT="many"))
        assert response.status_code == 400
        assert "OTP_MAX_COUNT" in response.json()["errors"][0]["message"]

    def test_the_demo_org_has_no_limit(self, client):
        for _ in range(15):
            assert fresh_code(client, DEMO_AUTH, TOM_MOBILE, 100458).status_code == 200
