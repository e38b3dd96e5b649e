"""GET|POST /_emulator/clock?orgId=N: one org's own clock; no other org is affected (issue 16)."""

from datetime import datetime

import pytest

from tests.emulator.test_org_faults import TWO_CUSTOMERS, check
from tests.support import DEMO_ORG, audit_ok


def token_for(client, org):
    answer = client.post("/v3/oauth/token/generate", json=org["oauth"])
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["accessToken"]


def balance_with_token(client, token):
    return client.get(
        "/v2/pointsLedger/getCustomerLedgerBalance",
        params={"identifierName": "mobile", "identifierValue": "919000000001", "source": "INSTORE"},
        headers={"X-CAP-API-OAUTH-TOKEN": token},
    )


def org_now(client, org):
    body = client.get("/_emulator/clock", params={"orgId": org["orgId"]}).json()
    return datetime.fromisoformat(body["now"])


@pytest.fixture
def two_orgs(client):
    return [client.post("/_emulator/orgs", json=TWO_CUSTOMERS).json() for _ in range(2)]


class TestOrgClock:
    def test_set_moves_only_that_org(self, client, two_orgs):
        a, b = two_orgs
        answer = client.post(
            "/_emulator/clock", params={"orgId": a["orgId"]}, json={"set": "2031-01-02T03:04:05Z"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["now"].startswith("2031-01-02T03:04")
        assert answer.json()["ownClock"] is True
        assert org_now(client, b).year < 2031
        assert datetime.fromisoformat(client.get("/_emulator/clock").json()["now"]).year < 2031

    def test_freeze_then_advance(self, client, two_orgs):
        a, _ = two_orgs
        params = {"orgId": a["orgId"]}
        frozen = client.post("/_emulator/clock", params=params, json={"freeze": True}).json()
        assert frozen["frozen"] is True
        moved = client.post("/_emulator/clock", params=params, json={"advance": "P1D"}).json()
        assert moved["frozen"] is True
        gap = datetime.fromisoformat(moved["now"]) - datetime.fromisoformat(frozen["now"])
        assert gap.days == 1 and gap.seconds == 0
        assert client.get("/_emulator/clock").json()["frozen"] is False

    def test_token_expires_on_its_orgs_clock_only(self, client, two_orgs):
        a, b = two_orgs
        tokens = [token_for(client, org) for org in two_orgs]
        assert [balance_with_token(client, t).status_code for t in tokens] == [200, 200]
        client.post("/_emulator/clock", params={"orgId": a["orgId"]}, json={"advance": "P30D"})
        assert [balance_with_token(client, t).status_code for t in tokens] == [401, 200]
        # a token issued now lives on the org's clock
        assert balance_with_token(client, token_for(client, a)).status_code == 200
        assert b["orgId"] != a["orgId"]

    def test_one_org_advancing_between_the_others_calls(self, client, two_orgs):
        a, b = two_orgs
        before = org_now(client, b)
        for _ in range(3):
            params = {"orgId": a["orgId"]}
            assert client.post(
                "/_emulator/clock", params=params, json={"advance": "P1D"}
            ).is_success
            assert check(client, b).status_code == 200
        assert (org_now(client, a) - before).days >= 3
        assert (org_now(client, b) - before).days == 0
        audit_ok(client)

    def test_reset_with_org_id_clears_it(self, client):
        params = {"orgId": DEMO_ORG}
        client.post("/_emulator/clock", params=params, json={"advance": "P400D"})
        assert client.get("/_emulator/clock", params=params).json()["ownClock"] is True
        assert client.post("/_emulator/reset", params=params).status_code == 200
        body = client.get("/_emulator/clock", params=params)
        assert body.status_code == 200, body.text
        assert body.json()["ownClock"] is False

    def test_reset_with_org_id_leaves_the_global_clock_alone(self, client, two_orgs):
        client.post("/_emulator/clock", json={"set": "2031-01-01T00:00:00+00:00"})
        client.post("/_emulator/clock", json={"freeze": True})
        assert client.post("/_emulator/reset", params={"orgId": DEMO_ORG}).status_code == 200
        now = client.get("/_emulator/clock").json()["now"]
        assert datetime.fromisoformat(now).year == 2031  # frozen a moment after the set
        assert org_now(client, two_orgs[0]) == datetime.fromisoformat(now)  # others: still 2031
        client.post("/_emulator/reset")
        assert datetime.fromisoformat(client.get("/_emulator/clock").json()["now"]).year < 2031

    def test_bad_command_and_unknown_org(self, client, two_orgs):
        params = {"orgId": two_orgs[0]["orgId"]}
        assert (
            client.post("/_emulator/clock", params=params, json={"advance": "x"}).status_code == 400
        )
        assert client.post("/_emulator/clock", params=params, json={}).status_code == 400
        unknown = client.post("/_emulator/clock", params={"orgId": 99999}, json={"freeze": True})
        assert unknown.status_code == 404
        assert client.get("/_emulator/clock", params={"orgId": 99999}).status_code == 404
