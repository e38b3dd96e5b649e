"""GET|POST /_emulator/snapshot: the state (or one org's) as a versioned document, restored
exactly (issue 16, item 6). Runs on SQLite, and on Postgres under CAPEMU_TEST_DATABASE_URL."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reversals.reversal_builders import redeem, reverse, reverse_body
from tests.support import DEMO_AUTH, DEMO_ORG, audit_ok, basic_auth
from tests.transfers import transfer_builders as tb

TRANSFER_AUTH = basic_auth(f"till-{tb.ORG}", tb.PASSWORD)
AUTH = {DEMO_ORG: DEMO_AUTH, tb.ORG: TRANSFER_AUTH}
READS = (
    "/v2/pointsLedger/getCustomerLedgerInfo",
    "/v2/pointsLedger/getCustomerLedgerBalance",
    "/v2/points/transfer",
)
DEMO_GROUP = {"identifierName": "externalId", "identifierValue": "grp-2626", "source": "INSTORE"}


def rows_of(document: dict[str, Any], table: str) -> list[dict[str, Any]]:
    found = document["tables"][table]
    return [dict(zip(found["columns"], row, strict=True)) for row in found["rows"]]


def reads(client: Any, document: dict[str, Any]) -> dict[str, bytes]:
    """Every customer's ledger info, ledger balance and transfer history (by mobile), and the
    demo group's transfer history, as the bytes answered."""
    customers = {c["id"]: c["org_id"] for c in rows_of(document, "customers")}
    out: dict[str, bytes] = {}
    for identifier in rows_of(document, "customer_identifiers"):
        org = customers[identifier["customer_id"]]
        if identifier["type"] != "mobile" or org not in AUTH:
            continue
        query = {"identifierName": "mobile", "identifierValue": identifier["value"]}
        for path in READS:
            answer = client.get(path, params={**query, "source": "INSTORE"}, headers=AUTH[org])
            assert answer.status_code == 200, answer.text
            out[f"{path} {identifier['value']}"] = answer.content
    group = client.get(
        "/v2/points/transfer",
        params={**DEMO_GROUP, "userEntityType": "USERGROUP2"},
        headers=DEMO_AUTH,
    )
    out["group history"] = group.content
    return out


def export(client: Any, org_id: int | None = None) -> httpx.Response:
    params = {"orgId": org_id} if org_id is not None else {}
    answer = client.get("/_emulator/snapshot", params=params)
    assert answer.status_code == 200, answer.text
    return answer


def restore(client: Any, document: Any) -> httpx.Response:
    return client.post("/_emulator/snapshot", json=document)


def build_state(client: Any) -> None:
    """Transfers (with an OTP), a redemption and a partial reversal, expired lots, an unused
    OTP, groups (the demo's) and per-org clocks, beside the demo seed."""
    assert client.post("/_emulator/seed", json=tb.org_seed()).status_code == 200
    code = tb.issue_code(client, TRANSFER_AUTH)
    moved = client.post(tb.TRANSFER, json=tb.transfer_body(15, code=code), headers=TRANSFER_AUTH)
    assert moved.json()["errors"] == [], moved.text
    tb.issue_code(client, TRANSFER_AUTH)  # left unused in the inbox
    redemption = redeem(client, 10)
    reversed_ = reverse(client, reverse_body(redemption, 4))
    assert reversed_.status_code == 200, reversed_.text
    # The demo org's clock runs 400 days ahead: Tom's 1000 points (365 days) expire.
    demo = {"orgId": DEMO_ORG}
    assert client.post("/_emulator/clock", params=demo, json={"advance": "P400D"}).is_success
    assert client.post("/_emulator/clock", params=demo, json={"freeze": True}).is_success
    org = {"orgId": tb.ORG}
    assert client.post("/_emulator/clock", params=org, json={"freeze": True}).is_success
    assert client.post("/_emulator/clock", params=org, json={"set": "2030-05-06T07:08:09Z"})
    assert client.post("/_emulator/clock", json={"freeze": True}).is_success


