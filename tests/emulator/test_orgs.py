"""POST /_emulator/orgs and DELETE /_emulator/orgs/{orgId}: an isolated org per test."""

from tests.support import audit_ok

TWO_CUSTOMERS = {
    "customers": [
        {"identifiers": {"mobile": "919000000001"}, "points": [{"points": 100}]},
        {"identifiers": {"mobile": "919000000002"}},
    ]
}


class TestCreateOrg:
    def test_answers_credentials_that_work(self, client):
        created = client.post("/_emulator/orgs", json=TWO_CUSTOMERS)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["tillCode"] == f"capemu.org{body['orgId']}.till"
        assert [c["identifiers"] for c in body["customers"]] == [
            {"mobile": "919000000001"},
            {"mobile": "919000000002"},
        ]
        checked = client.post(
            "/v2/points/isTransferrable",
            json={
                "pointsTobeTransferred": 10,
                "groupProgramTransfer": "false",
                "programId": body["programId"],
                "fromCustomerIdentifier": {"type": "MOBILE", "value": "9000000001"},
                "toCustomerIdentifier": {"type": "MOBILE", "value": "9000000002"},
            },
            headers={"Authorization": body["authorization"]},
        ).json()
        assert checked["errors"] == []
        assert checked["data"][0]["transferrable"] is True
        audit_ok(client)

    def test_two_orgs_get_different_ids(self, client):
        first = client.post("/_emulator/orgs").json()
        second = client.post("/_emulator/orgs").json()
        assert first["orgId"] != second["orgId"]
        assert first["tillCode"] != second["tillCode"]

    def test_rejects_unknown_fields(self, client):
        response = client.post("/_emulator/orgs", json={"bogus": 1})
        assert response.status_code == 400
        assert "bogus" in response.json()["errors"][0]["message"]

    def test_rejects_a_bad_customer_with_the_seed_path(self, client):
        response = client.post("/_emulator/orgs", json={"customers": [{"identifiers": {}}]})
        assert response.status_code == 400
        assert "orgs.0.customers.0.identifiers" in response.json()["errors"][0]["message"]


class TestDeleteOrg:
    def test_its_till_then_gets_401(self, client):
        body = client.post("/_emulator/orgs", json=TWO_CUSTOMERS).json()
        assert client.delete(f"/_emulator/orgs/{body['orgId']}").status_code == 204
        answer = client.post(
            "/v2/points/isTransferrable", json={}, headers={"Authorization": body["authorization"]}
        )
        assert answer.status_code == 401
        audit_ok(client)

    def test_unknown_org_is_404(self, client):
        assert client.delete("/_emulator/orgs/999999").status_code == 404
