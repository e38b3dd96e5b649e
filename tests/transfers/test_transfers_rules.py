"""Every documented refusal of isTransferrable and transfer: HTTP status, code, message, and
that nothing changed (balances, lots, ledger, transfer journal, OTPs)."""

from typing import Any

import pytest
from transfer_builders import (
    FRAUD,
    FRAUD_MOBILE,
    ISSUE_OTP,
    ISTRANSFERRABLE,
    MERGED,
    MERGED_MOBILE,
    NON_LOYALTY_MOBILE,
    ORG,
    RECIPIENT,
    SENDER,
    SENDER_MOBILE,
    TRANSFER,
    TRANSFER_STATE,
    identifier,
    issue_code,
    org_seed,
    otps_of,
    transfer_body,
)

from tests.support import DEMO_AUTH, assert_error, audit_ok, basic_auth, load_org, snapshot

BOTH = pytest.mark.parametrize("path", [ISTRANSFERRABLE, TRANSFER, ISSUE_OTP])


def assert_rejected(
    client: Any,
    path: str,
    body: Any,
    auth: dict[str, str],
    code: int,
    message: str,
    status: int = 200,
) -> None:
    before = snapshot(client, TRANSFER_STATE)
    response = client.post(path, json=body, headers=auth)
    assert_error(response, code, message, status)
    assert snapshot(client, TRANSFER_STATE) == before
    audit_ok(client)


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return load_org(client, org_seed())


class TestParties:
    @BOTH
    def test_rejects_same_customer(self, client, auth, path):
        body = transfer_body(recipient=None)
        body["toCustomerIdentifier"] = identifier("ID", str(SENDER))
        assert_rejected(client, path, body, auth, 418, "From and To customers are same.")

    @BOTH
    def test_rejects_merged_sender(self, client, auth, path):
        body = transfer_body(sender=MERGED_MOBILE)
        assert_rejected(client, path, body, auth, 419, f"Merged customer found with id: {MERGED}")

    @BOTH
    def test_rejects_merged_recipient(self, client, auth, path):
        body = transfer_body(recipient=MERGED_MOBILE)
        assert_rejected(client, path, body, auth, 419, f"Merged customer found with id: {MERGED}")

    def test_rejects_demo_merged_customer(self, client):
        body = {
            "pointsTobeTransferred": 10,
            "fromCustomerIdentifier": {"type": "MOBILE", "value": "7799497290"},
            "toCustomerIdentifier": {"type": "MOBILE", "value": "919000000002"},
        }
        assert_rejected(
            client,
            ISTRANSFERRABLE,
            body,
            DEMO_AUTH,
            419,
            "Merged customer found with id: 500000002",
        )

    @BOTH
    def test_rejects_fraud_recipient(self, client, auth, path):
        assert_rejected(
            client,
            path,
            transfer_body(recipient=FRAUD_MOBILE),
            auth,
            414,
            "Destination customer status is fraud. Points cannot be transferred to customers "
            "with fraud status.",
        )

    @BOTH
    def test_rejects_fraud_sender(self, client, auth, path):
        assert_rejected(
            client,
            path,
            transfer_body(sender=FRAUD_MOBILE),
            auth,
            415,
            "Source customer status is fraud. Points cannot be transferred by customers "
            "with fraud status.",
        )

    def test_rejects_demo_fraud_sender(self, client):
        body = {
            "pointsTobeTransferred": 10,
            "fromCustomerIdentifier": {"type": "MOBILE", "value": "919000000001"},
            "toCustomerIdentifier": {"type": "ID", "value": "342953257"},
        }
        assert_rejected(
            client,
            ISTRANSFERRABLE,
            body,
            DEMO_AUTH,
            415,
            "Source customer status is fraud. Points cannot be transferred by customers "
            "with fraud status.",
        )

    def test_fraud_is_not_checked_while_the_key_is_off(self, client):
        auth = load_org(client, org_seed(CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER=False))
        body = transfer_body(sender=FRAUD_MOBILE)
        checked = client.post(ISTRANSFERRABLE, json=body, headers=auth).json()
        assert checked["errors"] == []
        assert checked["data"][0]["transferFrom"]["id"] == FRAUD
        code = issue_code(client, auth, body)
        moved = client.post(TRANSFER, json={**body, "code": code}, headers=auth).json()
        assert moved["errors"] == []
        assert moved["data"][0]["fromEntityId"] == FRAUD
        audit_ok(client)

    @pytest.mark.parametrize("value", ["sometimes", [True]])
    def test_rejects_fraud_key_set_wrong(self, client, value):
        auth = load_org(client, org_seed(CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER=value))
        assert_rejected(
            client,
            TRANSFER,
            transfer_body(),
            auth,
            412,
            "Configuration key CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER in the config_keys table "
            "is not set properly.",
        )

    def test_rejects_fraud_key_without_value(self, client):
        auth = load_org(client, org_seed(CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER=None))
        assert_rejected(
            client,
            ISTRANSFERRABLE,
            transfer_body(),
            auth,
            413,
            "Problem fetching the configuration key CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER",
        )

    @BOTH
    def test_rejects_non_loyalty_sender(self, client, auth, path):
        assert_rejected(
            client,
            path,
            transfer_body(sender=NON_LOYALTY_MOBILE),
            auth,
            881,
            "Customer is not registered into the loyalty program.",
        )

    @BOTH
    def test_rejects_non_loyalty_recipient(self, client, auth, path):
        assert_rejected(
            client,
            path,
            transfer_body(recipient=NON_LOYALTY_MOBILE),
            auth,
            881,
            "Customer is not registered into the loyalty program.",
        )


