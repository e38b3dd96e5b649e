"""A fault with "orgId" fails only the calls authenticated as that org (issue 16, item 3)."""

import pytest

from tests.support import DEMO_AUTH, audit_ok

CHECK = "/v2/points/isTransferrable"
TWO_CUSTOMERS = {
    "customers": [
        {"identifiers": {"mobile": "919000000001"}, "points": [{"points": 100}]},
        {"identifiers": {"mobile": "919000000002"}},
    ]
}


def check(client, org):
    return client.post(
        CHECK,
        json={
            "pointsTobeTransferred": 10,
            "groupProgramTransfer": "false",
            "programId": org["programId"],
            "fromCustomerIdentifier": {"type": "MOBILE", "value": "9000000001"},
            "toCustomerIdentifier": {"type": "MOBILE", "value": "9000000002"},
        },
        headers={"Authorization": org["authorization"]},
    )


@pytest.fixture
def two_orgs(client):
    return [client.post("/_emulator/orgs", json=TWO_CUSTOMERS).json() for _ in range(2)]


class TestOrgFaults:
    def test_fails_only_the_named_orgs_calls(self, client, two_orgs):
        a, b = two_orgs
        created = client.post(
            "/_emulator/faults",
            json={
                "path": CHECK,
                "status": 503,
                "code": 503,
                "message": "down",
                "orgId": a["orgId"],
            },
        )
        assert created.status_code == 200, created.text
        assert created.json()["orgId"] == a["orgId"]
        failed = check(client, a)
        assert failed.status_code == 503
        assert failed.json()["errors"] == [{"status": False, "code": 503, "message": "down"}]
        answered = check(client, b)
        assert answered.status_code == 200, answered.text
        assert answered.json()["data"][0]["transferrable"] is True
        assert client.post(CHECK, json={}, headers=DEMO_AUTH).status_code != 503
        assert client.get("/_emulator/faults").json()["faults"][0]["orgId"] == a["orgId"]
        audit_ok(client)

    def test_counted_fault_is_used_only_by_its_org(self, client, two_orgs):
        a, b = two_orgs
        client.post("/_emulator/faults", json={"path": CHECK, "count": 1, "orgId": b["orgId"]})
        assert check(client, a).status_code == 200
        assert client.get("/_emulator/faults").json()["faults"][0]["remaining"] == 1
        assert check(client, b).status_code == 500
        assert check(client, b).status_code == 200

    def test_bad_credentials_do_not_match_an_org_fault(self, client, two_orgs):
        a, _ = two_orgs
        client.post("/_emulator/faults", json={"path": CHECK, "status": 503, "orgId": a["orgId"]})
        response = client.post(CHECK, json={}, headers={"Authorization": "Basic bm9wZTpub3Bl"})
        assert response.status_code == 401

    def test_fault_without_org_still_fails_every_org(self, client, two_orgs):
        client.post("/_emulator/faults", json={"path": CHECK, "status": 503})
        assert [check(client, org).status_code for org in two_orgs] == [503, 503]
        assert client.get("/_emulator/faults").json()["faults"][0]["orgId"] is None

    @pytest.mark.parametrize("org_id", ["1", 0, -3, 2**63, True, 1.5, 987654321])
    def test_rejects_an_org_id_that_is_not_an_org(self, client, org_id):
        response = client.post("/_emulator/faults", json={"path": CHECK, "orgId": org_id})
        assert response.status_code == 400, response.text
        assert "orgId" in response.json()["errors"][0]["message"]
        assert client.get("/_emulator/faults").json()["faults"] == []