def expired_lots(document: dict[str, Any]) -> int:
    return sum(
        1
        for event in rows_of(document, "ledger_events")
        if event["event_name"] == "PointsExpiry" and event["org_id"] == DEMO_ORG
    )


@pytest.mark.live
class TestRoundTripServed:
    def test_export_reset_restore_answers_the_same_bytes(self, live_server_factory):
        server = live_server_factory()  # two workers on Postgres: the restore reaches both
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            build_state(client)
            first = export(client)
            document = first.json()
            assert document["format"] == "capillary-emulator-snapshot"
            assert document["version"] == 1
            assert document["clock"]["frozenAt"] is not None
            assert expired_lots(document) >= 1
            for table in ("points_transfers", "redemptions", "reversals", "otps", "user_groups"):
                assert rows_of(document, table), table
            clocks = {o["id"]: o["clock_frozen_at"] for o in rows_of(document, "orgs")}
            assert clocks[tb.ORG] == "2030-05-06T07:08:09.000000+00:00"
            before = reads(client, document)
            inbox = client.get("/_emulator/otps").content
            global_clock = client.get("/_emulator/clock").content
            org_clocks = [client.get("/_emulator/clock", params={"orgId": o}).content for o in AUTH]

            assert client.post("/_emulator/reset").status_code == 200
            assert export(client).content != first.content
            restored = restore(client, document)
            assert restored.status_code == 200, restored.text
            transfers = len(document["tables"]["points_transfers"]["rows"])
            assert restored.json()["rows"]["points_transfers"] == transfers >= 1

            assert reads(client, document) == before
            assert client.get("/_emulator/otps").content == inbox
            assert client.get("/_emulator/clock").content == global_clock
            assert [
                client.get("/_emulator/clock", params={"orgId": o}).content for o in AUTH
            ] == org_clocks
            assert export(client).content == first.content
            audit_ok(client)

    def test_one_org_restore_leaves_the_others_untouched(self, live_server_factory):
        server = live_server_factory(workers=1)
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            build_state(client)
            saved = export(client, tb.ORG).json()
            assert {o["id"] for o in rows_of(saved, "orgs")} == {tb.ORG}
            assert "clock" not in saved
            before = reads(client, saved)
            # Both orgs change after the export.
            client.post("/_emulator/clock", params={"orgId": tb.ORG}, json={"freeze": False})
            code = tb.issue_code(client, TRANSFER_AUTH)
            client.post(tb.TRANSFER, json=tb.transfer_body(7, code=code), headers=TRANSFER_AUTH)
            redeem(client, 3)
            demo_now = export(client, DEMO_ORG).content
            whole_clock = client.get("/_emulator/clock").content

            restored = restore(client, saved)
            assert restored.status_code == 200, restored.text
            assert restored.json()["orgId"] == tb.ORG
            assert reads(client, saved) == before
            assert export(client, tb.ORG).json() == saved
            assert export(client, DEMO_ORG).content == demo_now
            assert client.get("/_emulator/clock").content == whole_clock
            audit_ok(client)

    def test_an_org_deleted_then_restored(self, live_server_factory):
        server = live_server_factory(workers=1)
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            created = client.post("/_emulator/orgs", json={"customers": [
                {"identifiers": {"mobile": "919000000001"}, "points": [{"points": 100}]}
            ]}).json()  # fmt: skip
            saved = export(client, created["orgId"]).json()
            auth = {"Authorization": created["authorization"]}
            assert client.delete(f"/_emulator/orgs/{created['orgId']}").status_code == 204
            query = {"identifierName": "mobile", "identifierValue": "919000000001"}
            path = "/v2/pointsLedger/getCustomerLedgerBalance"
            assert client.get(path, params=query, headers=auth).status_code == 401
            assert restore(client, saved).status_code == 200
            answer = client.get(path, params={**query, "source": "INSTORE"}, headers=auth)
            assert answer.status_code == 200, answer.text
            assert export(client, created["orgId"]).json() == saved
            audit_ok(client)


