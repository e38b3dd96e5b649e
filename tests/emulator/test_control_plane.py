from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from capillary_emulator.models import Org
from tests.support import DEMO_AUTH, audit_ok


class TestHealth:
    def test_reports_ok_once_seeded(self, client):
        response = client.get("/_emulator/health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestClock:
    def test_advance_moves_now_forward(self, client):
        before = datetime.fromisoformat(client.get("/_emulator/clock").json()["now"])
        body = client.post("/_emulator/clock", json={"advance": "P2D"}).json()
        assert datetime.fromisoformat(body["now"]) - before >= timedelta(days=2)
        assert body["frozen"] is False

    def test_freeze_holds_time(self, client):
        frozen = client.post("/_emulator/clock", json={"freeze": True}).json()
        assert frozen["frozen"] is True
        assert client.get("/_emulator/clock").json()["now"] == frozen["now"]

    def test_set_while_frozen(self, client):
        client.post("/_emulator/clock", json={"freeze": True})
        body = client.post("/_emulator/clock", json={"set": "2030-01-02T03:04:05Z"}).json()
        assert body == {"now": "2030-01-02T03:04:05+00:00", "frozen": True}

    def test_reset_returns_to_system_time(self, client):
        client.post("/_emulator/clock", json={"set": "2040-01-01T00:00:00Z"})
        client.post("/_emulator/reset")
        now = datetime.fromisoformat(client.get("/_emulator/clock").json()["now"])
        assert abs((now - datetime.now(now.tzinfo)).total_seconds()) < 60

    def test_rejects_two_commands(self, client):
        response = client.post("/_emulator/clock", json={"advance": "P1D", "freeze": True})
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == 400

    def test_rejects_bad_duration(self, client):
        response = client.post("/_emulator/clock", json={"advance": "two days"})
        assert response.status_code == 400
        assert "advance" in response.json()["errors"][0]["message"]


class TestOtpInbox:
    def test_lists_seeded_otp(self, client):
        otps = client.get("/_emulator/otps", params={"orgId": 100458}).json()["otps"]
        assert [o["code"] for o in otps] == ["X12Y3Z"]
        assert otps[0]["action"] == "POINTSTRANSFER"
        assert otps[0]["userId"] == 343015431
        assert otps[0]["used"] is False

    def test_filters_by_identifier(self, client):
        found = client.get(
            "/_emulator/otps", params={"identifierType": "mobile", "identifierValue": "7799000000"}
        ).json()["otps"]
        assert len(found) == 1
        none = client.get(
            "/_emulator/otps",
            params={"identifierType": "mobile", "identifierValue": "919740000000"},
        ).json()["otps"]
        assert none == []


class TestAudit:
    def test_seeded_state_is_consistent(self, client):
        audit_ok(client)

    def test_expiry_on_clock_advance_keeps_audit_ok(self, client):
        # Tom Sawyer's 1000 points expire after 365 days.
        client.post("/_emulator/clock", json={"advance": "P400D"})
        audit_ok(client)


class TestErrors:
    def test_unknown_path_is_404_in_envelope(self, client):
        response = client.get("/v2/nothing/here", headers=DEMO_AUTH)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == 404

    def test_wrong_method_is_405(self, client):
        response = client.delete("/_emulator/clock")
        assert response.status_code == 405
        assert response.json()["errors"][0]["code"] == 405

    def test_form_body_is_415(self, client):
        response = client.post(
            "/_emulator/clock",
            content=b"a=1",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 415
        assert response.json()["errors"][0]["code"] == 415

    def test_malformed_json_is_400(self, client):
        response = client.post(
            "/_emulator/clock", content=b'{"advance":', headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert "Malformed JSON" in response.json()["errors"][0]["message"]

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (b"", "Invalid input: body: Field required"),
            (b'{"orgs": [', "Malformed JSON in request body: "),
            (b"\xff\xfe", "Malformed JSON in request body: "),
            (b"[]", "Invalid seed document at (document): "),
            (b'{"orgs": [{"orgId": "x"}]}', "Invalid seed document at orgs.0.orgId: "),
        ],
    )
    def test_a_seed_body_that_is_no_document_is_400_and_loads_nothing(
        self, client, session, body, message
    ):
        # The seed endpoint validates its JSON bytes itself (no Python copy of a large document).
        orgs = session.scalar(select(func.count()).select_from(Org))
        response = client.post(
            "/_emulator/seed", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["code"] == 400
        assert response.json()["errors"][0]["message"].startswith(message), response.text
        assert session.scalar(select(func.count()).select_from(Org)) == orgs