class TestIdentifiers:
    NOT_FOUND = "Customer not found for the given identifiers"

    @BOTH
    def test_rejects_unknown_sender(self, client, auth, path):
        body = transfer_body(sender="9811111111")
        assert_rejected(client, path, body, auth, 8015, self.NOT_FOUND)

    @BOTH
    def test_rejects_unknown_recipient(self, client, auth, path):
        body = transfer_body()
        body["toCustomerIdentifier"] = identifier("ID", "999999999")
        assert_rejected(client, path, body, auth, 8015, self.NOT_FOUND)

    @pytest.mark.parametrize(
        "recipient",
        [identifier("ID", "342953257"), identifier("MOBILE", "7799497290")],
        ids=["by-id", "by-mobile"],
    )
    def test_another_orgs_customer_is_not_found(self, client, auth, recipient):
        body = transfer_body()
        body["toCustomerIdentifier"] = recipient
        assert_rejected(client, ISTRANSFERRABLE, body, auth, 8015, self.NOT_FOUND)

    def test_demo_till_cannot_see_the_extra_orgs_customers(self, client, auth):
        body = transfer_body(programId=141)
        body["fromCustomerIdentifier"] = identifier("ID", str(SENDER))
        assert_rejected(client, ISTRANSFERRABLE, body, DEMO_AUTH, 8015, self.NOT_FOUND)

    @pytest.mark.parametrize("value", ["", None, "   ", "１２３", "9" * 40])
    def test_rejects_empty_or_odd_values_as_not_found(self, client, auth, value):
        body = transfer_body()
        body["toCustomerIdentifier"] = identifier("ID", value)
        assert_rejected(client, ISTRANSFERRABLE, body, auth, 8015, self.NOT_FOUND)

    @BOTH
    @pytest.mark.parametrize("kind", ["PASSPORT", "WECHAT", None, 5])
    def test_rejects_invalid_identifier_type(self, client, auth, path, kind):
        body = transfer_body()
        body["fromCustomerIdentifier"] = identifier(kind, SENDER_MOBILE)
        assert_rejected(client, path, body, auth, 8013, "Invalid identifier passed")

    @pytest.mark.parametrize("missing", ["fromCustomerIdentifier", "toCustomerIdentifier"])
    def test_rejects_missing_identifier_object(self, client, auth, missing):
        body = transfer_body()
        body[missing] = None
        assert_rejected(
            client,
            ISTRANSFERRABLE,
            body,
            auth,
            434,
            f"Invalid {missing} set in the request payload",
        )

    @pytest.mark.parametrize("value", [{"x": 1}, [1], True, 1.5])
    def test_rejects_identifier_value_of_wrong_datatype(self, client, auth, value):
        body = transfer_body()
        body["toCustomerIdentifier"] = identifier("MOBILE", value)
        assert_rejected(
            client,
            TRANSFER,
            body,
            auth,
            434,
            "Invalid toCustomerIdentifier.value set in the request payload",
        )


