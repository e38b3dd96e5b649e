"""The request journal and the OTP long-poll over HTTP, against a served emulator (on Postgres
two workers sharing one journal): no secret kept in any form, bounded memory, filters, counts,
`wait`, and clearing every worker."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from capillary_emulator.emulator.journal import WRITER_NAME
from tests.support import DEMO_AUTH, DEMO_ORG, LiveServer, is_postgres
from tests.support.databases import fresh_database_url

pytestmark = pytest.mark.live

BALANCE = "/v2/pointsLedger/getCustomerLedgerBalance"
TRANSFER = "/v2/points/transfer"
TOKEN = "/v3/oauth/token/generate"
ISREDEEMABLE = "/v1.1/points/isredeemable"
QUERY = {"identifierName": "externalId", "identifierValue": "tomanatest2", "source": "INSTORE"}
TOM_MOBILE = "7799497290"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    url = fresh_database_url(tmp_path_factory.mktemp("journal"), "journal")
    server = LiveServer(url, workers=2 if is_postgres(url) else 1).start()
    yield server
    server.stop()


@pytest.fixture
def http(served: LiveServer) -> Iterator[httpx.Client]:
    with served.client() as client:
        assert client.delete("/_emulator/journal").status_code == 200
        yield client


def stored(http: httpx.Client, n: int = 1, **filters: Any) -> list[dict[str, Any]]:
    """The matching entries once at least `n` are stored: another worker's calls reach the
    shared journal a few milliseconds after their answer."""
    for _ in range(100):
        entries: list[dict[str, Any]] = http.get(
            "/_emulator/journal", params={**filters, "wait": 5}
        ).json()["entries"]
        if len(entries) >= n:
            return entries
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} entries for {filters}: {entries}")


def everything(http: httpx.Client) -> str:
    return json.dumps(http.get("/_emulator/journal", params={"limit": 10_000}).json())


class TestJournalKeepsNoSecrets:
    def test_masks_json_fields_at_any_depth_and_by_position(self, http):
        body = {
            "validation_code": "SECRET-A",
            "nested": {"otp": "SECRET-B", "Password": "SECRET-C"},
            "list": [{"name": "otp", "value": "SECRET-D"}, {"name": "note", "value": "kept"}],
        }
        http.post(TRANSFER, json=body, headers=DEMO_AUTH)
        [entry] = stored(http, path=TRANSFER)
        assert entry["body"] == {
            "validation_code": "***",
            "nested": {"otp": "***", "Password": "***"},
            "list": [{"name": "otp", "value": "***"}, {"name": "note", "value": "kept"}],
        }
        assert "SECRET" not in everything(http)

    def test_masks_a_body_that_is_not_valid_json(self, http):
        raw = b'{"code": "SECRET-E", "validationCode": 12345678, broken'
        response = http.post(
            TRANSFER, content=raw, headers={**DEMO_AUTH, "Content-Type": "application/json"}
        )
        assert response.status_code == 400
        [entry] = stored(http, path=TRANSFER)
        assert entry["body"] == '{"code": "***", "validationCode": "***", broken'
        assert "SECRET" not in everything(http) and "12345678" not in everything(http)

    def test_masks_a_body_cut_at_the_limit_even_inside_the_value(self, http):
        before = '{"validation_code": "SECRET-F", "notes": "' + "x" * 3000 + '", '
        filler = "y" * (8192 - len(before) - len('"otp": "') - 8)
        raw = (before + '"pad": "' + filler[8:] + '", "otp": "SECRET-G' + "G" * 500 + '"}').encode()
        assert len(raw) > 8192
        http.post(TRANSFER, content=raw, headers={**DEMO_AUTH, "Content-Type": "application/json"})
        [entry] = stored(http, path=TRANSFER)
        assert entry["bodyTruncated"] is True and entry["bodyBytes"] == len(raw)
        assert '"validation_code": "***"' in entry["body"]
        assert entry["body"].endswith('"otp": "***"'), entry["body"][-60:]
        assert "SECRET" not in everything(http)

    def test_masks_the_query_string(self, http):
        params = {**QUERY, "validation_code": "SECRET-H", "points": "10"}
        http.get(ISREDEEMABLE, params=params, headers=DEMO_AUTH)
        http.get(BALANCE, params={**QUERY, "code": "SECRET-I"}, headers=DEMO_AUTH)
        entries = stored(http, 2)
        assert {e["path"] for e in entries} == {ISREDEEMABLE, BALANCE}
        assert all("identifierValue=tomanatest2" in e["query"] for e in entries)
        assert any("validation_code=***" in e["query"] for e in entries)
        assert any("code=***" in e["query"] for e in entries)
        assert "SECRET" not in everything(http)

    def test_masks_form_bodies(self, http):
        form = "key=demo-client-key&secret=SECRET-J&grant_type=client_credentials"
        declared_form = http.post(
            TOKEN, content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert declared_form.status_code == 415
        sent_as_json = http.post(TOKEN, content=form, headers={"Content-Type": "application/json"})
        assert sent_as_json.status_code == 400
        entries = stored(http, 2, path=TOKEN)
        assert entries[0]["body"] == "key=demo-client-key&secret=***&grant_type=client_credentials"
        assert "SECRET" not in everything(http)

    def test_masks_the_oauth_client_secret(self, http):
        body = {"key": "demo-client-key", "secret": "demo-client-secret"}
        assert http.post(TOKEN, json=body).status_code == 200
        [entry] = stored(http, path=TOKEN)
        assert entry["body"] == {"key": "demo-client-key", "secret": "***"}
        assert "demo-client-secret" not in everything(http)

    def test_a_lone_surrogate_in_a_body_does_not_break_the_journal(self, http):
        raw = b'{"notes": "\\ud800", "code": "SECRET-K"}'
        http.post(TRANSFER, content=raw, headers={**DEMO_AUTH, "Content-Type": "application/json"})
        [entry] = stored(http, path=TRANSFER)
        assert entry["body"]["code"] == "***"
        assert http.get("/_emulator/journal").status_code == 200


class TestJournalMemory:
    def test_keeps_only_the_first_8_kib_of_a_large_body(self, http):
        raw = b'{"notes": "' + b"z" * 250_000 + b'"}'
        http.post(TRANSFER, content=raw, headers={**DEMO_AUTH, "Content-Type": "application/json"})
        [entry] = stored(http, path=TRANSFER)
        assert entry["bodyBytes"] == len(raw) and entry["bodyTruncated"] is True
        assert len(entry["body"]) == 8192

    def test_total_bytes_stay_within_the_setting(self, live_server_factory):
        server = live_server_factory(env={"CAPEMU_JOURNAL_BYTES": str(64 * 1024)})
        raw = b'{"notes": "' + b"n" * 20_000 + b'"}'
        headers = {**DEMO_AUTH, "Content-Type": "application/json"}
        with server.client() as client:
            for i in range(30):
                client.post(TRANSFER, params={"call": i}, content=raw, headers=headers)
            newest = stored(client, path=TRANSFER, limit=1)
            assert newest[0]["query"] == "call=29"
            kept = client.get("/_emulator/journal/count").json()["count"]
        # An entry counts its 8 KiB of body and ~200 bytes more: 7 fit in 64 KiB.
        assert 1 <= kept <= 7


class TestJournalConnection:
    def test_keeps_storing_once_its_connection_is_lost(self, http, served):
        """On Postgres each worker stores its calls through a connection of its own; killed
        between two batches, the next batch goes on a new one, and no call is lost. On SQLite
        the journal is this process's memory, with no connection to lose."""
        url = served.env["CAPEMU_DATABASE_URL"]
        if is_postgres(url):
            for _ in range(4):  # very likely both workers, so both open their connection
                http.get(BALANCE, params=QUERY, headers=DEMO_AUTH)
            stored(http, 4)
            engine = create_engine(url, poolclass=NullPool)
            with engine.connect() as connection:
                killed = connection.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = :name"
                    ),
                    {"name": WRITER_NAME},
                ).scalar()
            engine.dispose()
            assert killed >= 1
        markers = ["after-" + uuid.uuid4().hex[:8] for _ in range(4)]
        for marker in markers:
            answered = http.get(BALANCE, params={**QUERY, "marker": marker}, headers=DEMO_AUTH)
            assert answered.status_code == 200
        journaled = json.dumps(stored(http, 8 if is_postgres(url) else 4, path=BALANCE))
        assert all(marker in journaled for marker in markers)


