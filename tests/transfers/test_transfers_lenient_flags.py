"""The body flags of the customer transfer family read through `capillary_emulator.inputs`:
one behaviour for every endpoint, so "1" is true and "0" false here as elsewhere."""

from typing import Any

import pytest
from transfer_builders import ISTRANSFERRABLE, org_seed, otps_of, transfer_body

from tests.support import load_org


@pytest.fixture
def auth(client: Any) -> dict[str, str]:
    return load_org(client, org_seed(CONF_FRAUD_STATUS_CHECK_POINTS_TRANSFER=False))


class TestIssueOtpFlag:
    @pytest.mark.parametrize("flag", ["1", " True "])
    def test_issues_a_code_for_a_true_string(self, client, auth, flag):
        response = client.post(ISTRANSFERRABLE, json=transfer_body(issueOtp=flag), headers=auth)
        assert response.json()["errors"] == []
        assert len(otps_of(client)) == 1

    def test_issues_nothing_for_zero(self, client, auth):
        response = client.post(ISTRANSFERRABLE, json=transfer_body(issueOtp="0"), headers=auth)
        assert response.json()["errors"] == []
        assert otps_of(client) == []


class TestGroupProgramTransferFlag:
    def test_accepts_zero_as_false(self, client, auth):
        body = transfer_body(groupProgramTransfer="0")
        response = client.post(ISTRANSFERRABLE, json=body, headers=auth)
        assert response.json()["errors"] == []
        assert response.json()["data"][0]["transferrable"] is True

    def test_rejects_one_as_a_group_action(self, client, auth):
        body = transfer_body(groupProgramTransfer="1")
        [error] = client.post(ISTRANSFERRABLE, json=body, headers=auth).json()["errors"]
        assert error["code"] == 3316
