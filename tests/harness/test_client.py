"""`capillary_emulator.testing.Emulator` over HTTP against a served emulator: one class per
control call, typed answers, refusals as `EmulatorError`."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from capillary_emulator.testing import (
    Audit,
    ClockReading,
    Emulator,
    EmulatorError,
    Org,
    Otp,
    OtpNotIssued,
)
from tests.support import DEMO_ORG, LiveServer
from tests.support.live_server import served_on_a_fresh_database

pytestmark = pytest.mark.live

ANN, BOB = "919000000001", "919000000002"
ANN_AND_BOB = {
    "customers": [
        {"identifiers": {"mobile": ANN}, "points": [{"points": 500}]},
        {"identifiers": {"mobile": BOB}},
    ]
}
TRANSFER = {
    "pointsTobeTransferred": 120,
    "fromCustomerIdentifier": {"type": "MOBILE", "value": ANN},
    "toCustomerIdentifier": {"type": "MOBILE", "value": BOB},
}


def balance(capillary: httpx.Client, mobile: str) -> str:
    answer = capillary.get(
        "/v2/pointsLedger/getCustomerLedgerBalance",
        params={"identifierName": "mobile", "identifierValue": mobile, "source": "INSTORE"},
    )
    assert answer.status_code == 200, answer.text
    closing = answer.json()["ledgerDetails"]["ledgerClosingBalance"]
    return str(closing[0]["closingBalance"]) if closing else "0"


def transfer_with_otp(org: Org) -> None:
    with org.client() as capillary:
        issued = capillary.post("/v2/points/issuePointsTransferOtp", json=TRANSFER)
        assert issued.json()["errors"] == [], issued.text
        otp = org.wait_otp(mobile=ANN)
        done = capillary.post("/v2/points/transfer", json={**TRANSFER, "code": otp.code})
        assert done.json()["errors"] == [], done.text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with served_on_a_fresh_database(tmp_path_factory.mktemp("client"), "client") as server:
        yield server


@pytest.fixture
def emulator(served: LiveServer) -> Iterator[Emulator]:
    with Emulator(served.base_url) as emulator:
        yield emulator


@pytest.fixture
def org(emulator: Emulator) -> Iterator[Org]:
    org = emulator.create_org(**ANN_AND_BOB)
    yield org
    emulator.delete_org(org.org_id)


class TestHealth:
    def test_answers_ok(self, emulator):
        assert emulator.health().status == "ok"


class TestCreateOrg:
    def test_answers_a_typed_org_whose_client_is_its_till(self, emulator, org):
        assert [c.identifiers for c in org.customers] == [{"mobile": ANN}, {"mobile": BOB}]
        assert org.customer(ANN).user_id == org.customers[0].user_id
        assert org.programs[0].program_id == org.program_id and org.programs[0].default
        with org.client() as capillary:
            assert balance(capillary, ANN) == "500.000"
        assert emulator.audit() == Audit(ok=True, violations=[])

    def test_two_orgs_do_not_see_each_others_customers(self, emulator, org):
        other = emulator.create_org()
        try:
            with other.client() as capillary:
                answer = capillary.get(
                    "/v2/pointsLedger/getCustomerLedgerBalance",
                    params={
                        "identifierName": "mobile",
                        "identifierValue": ANN,
                        "source": "INSTORE",
                    },
                )
            assert answer.json()["warnings"] or answer.json().get("errors"), answer.text
        finally:
            other.delete()

    def test_a_bad_body_is_an_emulator_error_with_the_message(self, emulator):
        with pytest.raises(EmulatorError) as refused:
            emulator.create_org(bogus=1)
        assert refused.value.status == 400
        assert "bogus" in refused.value.message


class TestDeleteOrg:
    def test_its_till_then_gets_401(self, emulator):
        org = emulator.create_org()
        emulator.delete_org(org.org_id)
        with org.client() as capillary:
            assert capillary.post("/v2/points/isTransferrable", json={}).status_code == 401

    def test_unknown_org_is_a_404(self, emulator):
        with pytest.raises(EmulatorError) as refused:
            emulator.delete_org(999_999_999)
        assert refused.value.status == 404


class TestClock:
    def test_reads_the_global_clock(self, emulator):
        reading = emulator.clock()
        assert isinstance(reading, ClockReading) and reading.org_id is None
        assert abs(reading.now - datetime.now(UTC)) < timedelta(hours=1)

    def test_org_clock_set_freeze_advance_leave_the_others_alone(self, emulator, org):
        other = emulator.create_org()
        try:
            assert org.clock.set("2031-05-06T07:08:09Z").now.year == 2031
            frozen = org.clock.freeze()
            assert frozen.frozen and frozen.own_clock
            moved = org.clock.advance(timedelta(days=2, seconds=30))
            assert moved.now - frozen.now == timedelta(days=2, seconds=30)
            assert org.clock.advance("P1D").now - moved.now == timedelta(days=1)
            assert org.clock.unfreeze().frozen is False
            assert other.clock.read().own_clock is False
            assert other.clock.now.year < 2031
            assert emulator.clock().now.year < 2031
        finally:
            other.delete()

    def test_one_command_at_a_time(self, emulator, org):
        with pytest.raises(ValueError):
            emulator.clock(org.org_id, freeze=True, advance="P1D")

    def test_a_bad_duration_is_a_400(self, org):
        with pytest.raises(EmulatorError) as refused:
            org.clock.advance("soon")
        assert refused.value.status == 400

    def test_reset_with_org_id_clears_the_orgs_clock(self, emulator):
        assert emulator.clock(DEMO_ORG, advance="P3D").own_clock is True
        emulator.reset(DEMO_ORG)
        assert emulator.clock(DEMO_ORG).own_clock is False


class TestOtps:
    def test_wait_otp_answers_the_code_a_call_issues(self, org):
        with org.client() as capillary:
            capillary.post("/v2/points/issuePointsTransferOtp", json=TRANSFER)
        otp = org.wait_otp(mobile=ANN)
        assert isinstance(otp, Otp)
        assert otp.org_id == org.org_id and otp.user_id == org.customer(ANN).user_id
        assert otp.action == "POINTSTRANSFER" and not otp.used
        assert otp.expires_at > otp.issued_at
        assert org.otps(mobile=ANN) == [otp]

    def test_wait_otp_waits_for_a_code_issued_later(self, org):
        since = org.clock.now
        found: list[Otp] = []
        waiting = threading.Thread(target=lambda: found.append(org.wait_otp(since=since)))
        waiting.start()
        with org.client() as capillary:
            capillary.post("/v2/points/issuePointsTransferOtp", json=TRANSFER)
        waiting.join()
        assert [otp.issued_at >= since for otp in found] == [True]

    def test_wait_otp_raises_when_none_is_issued(self, org):
        with pytest.raises(OtpNotIssued):
            org.wait_otp(mobile=BOB, timeout=0.2)

    def test_the_transfer_with_the_code_moves_the_points(self, org):
        transfer_with_otp(org)
        with org.client() as capillary:
            assert (balance(capillary, ANN), balance(capillary, BOB)) == ("380.000", "120.000")


class TestFaults:
    def test_an_org_fault_fails_only_that_org(self, emulator, org):
        other = emulator.create_org(**ANN_AND_BOB)
        try:
            fault = org.add_fault("/v2/pointsLedger/*", status=503, code=503, count=1)
            assert (fault.org_id, fault.status, fault.remaining) == (org.org_id, 503, 1)
            assert emulator.faults() == [fault]
            with org.client() as mine, other.client() as theirs:
                assert theirs.get("/v2/pointsLedger/getCustomerLedgerBalance").status_code != 503
                assert mine.get("/v2/pointsLedger/getCustomerLedgerBalance").status_code == 503
                assert balance(mine, ANN) == "500.000"  # count=1: used up
        finally:
            other.delete()
            emulator.clear_faults()

    def test_clear_faults_says_how_many_went(self, emulator):
        emulator.add_fault("/v2/points/transfer", delay_ms=1)
        emulator.add_fault("/v2/points/transfer", status=500)
        assert emulator.clear_faults() == 2
        assert emulator.faults() == []

    def test_a_bad_fault_is_a_400(self, emulator):
        with pytest.raises(EmulatorError) as refused:
            emulator.add_fault("no-slash")
        assert refused.value.status == 400


class TestJournal:
    @pytest.fixture(autouse=True)
    def _empty(self, emulator):
        emulator.clear_journal()  # an org id is reused once its org is deleted

    def test_filters_by_org_and_counts(self, emulator, org):
        with org.client() as capillary:
            balance(capillary, ANN)
            balance(capillary, BOB)
        entries = emulator.journal(org_id=org.org_id, wait=5)
        while len(entries) < 2:  # another worker's calls arrive a few ms after their answers
            entries = emulator.journal(org_id=org.org_id, wait=5)
        assert {e.path for e in entries} == {"/v2/pointsLedger/getCustomerLedgerBalance"}
        assert all(e.org_id == org.org_id and e.status == 200 for e in entries)
        assert emulator.journal_count(org_id=org.org_id) == 2
        assert len(org.journal(limit=1)) == 1

    def test_code_filter_finds_the_error_answers(self, emulator, org):
        with org.client() as capillary:
            capillary.post("/v2/points/transfer", json={**TRANSFER, "code": "WRONG1"})
        assert emulator.journal_count(org_id=org.org_id, path="/v2/points/transfer", wait=5) == 1
        (entry,) = emulator.journal(org_id=org.org_id, path="/v2/points/transfer")
        assert entry.codes and emulator.journal_count(org_id=org.org_id, code=entry.codes[0]) == 1


class TestSeedAndReset:
    def test_seed_adds_an_org_and_reset_takes_it_away(self, emulator):
        till = {"tillId": 7770011, "code": "till-777001", "password": "pw"}
        org = {
            "orgId": 777001,
            "name": "Seeded",
            "tills": [till],
            "programs": [{"programId": 7770011, "name": "P"}],
        }
        created = emulator.seed({"orgs": [org]})
        assert [o["orgId"] for o in created.orgs] == [777001]
        emulator.reset()
        with pytest.raises(EmulatorError):
            emulator.clock(777001)
        assert emulator.clock(DEMO_ORG).org_id == DEMO_ORG
        assert emulator.audit().ok


class TestSnapshots:
    def test_an_orgs_snapshot_restores_its_state_after_a_transfer(self, org):
        saved = org.snapshot()
        assert saved["format"] == "capillary-emulator-snapshot" and saved["orgId"] == org.org_id
        with org.client() as capillary:
            before = (balance(capillary, ANN), balance(capillary, BOB))
        transfer_with_otp(org)
        with org.client() as capillary:
            assert balance(capillary, BOB) == "120.000"
            org.restore(saved)
            assert (balance(capillary, ANN), balance(capillary, BOB)) == before
        assert before[0] == "500.000" and org.snapshot() == saved

    def test_a_bad_document_is_an_emulator_error(self, emulator):
        with pytest.raises(EmulatorError) as refused:
            emulator.restore({"format": "capillary-emulator-snapshot", "version": 9})
        assert refused.value.status == 400


class TestAdminToken:
    def test_the_token_is_sent_and_required(self, live_server_factory):
        server = live_server_factory(env={"CAPEMU_ADMIN_TOKEN": "s3cret"})
        with Emulator(server.base_url) as anonymous:
            assert anonymous.health().status == "ok"  # probes need no token
            with pytest.raises(EmulatorError) as refused:
                anonymous.audit()
            assert refused.value.status in (401, 403)
        with Emulator(server.base_url, admin_token="s3cret") as admin:
            assert admin.audit().ok
            assert admin.create_org().org_id > 0
