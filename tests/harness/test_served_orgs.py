"""Issue 16 items 1-3 over HTTP against a served emulator (two workers on Postgres): test orgs,
a clock per org with two orgs driven from parallel threads, faults per org. Items 4-5 (OTP
long-poll, journal) are served in tests/emulator/test_journal_served.py."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from capillary_emulator.testing import Emulator, Org
from tests.support import LiveServer
from tests.support.live_server import served_on_a_fresh_database

pytestmark = pytest.mark.live

ANN, BOB = "919000000001", "919000000002"
BODY = {
    "customers": [
        {"identifiers": {"mobile": ANN}, "points": [{"points": 1000}]},
        {"identifiers": {"mobile": BOB}},
    ],
    "userGroups": [{"externalId": "family-1", "name": "Family"}],
}
TRANSFER = {
    "pointsTobeTransferred": 10,
    "fromCustomerIdentifier": {"type": "MOBILE", "value": ANN},
    "toCustomerIdentifier": {"type": "MOBILE", "value": BOB},
}
ROUNDS = 5


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with served_on_a_fresh_database(tmp_path_factory.mktemp("orgs"), "orgs") as server:
        yield server


@pytest.fixture
def http(served: LiveServer) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


@pytest.fixture
def emulator(served: LiveServer) -> Iterator[Emulator]:
    with Emulator(served.base_url) as emulator:
        yield emulator


def transfer_with_otp(org: Org, capillary: httpx.Client) -> dict:
    issued = capillary.post("/v2/points/issuePointsTransferOtp", json=TRANSFER).json()
    assert issued["errors"] == [], issued
    code = org.wait_otp(mobile=ANN).code
    done = capillary.post("/v2/points/transfer", json={**TRANSFER, "code": code}).json()
    assert done["errors"] == [], done
    return done["data"][0]


class TestOrgsOverHttp:
    def test_create_answers_the_documented_fields_and_they_work(self, http):
        created = http.post("/_emulator/orgs", json=BODY)
        assert created.status_code == 201, created.text
        body = created.json()
        for key in ("orgId", "programId", "tillCode", "password", "authorization", "oauth"):
            assert body[key], key
        assert [c["identifiers"] for c in body["customers"]] == [{"mobile": ANN}, {"mobile": BOB}]
        (group,) = body["userGroups"]
        assert group["groupId"] > 0 and group["externalId"] == "family-1"
        till = {"Authorization": body["authorization"]}
        ledger = http.get(
            "/v2/pointsLedger/getCustomerLedgerBalance",
            params={"identifierName": "mobile", "identifierValue": ANN, "source": "INSTORE"},
            headers=till,
        ).json()
        (closing,) = ledger["ledgerDetails"]["ledgerClosingBalance"]
        assert closing["programId"] == body["programId"]  # points without programId: default
        assert closing["closingBalance"] == "1000.000"
        token = http.post("/v3/oauth/token/generate", json=body["oauth"])
        assert token.status_code == 200, token.text
        assert http.delete(f"/_emulator/orgs/{body['orgId']}").status_code == 204
        assert http.post("/v2/points/isTransferrable", json={}, headers=till).status_code == 401
        assert http.post("/v3/oauth/token/generate", json=body["oauth"]).status_code != 200
        assert http.get("/_emulator/audit").json()["ok"] is True


class TestOrgClocksInParallelThreads:
    def test_one_org_moves_its_frozen_clock_while_the_other_transfers(self, emulator):
        moving, steady = emulator.create_org(**BODY), emulator.create_org(**BODY)
        start = datetime(2035, 1, 1, tzinfo=UTC)
        moving.clock.freeze()
        moving.clock.set(start)
        together = threading.Barrier(2)
        seen: dict[str, list] = {"moving": [], "steady": []}
        failures: list[BaseException] = []

        def move() -> None:
            with moving.client() as capillary:
                together.wait()
                for day in range(ROUNDS):
                    reading = moving.clock.advance(timedelta(days=1))
                    capillary.post("/v2/points/issuePointsTransferOtp", json=TRANSFER)
                    otp = moving.wait_otp(mobile=ANN, since=reading.now)
                    seen["moving"].append((start + timedelta(days=day + 1), otp.issued_at))

        def transfer() -> None:
            with steady.client() as capillary:
                together.wait()
                for _ in range(ROUNDS):
                    record = transfer_with_otp(steady, capillary)
                    seen["steady"].append(datetime.fromisoformat(record["pointsTransferDateISO"]))

        def run(target) -> None:
            try:
                target()
            except BaseException as error:  # reported by the main thread
                failures.append(error)
                together.abort()

        threads = [threading.Thread(target=run, args=(t,)) for t in (move, transfer)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert [expected == issued for expected, issued in seen["moving"]] == [True] * ROUNDS
        real_now = datetime.now(UTC)
        assert all(abs(when - real_now) < timedelta(hours=1) for when in seen["steady"])
        assert moving.clock.now == start + timedelta(days=ROUNDS)
        assert steady.clock.read().own_clock is False
        assert abs(emulator.clock().now - real_now) < timedelta(hours=1)
        assert emulator.audit().ok
        moving.delete()
        steady.delete()


class TestOrgFaultsOverHttp:
    def test_a_counted_fault_fails_only_its_org_across_workers(self, emulator):
        failing, fine = emulator.create_org(**BODY), emulator.create_org(**BODY)
        try:
            failing.add_fault("/v2/points/isTransferrable", status=503, code=503, count=2)
            with failing.client() as theirs, fine.client() as ours:
                statuses = []
                for _ in range(3):
                    statuses.append(
                        ours.post("/v2/points/isTransferrable", json=TRANSFER).status_code
                    )
                    statuses.append(
                        theirs.post("/v2/points/isTransferrable", json=TRANSFER).status_code
                    )
            assert statuses == [200, 503, 200, 503, 200, 200]
        finally:
            emulator.clear_faults()
            failing.delete()
            fine.delete()