class TestJournalFilters:
    def test_filters_by_path_method_status_org_code_since_and_limit(self, http):
        unknown = {**QUERY, "identifierValue": "nobody-" + uuid.uuid4().hex[:8]}
        failed = http.get(BALANCE, params=unknown, headers=DEMO_AUTH).json()
        code = failed["errors"][0]["code"]
        since = datetime.now(UTC).isoformat()  # the journal keeps wall-clock times
        http.get(BALANCE, params=QUERY, headers=DEMO_AUTH)
        http.post(TRANSFER, json={}, headers={"Authorization": "Basic bm8tc3VjaDp0aWxs"})
        entries = stored(http, 3)
        assert [e["path"] for e in entries] == [TRANSFER, BALANCE, BALANCE]
        count = "/_emulator/journal/count"

        def matching(**filters: Any) -> int:
            found = http.get("/_emulator/journal", params=filters).json()["entries"]
            counted = http.get(count, params=filters).json()["count"]
            assert counted == len(found), filters
            return counted

        assert matching(path=BALANCE) == 2
        assert matching(method="post") == 1
        assert matching(status=401) == 1
        assert matching(orgId=DEMO_ORG) == 2
        assert matching(orgId=DEMO_ORG, code=code) == 1
        assert matching(code=code) == 1
        assert matching(since=since) == 2
        limited = http.get("/_emulator/journal", params={"path": BALANCE, "limit": 1}).json()
        assert [e["seq"] for e in limited["entries"]] == [entries[1]["seq"]]
        assert entries[2]["codes"] == [code] and entries[1]["codes"] == []
        assert entries[0]["orgId"] is None and entries[1]["orgId"] == DEMO_ORG

    def test_wait_answers_once_a_matching_call_arrives(self, http, served):
        marker = {**QUERY, "marker": uuid.uuid4().hex}

        def call_later() -> None:
            time.sleep(0.3)
            httpx.get(served.base_url + BALANCE, params=marker, headers=DEMO_AUTH)

        caller = threading.Thread(target=call_later)
        caller.start()
        found = http.get("/_emulator/journal", params={"path": BALANCE, "wait": 20}).json()
        counted = http.get("/_emulator/journal/count", params={"path": BALANCE, "wait": 20})
        caller.join()
        assert [e["query"] for e in found["entries"]] == [httpx.QueryParams(marker).__str__()]
        assert counted.json() == {"count": 1}

    def test_wait_runs_out_with_nothing(self, http):
        answer = http.get("/_emulator/journal", params={"path": "/never", "wait": 0.2})
        assert answer.json() == {"entries": []}
        counted = http.get("/_emulator/journal/count", params={"path": "/never", "wait": 0.2})
        assert counted.json() == {"count": 0}

    @pytest.mark.parametrize(
        "params",
        [{"wait": 31}, {"since": "yesterday"}, {"orgId": 2**70}, {"status": "x"}, {"code": 2**40}],
    )
    def test_rejects_bad_filters(self, http, params):
        assert http.get("/_emulator/journal", params={"limit": 0}).status_code == 400
        for path in ("/_emulator/journal", "/_emulator/journal/count"):
            answer = http.get(path, params=params)
            assert answer.status_code == 400, answer.text
            assert answer.json()["errors"][0]["status"] is False


