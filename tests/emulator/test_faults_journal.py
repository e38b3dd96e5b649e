import pytest

from tests.support import DEMO_AUTH

BALANCE = "/v2/pointsLedger/getCustomerLedgerBalance"
QUERY = {"identifierName": "externalId", "identifierValue": "tomanatest2", "source": "INSTORE"}


def balance_call(client):
    return client.get(BALANCE, params=QUERY, headers=DEMO_AUTH)


class TestFaults:
    def test_fails_matching_calls_for_count_then_recovers(self, client):
        created = client.post(
            "/_emulator/faults",
            json={"path": BALANCE, "status": 503, "code": 503, "message": "down", "count": 2},
        )
        assert created.status_code == 200
        for _ in range(2):
            response = balance_call(client)
            assert response.status_code == 503
            assert response.json()["errors"] == [{"status": False, "code": 503, "message": "down"}]
        assert balance_call(client).status_code == 200
        assert client.get("/_emulator/faults").json()["faults"][0]["remaining"] == 0

    def test_business_style_fault_with_wildcard_path(self, client):
        client.post("/_emulator/faults", json={"path": "/v2/pointsLedger/*", "status": 200,
                                               "code": 8015, "message": "gone"})  # fmt: skip
        response = balance_call(client)
        assert response.status_code == 200
        assert response.json()["errors"][0]["code"] == 8015

    def test_method_must_match(self, client):
        client.post("/_emulator/faults", json={"path": BALANCE, "method": "POST"})
        assert balance_call(client).status_code == 200

    def test_delay_only_fault_answers_normally(self, client):
        client.post("/_emulator/faults", json={"path": BALANCE, "delayMs": 50, "count": 1})
        response = balance_call(client)
        assert response.status_code == 200
        assert "errors" not in response.json() or not response.json()["errors"]

    def test_clear_and_reset_remove_faults(self, client):
        client.post("/_emulator/faults", json={"path": BALANCE})
        assert balance_call(client).status_code == 500
        assert client.delete("/_emulator/faults").json() == {"removed": 1}
        assert balance_call(client).status_code == 200
        client.post("/_emulator/faults", json={"path": BALANCE})
        client.post("/_emulator/reset")
        assert balance_call(client).status_code == 200

    def test_rejects_bad_specs(self, client):
        for spec in ({"path": "no-slash"}, {"path": "/x", "status": 99}, {"path": "/x", "count": 0},
                     {"path": "/x", "bogus": 1}, {"path": "/x", "delayMs": -1}):  # fmt: skip
            response = client.post("/_emulator/faults", json=spec)
            assert response.status_code == 400, spec
        assert client.get("/_emulator/faults").json()["faults"] == []

    @pytest.mark.live
    def test_faults_apply_in_every_worker_process(self, live_server_factory):
        server = live_server_factory(workers=1)
        with server.client() as http:
            http.post("/_emulator/faults", json={"path": BALANCE, "status": 429, "code": 429})
            assert http.get(BALANCE, params=QUERY, headers=DEMO_AUTH).status_code == 429


class TestJournal:
    def test_records_calls_newest_first_with_masked_codes(self, client):
        client.delete("/_emulator/journal")
        balance_call(client)
        client.post("/v2/points/transfer", headers=DEMO_AUTH, json={"code": "X12Y3Z"})
        entries = client.get("/_emulator/journal").json()["entries"]
        assert [e["path"] for e in entries] == ["/v2/points/transfer", BALANCE]
        assert entries[0]["body"] == {"code": "***"}
        assert entries[1]["status"] == 200
        assert "identifierValue=tomanatest2" in entries[1]["query"]

    def test_filters_by_path_and_skips_control_plane(self, client):
        client.delete("/_emulator/journal")
        balance_call(client)
        client.get("/_emulator/audit")
        assert (
            len(client.get("/_emulator/journal", params={"path": BALANCE}).json()["entries"]) == 1
        )
        assert len(client.get("/_emulator/journal").json()["entries"]) == 1