class TestProgram:
    @BOTH
    @pytest.mark.parametrize("program", [99999, 141, "abc", -1, True, 1.5, "²", 10**30])
    def test_rejects_invalid_program(self, client, auth, path, program):
        body = transfer_body(programId=program)
        assert_rejected(client, path, body, auth, 885, "Invalid program id passed")


class TestAmount:
    INVALID = "pointsToBeTransferred value is invalid"
    NOT_WHOLE = (
        "Unable to redeem. Make sure that the points you are trying to redeem is a multiple of 1. "
        "Check the points redemption configuration of your organization."
    )

    @BOTH
    @pytest.mark.parametrize("points", [None, "abc", True, {"n": 1}, [10], "NaN", 10**20])
    def test_rejects_missing_or_invalid_amount(self, client, auth, path, points):
        assert_rejected(client, path, transfer_body(points), auth, 422, self.INVALID)

    def test_rejects_absent_amount(self, client, auth):
        body = transfer_body()
        del body["pointsTobeTransferred"]
        assert_rejected(client, TRANSFER, body, auth, 422, self.INVALID)

    @BOTH
    @pytest.mark.parametrize("points", [0, -5, "0", 0.5, -0.5])
    def test_rejects_zero_or_negative_amount(self, client, auth, path, points):
        assert_rejected(client, path, transfer_body(points), auth, 807, self.NOT_WHOLE)

    @BOTH
    def test_rejects_fraction_when_the_org_says_so(self, client, path):
        auth = load_org(client, org_seed(POINTS_TRANSFER_REJECT_FRACTIONAL=True))
        assert_rejected(client, path, transfer_body(10.5), auth, 807, self.NOT_WHOLE)


class TestBalance:
    INSUFFICIENT = "Insufficient current points."

    def test_rejects_more_than_current_points(self, client, auth):
        assert_rejected(client, ISTRANSFERRABLE, transfer_body(101), auth, 804, self.INSUFFICIENT)

    def test_transfer_rejects_more_than_current_points(self, client, auth):
        code = issue_code(client, auth)
        assert_rejected(
            client, TRANSFER, transfer_body(101, code=code), auth, 804, self.INSUFFICIENT
        )

    def test_promised_points_do_not_count(self, client, auth):
        # The sender holds 100 Main + 30 DelayedAccrual points in the program.
        assert_rejected(client, ISTRANSFERRABLE, transfer_body(130), auth, 804, self.INSUFFICIENT)

    def test_other_programs_points_do_not_count(self, client, auth):
        body = transfer_body(51, programId=ORG * 10 + 2)
        assert_rejected(client, ISTRANSFERRABLE, body, auth, 804, self.INSUFFICIENT)

    def test_expired_points_do_not_count(self, client):
        seed = {
            "orgs": [
                {
                    "orgId": ORG + 1,
                    "name": "Expiring",
                    "config": {
                        "ALLOW_POINTS_TRANSFER": True,
                        "POINTS_TRANSFER_OTP_REQUIRED": False,
                    },
                    "tills": [{"tillId": 9100001, "code": "till-expiring", "password": "pw"}],
                    "programs": [{"programId": 9100001, "name": "P", "default": True}],
                    "customers": [
                        {"userId": 9100001001, "identifiers": {"mobile": "5550001"},
                         "points": [{"programId": 9100001, "points": 40, "expiresAt": "P1D"},
                                    {"programId": 9100001, "points": 5}]},
                        {"userId": 9100001002, "identifiers": {"mobile": "5550002"}},
                    ],
                }
            ]
        }  # fmt: skip
        assert client.post("/_emulator/seed", json=seed).status_code == 200
        auth = basic_auth("till-expiring", "pw")
        body = {
            "pointsTobeTransferred": 10,
            "fromCustomerIdentifier": {"type": "MOBILE", "value": "5550001"},
            "toCustomerIdentifier": {"type": "MOBILE", "value": "5550002"},
        }
        assert client.post(ISTRANSFERRABLE, json=body, headers=auth).json()["errors"] == []
        client.post("/_emulator/clock", json={"advance": "P2D"})
        for path in (ISTRANSFERRABLE, TRANSFER):
            assert_rejected(client, path, body, auth, 804, self.INSUFFICIENT)


