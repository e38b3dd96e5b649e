"""A Capillary request's first statements: BEGIN, the reset lock (Postgres) and the clock read,
sent together (`store.control.open_request`): one round trip on Postgres."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from transfer_builders import PROGRAM, SENDER, TRANSFER, org_seed, transfer_body

from capillary_emulator import db
from tests.support import DEMO_AUTH, load_org, main_points

LEDGER_INFO = "/v2/pointsLedger/getCustomerLedgerInfo"
TOM = {"identifierName": "mobile", "identifierValue": "7799497290", "source": "INSTORE"}


def statements(call: Callable[[], Response]) -> tuple[Response, list[str]]:
    seen: list[str] = []

    def record(statement: str, _params: Any = None) -> None:
        seen.append(statement)

    db.OBSERVERS.append(record)
    try:
        response = call()
    finally:
        db.OBSERVERS.remove(record)
    return response, seen


def is_postgres(client: TestClient) -> bool:
    return client.app.state.engine.dialect.name == "postgresql"  # type: ignore[attr-defined]


class TestFirstStatements:
    def test_a_write_begins_with_the_lock_and_the_clock_in_one_statement(self, client):
        auth = load_org(client, org_seed(POINTS_TRANSFER_OTP_REQUIRED=False))
        before = main_points(client, SENDER, PROGRAM)
        response, sent = statements(
            lambda: client.post(TRANSFER, json=transfer_body(25), headers=auth)
        )
        assert response.status_code == 200, response.text
        assert response.json()["errors"] == [], response.text
        if is_postgres(client):
            first = sent[0]
            assert first.startswith("BEGIN; SELECT pg_advisory_xact_lock_shared(")
            assert "FROM emulator_state" in first
            # nothing else takes the lock or reads the state, nor begins again
            assert not any("pg_advisory" in s or s.startswith("BEGIN") for s in sent[1:])
        else:
            assert sent[0] == "BEGIN IMMEDIATE"
            assert "FROM emulator_state" in sent[1]
        # the transaction those statements began committed
        assert main_points(client, SENDER, PROGRAM) == before - 25_000

    def test_a_read_sends_the_lock_and_the_clock_without_a_begin(self, client):
        response, sent = statements(lambda: client.get(LEDGER_INFO, params=TOM, headers=DEMO_AUTH))
        assert response.status_code == 200, response.text
        if is_postgres(client):
            assert sent[0].startswith("SELECT pg_advisory_xact_lock_shared(")
            assert "FROM emulator_state" in sent[0]
            assert not any(s.startswith("BEGIN") for s in sent)
        else:
            assert sent[:1] == ["BEGIN"]
            assert "FROM emulator_state" in sent[1]