class TestBadDocuments:
    """A document that does not fit is a 400 naming what is wrong, and changes nothing."""

    def refused(self, client: Any, document: Any, message: str) -> None:
        before = export(client).content
        answer = restore(client, document)
        assert answer.status_code == 400, answer.text
        [error] = answer.json()["errors"]
        assert error["code"] == 400
        assert message in error["message"], error["message"]
        assert export(client).content == before
        audit_ok(client)

    def test_not_a_snapshot(self, client):
        self.refused(client, [1, 2], "at (document): must be a JSON object")
        self.refused(client, {"format": "seed"}, 'at format: must be "capillary-emulator-snapshot"')

    def test_another_version(self, client):
        document = export(client).json()
        self.refused(client, {**document, "version": 2}, "at version: 2 is not supported")

    def test_a_bad_cell(self, client):
        document = export(client).json()
        broken = copy.deepcopy(document)
        broken["tables"]["customers"]["rows"][0][0] = "x"
        self.refused(client, broken, "at tables.customers.rows.0.id: 'x' is not a 64-bit integer")
        broken = copy.deepcopy(document)
        column = broken["tables"]["otps"]["columns"].index("expires_at")
        broken["tables"]["otps"]["rows"][0][column] = "tomorrow"
        self.refused(client, broken, "at tables.otps.rows.0.expires_at: 'tomorrow' is not an ISO")

    def test_nulls_booleans_and_lengths_by_column(self, client):
        document = export(client).json()
        for table, column, value, message in (
            ("customers", "org_id", None, "customers.rows.3.org_id: must not be null"),
            ("customers", "lifetime_purchases", True, "True is not a 64-bit integer"),
            ("customers", "id", 2**63, "is not a 64-bit integer"),
            ("customers", "status", "X" * 31, "status: longer than 30 characters"),
            ("otps", "issued_at", "2026-01-01T00:00:00", "is not an ISO 8601 time"),
        ):
            broken = copy.deepcopy(document)
            index = broken["tables"][table]["columns"].index(column)
            broken["tables"][table]["rows"][3 if table == "customers" else 0][index] = value
            self.refused(client, broken, message)

    def test_unknown_table_and_column(self, client):
        document = export(client).json()
        self.refused(
            client, {**document, "tables": {"emulator_faults": {}}}, "tables.emulator_faults"
        )
        broken = copy.deepcopy(document)
        broken["tables"]["tills"]["columns"][0] = "nope"
        self.refused(client, broken, "'nope' is not a column of tills")

    def test_rows_that_reference_nothing(self, client):
        broken = export(client).json()
        broken["tables"]["customers"] = {"columns": [], "rows": []}
        self.refused(client, broken, "the rows do not fit the database")

    def test_a_state_that_fails_the_audit(self, client):
        broken = export(client).json()
        balances = broken["tables"]["point_balances"]
        column = balances["columns"].index("points_milli")
        balances["rows"][0][column] += 1000
        self.refused(client, broken, "the restored state fails the audit")

    def test_an_org_document_with_another_orgs_rows(self, client):
        created = client.post("/_emulator/orgs", json={}).json()
        document = export(client, DEMO_ORG).json()
        customers = document["tables"]["customers"]
        customers["rows"][0][customers["columns"].index("org_id")] = created["orgId"]
        self.refused(client, document, f"is not of org {DEMO_ORG}")

    def test_unknown_org(self, client):
        answer = client.get("/_emulator/snapshot", params={"orgId": 424242})
        assert answer.status_code == 404, answer.text


