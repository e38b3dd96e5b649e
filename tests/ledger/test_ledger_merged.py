"""Merged-away customers and identifier case on the ledger reads, and the misspelt reversal
amount: reads answer for the surviving account with warning 8069 (newer docs); emails are
found whatever their case."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "groups"))

from group_builders import MERGED, OUTSIDER, mobile_of, org_seed  # noqa: E402

from tests.support import DEMO_AUTH, assert_error, load_org  # noqa: E402

BALANCE = "/v2/pointsLedger/getCustomerLedgerBalance"
INFO = "/v2/pointsLedger/getCustomerLedgerInfo"
MERGED_WARNING = [{"status": False, "code": 8069, "message": "Merged customer found"}]


def _read(client, path, auth, name, value):
    params = {"identifierName": name, "identifierValue": value, "source": "INSTORE"}
    return client.get(path, params=params, headers=auth).json()


class TestMergedCustomer:
    def test_reads_answer_for_the_surviving_account_with_8069(self, client):
        auth = load_org(client, org_seed())
        for path in (BALANCE, INFO):
            merged = _read(client, path, auth, "mobile", mobile_of(MERGED))
            survivor = _read(client, path, auth, "mobile", mobile_of(OUTSIDER))
            assert merged["warnings"] == MERGED_WARNING
            assert survivor["warnings"] == []
            assert merged["customerDetails"]["userId"] == OUTSIDER
            assert {k: v for k, v in merged.items() if k != "warnings"} == {
                k: v for k, v in survivor.items() if k != "warnings"
            }

    def test_by_user_id_too(self, client):
        auth = load_org(client, org_seed())
        body = _read(client, BALANCE, auth, "id", str(MERGED))
        assert body["warnings"] == MERGED_WARNING
        assert body["customerDetails"]["userId"] == OUTSIDER


class TestEmailCase:
    def test_email_lookups_ignore_case(self, client):
        seed = org_seed()
        seed["orgs"][0]["customers"][0]["identifiers"]["email"] = "Pam.Tester@Example.COM"
        auth = load_org(client, seed)
        user_id = seed["orgs"][0]["customers"][0]["userId"]
        for value in ("pam.tester@example.com", "PAM.TESTER@EXAMPLE.COM", "Pam.Tester@Example.COM"):
            body = _read(client, BALANCE, auth, "email", value)
            assert body["customerDetails"]["userId"] == user_id, value

    def test_two_emails_differing_only_in_case_clash_in_a_seed(self, client):
        seed = org_seed()
        customers = seed["orgs"][0]["customers"]
        customers[1]["identifiers"]["email"] = customers[0]["identifiers"]["email"].upper()
        response = client.post("/_emulator/seed", json=seed)
        assert response.status_code == 400
        assert "identifiers.email" in response.json()["errors"][0]["message"]


class TestMisspeltReversalAmount:
    def test_points_tobe_reversed_alone_is_refused_not_a_full_reversal(self, client):
        body = {
            "redemptionId": "54ZNkA",
            "pointsTobeReversed": 10,
            "identifier": {"type": "mobile", "value": "919740000000"},
        }
        response = client.post("/v2/points/reverse", json=body, headers=DEMO_AUTH)
        assert_error(
            response,
            434,
            "Invalid pointsTobeReversed (the field is pointsToBeReversed) set in the request "
            "payload",
        )
        assert response.json().get("reversalId") is None
        fixed = {**body, "pointsToBeReversed": 10}
        done = client.post("/v2/points/reverse", json=fixed, headers=DEMO_AUTH).json()
        assert done["pointsReversed"] == 10.0
