"""Ledger reads on SQLite run in a deferred transaction (a WAL snapshot) instead of taking the
write lock, and still expire due points: a read that finds some starts again under the lock."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from capillary_emulator import clock, db
from capillary_emulator.config import DEMO_SEED_FILE, Settings
from capillary_emulator.db import (
    Unit,
    WriteLockNeeded,
    require_write_lock,
    transaction,
    unit_session,
)
from capillary_emulator.main import create_app
from capillary_emulator.store.sql import Db
from tests.support import DEMO_AUTH, audit_ok

TOM_QUERY = {"identifierName": "mobile", "identifierValue": "7799497290", "source": "INSTORE"}
"""Tom Sawyer: 1000 Main points in program 141 that expire 365 days after the seed loads."""
INFO = "/v2/pointsLedger/getCustomerLedgerInfo"
BALANCE = "/v2/pointsLedger/getCustomerLedgerBalance"
HISTORY = "/v2/points/transfer"


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """These tests are about SQLite's transaction modes, so they run on a SQLite file of their
    own in every run of the suite (on Postgres, read-only requests take no lock at all)."""
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite-modes') / 'emulator.db'}"


@pytest.fixture(scope="module")
def sqlite_app(sqlite_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=sqlite_url, seed_file=DEMO_SEED_FILE))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def client(sqlite_app: TestClient) -> TestClient:
    """The SQLite emulator, reset to exactly the demo seed (shadows conftest's `client`)."""
    response = sqlite_app.post("/_emulator/reset")
    assert response.status_code == 200, response.text
    return sqlite_app


@pytest.fixture
def database_file(sqlite_url: str) -> str:
    return str(make_url(sqlite_url).database)


@pytest.fixture
def write_lock(database_file: str) -> Any:
    """Another connection holding SQLite's write lock (BEGIN IMMEDIATE) until the test ends."""
    other = sqlite3.connect(database_file, isolation_level=None, timeout=30)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def advance_clock_quietly(client: Any, days: int) -> None:
    """Move the emulator clock without the control plane's expiry sweep."""
    with transaction(client.app.state.session_factory) as session:
        clock.advance(session, timedelta(days=days))


def main_141(body: dict[str, Any]) -> str:
    rows = body["ledgerDetails"]["ledgerClosingBalance"]
    return next(
        r["closingBalance"] for r in rows if (r["programId"], r["pointsCategory"]) == (141, "Main")
    )


def begins(client: Any, call: Any) -> list[str]:
    """The BEGIN statements the app sends while `call()` runs."""
    seen: list[str] = []

    def record(statement: str, _params: Any) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    db.OBSERVERS.append(record)  # BEGIN runs on the driver, which SQLAlchemy does not see
    try:
        call()
    finally:
        db.OBSERVERS.remove(record)
    return seen


class TestReadsTakeNoWriteLock:
    def test_ledger_reads_begin_read_only(self, client):
        assert begins(client, lambda: client.get(INFO, params=TOM_QUERY, headers=DEMO_AUTH)) == [
            "BEGIN"
        ]
        assert begins(client, lambda: client.get(BALANCE, params=TOM_QUERY, headers=DEMO_AUTH)) == [
            "BEGIN"
        ]

    def test_writes_still_begin_immediate(self, client):
        body = {"fromCustomerIdentifier": {"mobile": "7799497290"}}
        assert begins(
            client, lambda: client.post("/v2/points/transfer", json=body, headers=DEMO_AUTH)
        ) == ["BEGIN IMMEDIATE"]

    @pytest.mark.parametrize("path", [INFO, BALANCE, HISTORY])
    def test_read_proceeds_while_another_connection_holds_the_write_lock(
        self, client, write_lock, path
    ):
        started = time.monotonic()
        response = client.get(path, params=TOM_QUERY, headers=DEMO_AUTH)
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < 5  # the lock holder's busy timeout is 30 s


class TestDuePointsStillExpire:
    def test_read_expires_due_points_under_the_write_lock(self, client):
        advance_clock_quietly(client, 366)
        seen = begins(client, lambda: client.get(BALANCE, params=TOM_QUERY, headers=DEMO_AUTH))
        assert seen == ["BEGIN", "BEGIN IMMEDIATE"]
        body = client.get(BALANCE, params=TOM_QUERY, headers=DEMO_AUTH).json()
        assert main_141(body) == "0.000"
        info = client.get(INFO, params={**TOM_QUERY, "order": "DESC"}, headers=DEMO_AUTH).json()
        assert info["ledgerEntries"][0]["eventName"] == "PointsExpiry"
        audit_ok(client)

    def test_read_with_points_due_waits_for_the_write_lock(self, client, database_file):
        advance_clock_quietly(client, 366)
        other = sqlite3.connect(database_file, isolation_level=None, timeout=30)
        other.execute("BEGIN IMMEDIATE")
        answers: list[Any] = []
        reader = threading.Thread(
            target=lambda: answers.append(client.get(BALANCE, params=TOM_QUERY, headers=DEMO_AUTH))
        )
        reader.start()
        reader.join(0.5)
        assert not answers  # it found points due, and waits for the lock to expire them
        other.execute("ROLLBACK")
        other.close()
        reader.join(30)
        assert main_141(answers[0].json()) == "0.000"
        audit_ok(client)


class TestDeferredUnit:
    def test_stale_snapshot_restarts_instead_of_failing_to_write(self, client, database_file):
        unit = Unit(client.app.state.engine, read_only=True)
        session = unit_session(unit)
        try:
            store_name = Db(session).raw.execute("SELECT store_name FROM tills").fetchone()[0]
            other = sqlite3.connect(database_file, isolation_level=None, timeout=30)
            other.execute("UPDATE tills SET store_name = store_name || '!'")
            other.close()
            # The premise: upgrading the stale snapshot to a writer is refused outright.
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                Db(session).raw.execute("UPDATE tills SET store_name = store_name")
            unit.rollback()

            Db(session).raw.execute("SELECT store_name FROM tills")
            with pytest.raises(WriteLockNeeded):
                require_write_lock(session)
            unit.restart_with_write_lock()
            require_write_lock(session)
            raw = Db(session).raw
            assert raw.in_transaction  # BEGIN IMMEDIATE: the write lock, a fresh snapshot
            assert raw.execute("SELECT store_name FROM tills").fetchone()[0] == store_name + "!"
            raw.execute("UPDATE tills SET store_name = store_name")
            unit.commit()
        finally:
            unit.close()
