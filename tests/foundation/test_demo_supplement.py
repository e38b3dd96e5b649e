"""The demo supplement (data/demo-supplement.yaml, seed/demo.py): applied after the demo
document at first start and at every reset, only when the seed file holds the demo document's
bytes; the demo's fixed transfer code survives being used."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from capillary_emulator.config import DEMO_SEED_FILE, Settings
from capillary_emulator.main import create_app
from capillary_emulator.seed.demo import SUPPLEMENT_FILE, is_demo_seed
from tests.support import DEMO_AUTH, audit_ok, load_org

HISTORY = {
    "programId": "765",
    "identifierName": "id",
    "identifierValue": "2626",
    "userEntityType": "USERGROUP2",
}
TOM_TRANSFER = {
    "pointsTobeTransferred": 10,
    "programId": 141,
    "fromCustomerIdentifier": {"type": "MOBILE", "value": "7799000000"},
    "toCustomerIdentifier": {"type": "ID", "value": "342953257"},
    "code": "X12Y3Z",
}


def group_transfer_ids(client: Any) -> list[int]:
    response = client.get("/v2/points/transfer", params=HISTORY, headers=DEMO_AUTH)
    assert response.status_code == 200, response.text
    return [record["transferId"] for record in response.json()["data"]]


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Any]:
    """Start an app on a fresh SQLite file with the given seed file."""
    clients: list[TestClient] = []

    def start(seed_file: Path) -> TestClient:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / f'demo-{len(clients)}.db'}", seed_file=seed_file
        )
        client = TestClient(create_app(settings))
        clients.append(client.__enter__())
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


class TestWhenItApplies:
    def test_a_fresh_start_of_the_demo_holds_the_sample_transfer(self, started):
        client = started(DEMO_SEED_FILE)
        assert group_transfer_ids(client) == [6545]
        audit_ok(client)

    def test_a_copy_of_the_demo_document_elsewhere_gets_it_too(self, started, tmp_path):
        copy = tmp_path / "copy.yaml"
        shutil.copyfile(DEMO_SEED_FILE, copy)
        assert is_demo_seed(copy)
        assert group_transfer_ids(started(copy)) == [6545]

    def test_another_document_does_not(self, started, tmp_path):
        changed = tmp_path / "changed.yaml"
        changed.write_bytes(DEMO_SEED_FILE.read_bytes() + b"\n# changed\n")
        assert not is_demo_seed(changed)
        client = started(changed)
        assert group_transfer_ids(client) == []
        # Without the supplement the seeded code works once.
        codes = [
            client.post("/v2/points/transfer", json=TOM_TRANSFER, headers=DEMO_AUTH).json()
            for _ in range(2)
        ]
        assert [c["errors"][0]["code"] if c["errors"] else 0 for c in codes] == [0, 808]

    def test_the_supplement_is_packaged_beside_the_demo(self):
        assert SUPPLEMENT_FILE.parent == DEMO_SEED_FILE.parent
        assert "transferId: 6545" in SUPPLEMENT_FILE.read_text(encoding="utf-8")


class TestReset:
    def test_a_full_reset_makes_it_again(self, client):
        client.post("/v2/points/transfer", json=TOM_TRANSFER, headers=DEMO_AUTH)
        assert client.post("/_emulator/reset").status_code == 200
        assert group_transfer_ids(client) == [6545]
        audit_ok(client)

    def test_a_reset_of_the_demo_org_makes_it_again(self, client):
        assert client.post("/_emulator/reset", params={"orgId": 100458}).status_code == 200
        assert group_transfer_ids(client) == [6545]
        audit_ok(client)

    def test_a_reset_of_another_org_leaves_the_demo_alone(self, client):
        load_org(client, _small_org())
        assert client.post("/_emulator/reset", params={"orgId": 800700}).status_code == 200
        assert group_transfer_ids(client) == [6545]


class TestFixedTransferCode:
    def test_the_code_pays_again_after_it_was_used(self, client):
        for _ in range(3):
            answer = client.post("/v2/points/transfer", json=TOM_TRANSFER, headers=DEMO_AUTH)
            assert answer.json()["errors"] == [], answer.text
        audit_ok(client)

    def test_the_code_issued_again_keeps_the_seeded_expiry(self, client):
        client.post("/v2/points/transfer", json=TOM_TRANSFER, headers=DEMO_AUTH)
        otps = client.get(
            "/_emulator/otps",
            params={"orgId": 100458, "identifierType": "mobile", "identifierValue": "917799000000"},
        ).json()["otps"]
        live, used = otps[0], otps[1]
        assert live["code"] == used["code"] == "X12Y3Z"
        assert live["expiresAt"] == used["expiresAt"]
        assert (used["used"], live["used"]) == (True, False)

    def test_asking_for_a_code_gives_the_fixed_one(self, client):
        client.post("/v2/points/transfer", json=TOM_TRANSFER, headers=DEMO_AUTH)
        body = {k: v for k, v in TOM_TRANSFER.items() if k != "code"}
        answer = client.post(
            "/v2/points/isTransferrable", json={**body, "issueOtp": True}, headers=DEMO_AUTH
        )
        assert answer.json()["errors"] == [], answer.text
        otps = client.get("/_emulator/otps", params={"orgId": 100458}).json()["otps"]
        assert otps[0]["code"] == "X12Y3Z"

    def test_a_wrong_code_is_still_refused(self, client):
        answer = client.post(
            "/v2/points/transfer", json={**TOM_TRANSFER, "code": "AAAAAA"}, headers=DEMO_AUTH
        )
        assert answer.json()["errors"][0]["code"] == 808

    def test_a_key_that_is_not_a_list_of_entries_is_888(self, client):
        auth = load_org(client, _small_org(OTP_FIXED_CODES="X12Y3Z"))
        answer = client.post(
            "/v2/otp/generate",
            json={"entityType": "MOBILE", "entityValue": "919830000001", "action": "POINTS",
                  "channels": [{"type": "SMS"}]},
            headers=auth,
        )  # fmt: skip
        assert answer.json()["errors"][0]["code"] == 888, answer.text


def _small_org(**config: Any) -> dict[str, Any]:
    return {
        "orgs": [
            {
                "orgId": 800700,
                "name": "Supplement Test Org",
                "config": config,
                "tills": [{"tillId": 8007001, "code": "till-800700", "password": "pw-800700"}],
                "programs": [{"programId": 8007001, "name": "Default", "default": True}],
                "customers": [
                    {"userId": 800700001, "identifiers": {"mobile": "919830000001"}},
                ],
            }
        ]
    }