def test_the_document_is_stable_and_sorted(client):
    """Two exports of one state are the same bytes; tables come parents first, rows by id."""
    first, second = export(client).content, export(client).content
    assert first == second
    document = json.loads(first)
    assert list(document)[:4] == ["format", "version", "schemaRevision", "orgId"]
    names = list(document["tables"])
    assert names.index("orgs") < names.index("customers") < names.index("ledger_entries")
    ids = [row[0] for row in document["tables"]["ledger_events"]["rows"]]
    assert ids == sorted(ids)


def command(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    executable = str(Path(sys.executable).parent / "capillary-emulator")
    return subprocess.run(
        [executable, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.live
class TestCommands:
    def test_export_then_import(self, live_server_factory, tmp_path):
        server = live_server_factory(workers=1)
        url = server.base_url
        out = tmp_path / "out"
        out.mkdir()
        saved = out / "state.json"
        with httpx.Client(base_url=url, timeout=60) as client:
            build_state(client)
            done = command("export", str(saved), "--url", url)
            assert done.returncode == 0, done.stderr
            assert "saved the whole state: 2 orgs" in done.stdout
            assert [p.name for p in out.iterdir()] == ["state.json"]  # no temporary left
            assert saved.read_bytes() == export(client).content
            before = reads(client, json.loads(saved.read_bytes()))

            one_org = out / "org.json"
            done = command("export", str(one_org), "--org", str(tb.ORG), env={"CAPEMU_URL": url})
            assert done.returncode == 0, done.stderr
            assert f"saved org {tb.ORG}:" in done.stdout
            assert json.loads(one_org.read_bytes()) == export(client, tb.ORG).json()

            assert client.post("/_emulator/reset").status_code == 200
            done = command("import", str(saved), "--url", url)
            assert done.returncode == 0, done.stderr
            assert "restored the whole state: 2 orgs" in done.stdout
            assert reads(client, json.loads(saved.read_bytes())) == before
            assert export(client).content == saved.read_bytes()
            audit_ok(client)

    def test_a_bad_file_changes_nothing(self, live_server_factory, tmp_path):
        server = live_server_factory(workers=1)
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            before = export(client).content
            bad = tmp_path / "bad.json"
            bad.write_text(json.dumps({"format": "capillary-emulator-snapshot", "version": 9}))
            done = command("import", str(bad), "--url", server.base_url)
            assert done.returncode == 2
            assert "Invalid snapshot document at version: 9 is not supported" in done.stderr
            missing = command("import", str(tmp_path / "nope.json"), "--url", server.base_url)
            assert missing.returncode == 2
            assert "cannot read" in missing.stderr
            assert export(client).content == before


@pytest.mark.live
def test_a_snapshot_above_the_body_limit_still_restores(live_server_factory, tmp_path):
    """CAPEMU_MAX_BODY_BYTES is for the Capillary endpoints: the control plane takes seed and
    snapshot documents of any size."""
    server = live_server_factory(workers=1, env={"CAPEMU_MAX_BODY_BYTES": "4096"})
    saved = tmp_path / "state.json"
    assert command("export", str(saved), "--url", server.base_url).returncode == 0
    assert saved.stat().st_size > 4096
    done = command("import", str(saved), "--url", server.base_url)
    assert done.returncode == 0, done.stderr
    with server.client() as client:
        headers = {**DEMO_AUTH, "Content-Type": "application/json"}
        refused = client.post("/v2/points/transfer", content=saved.read_bytes(), headers=headers)
        assert refused.status_code == 413


def test_export_to_nowhere_keeps_the_file(tmp_path):
    target = tmp_path / "kept.json"
    target.write_text("old")
    done = command("export", str(target), "--url", "http://127.0.0.1:9")
    assert done.returncode == 2
    assert "cannot reach the emulator at http://127.0.0.1:9/_emulator/snapshot" in done.stderr
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.json"]


def test_help_says_what_each_command_does():
    for name, words in (
        ("export", "renamed over it"),
        ("import", "in one transaction"),
    ):
        done = command(name, "--help")
        assert done.returncode == 0
        assert words in " ".join(done.stdout.split()), done.stdout