class TestJournalAcrossWorkers:
    def test_shows_counts_and_clears_the_calls_of_every_worker(self, live_server_factory):
        server = live_server_factory()  # two workers on Postgres, one on SQLite
        with server.client() as client:
            calls = 0
            workers: set[int] = set()
            while len(workers) < server.workers and calls < 300:
                for _ in range(10):  # a new connection per call: the kernel spreads them
                    httpx.get(server.base_url + BALANCE, params=QUERY, headers=DEMO_AUTH)
                calls += 10
                entries = stored(client, calls, path=BALANCE, limit=10_000)
                assert len(entries) == calls
                workers = {e["worker"] for e in entries}
            assert len(workers) == server.workers
            assert client.get("/_emulator/journal/count").json() == {"count": calls}
            client.delete("/_emulator/journal")
            for _ in range(20):  # reads land on every worker
                answer = httpx.get(server.base_url + "/_emulator/journal/count")
                assert answer.json() == {"count": 0}


def generate_body(mobile: str) -> dict[str, Any]:
    """A registration code for a mobile of no customer: each test its own, since a live code is
    reissued rather than replaced."""
    return {
        "entityType": "MOBILE",
        "entityValue": mobile,
        "action": "REGISTRATION",
        "template": "Your code is {{ validation_code }}",
        "channels": [{"type": "SMS", "value": mobile}],
    }


def fresh_mobile() -> str:
    return "98" + str(uuid.uuid4().int)[:8]


class TestOtpLongPoll:
    def otps(self, http: httpx.Client, **params: Any) -> list[dict[str, Any]]:
        answer = http.get("/_emulator/otps", params={"orgId": DEMO_ORG, **params})
        assert answer.status_code == 200, answer.text
        return list(answer.json()["otps"])

    def test_answers_as_soon_as_a_code_is_issued(self, http, served):
        since = http.get("/_emulator/clock").json()["now"]
        mobile = fresh_mobile()

        def issue_later() -> None:
            time.sleep(0.3)
            httpx.post(
                served.base_url + "/v2/otp/generate", json=generate_body(mobile), headers=DEMO_AUTH
            )

        issuer = threading.Thread(target=issue_later)
        issuer.start()
        found = self.otps(http, since=since, wait=20)
        issuer.join()
        assert [o["entityValue"][-10:] for o in found] == [mobile]
        assert found[0]["issuedAt"] >= since and not found[0]["used"]

    def test_answers_an_empty_list_when_wait_runs_out(self, http):
        http.post("/v2/otp/generate", json=generate_body(fresh_mobile()), headers=DEMO_AUTH)
        assert len(self.otps(http)) >= 1
        since = http.get("/_emulator/clock").json()["now"]
        assert self.otps(http, since=since, wait=0.2) == []

    def test_rejects_bad_wait_and_since(self, http):
        for params in ({"wait": 31}, {"wait": -1}, {"since": "soon"}):
            answer = http.get("/_emulator/otps", params=params)
            assert answer.status_code == 400, answer.text