class TestOrgSwitches:
    @BOTH
    def test_rejects_when_transfers_are_not_allowed(self, client, path):
        auth = load_org(client, org_seed(ALLOW_POINTS_TRANSFER=False))
        assert_rejected(
            client,
            path,
            transfer_body(),
            auth,
            888,
            "Configuration is invalid. Please report to Capillary Support",
        )

    @BOTH
    def test_newer_818_when_the_org_asks_for_it(self, client, path):
        seed = org_seed(ALLOW_POINTS_TRANSFER=False, POINTS_TRANSFER_DISABLED_CODE=818)
        auth = load_org(client, seed)
        message = "Points transfer is not allowed for the program."
        assert_rejected(client, path, transfer_body(), auth, 818, message)

    def test_rejects_when_a_switch_is_not_a_boolean(self, client):
        auth = load_org(client, org_seed(ALLOW_POINTS_TRANSFER="perhaps"))
        assert_rejected(
            client,
            TRANSFER,
            transfer_body(),
            auth,
            888,
            "Configuration is invalid. Please report to Capillary Support",
        )

    @BOTH
    @pytest.mark.parametrize("flag", [True, "true", "TRUE"])
    def test_rejects_group_program_transfer(self, client, auth, path, flag):
        assert_rejected(
            client,
            path,
            transfer_body(groupProgramTransfer=flag),
            auth,
            3316,
            "Group redemption action executed for non-group redemption payload.",
        )

    @pytest.mark.parametrize("flag", ["yes", 1, {"a": 1}])
    def test_rejects_unreadable_group_program_transfer(self, client, auth, flag):
        assert_rejected(
            client,
            ISTRANSFERRABLE,
            transfer_body(groupProgramTransfer=flag),
            auth,
            434,
            "Invalid groupProgramTransfer set in the request payload",
        )

    def test_rejects_notes_that_are_not_text(self, client, auth):
        assert_rejected(
            client,
            ISTRANSFERRABLE,
            transfer_body(notes={"a": 1}),
            auth,
            434,
            "Invalid notes set in the request payload",
        )


class TestMalformedRequests:
    @pytest.mark.parametrize("path", [ISTRANSFERRABLE, TRANSFER, ISSUE_OTP])
    @pytest.mark.parametrize("body", [[], "text", 5, None])
    def test_never_answers_500(self, client, auth, path, body):
        before = snapshot(client, TRANSFER_STATE)
        response = client.post(path, json=body, headers=auth)
        assert response.status_code in (200, 400), response.text
        assert response.json()["errors"], response.text
        assert snapshot(client, TRANSFER_STATE) == before

    def test_requires_credentials(self, client):
        response = client.post(TRANSFER, json=transfer_body())
        assert_error(
            response, 401, "Authentication failed. Please check username and password.", 401
        )

    def test_recipient_id_is_checked_in_the_callers_org(self, client, auth):
        body = transfer_body()
        body["toCustomerIdentifier"] = identifier("ID", str(RECIPIENT))
        assert client.post(ISTRANSFERRABLE, json=body, headers=auth).json()["errors"] == []


class TestOtpThatCannotBeIssued:
    def test_a_sender_without_mobile_or_email_gets_warning_876(self, client):
        seed = org_seed()
        sender = seed["orgs"][0]["customers"][0]
        sender["identifiers"] = {"externalId": sender["identifiers"]["externalId"]}
        auth = load_org(client, seed)
        body = transfer_body(
            sender=None, issueOtp=True,
            fromCustomerIdentifier=identifier("EXTERNAL_ID", sender["identifiers"]["externalId"]),
        )  # fmt: skip
        answer = client.post(ISTRANSFERRABLE, json=body, headers=auth).json()
        assert answer["data"][0]["transferrable"] is True
        assert answer["warnings"] == [
            {"status": False, "code": 876,
             "message": "Points are redeemable but unable to generate OTP."}
        ]  # fmt: skip
        assert client.get("/_emulator/otps", params={"orgId": ORG}).json()["otps"] == []

    def test_a_sender_with_a_mobile_gets_the_code_and_no_warning(self, client):
        auth = load_org(client, org_seed())
        body = transfer_body(issueOtp=True)
        answer = client.post(ISTRANSFERRABLE, json=body, headers=auth).json()
        assert answer["warnings"] == []
        assert len(otps_of(client)) == 1
