"""Issue 12 item 4: POST /_emulator/reset while transfers run (Postgres: two workers; SQLite:
one). No transfer gets a 5xx or a dropped connection, every reset answers 200, and the audit is
ok afterwards."""

import threading
import time
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from capillary_emulator.store.control import RESET_LOCK_KEY
from tests.support import DEMO_AUTH, audit_ok
from tests.support.databases import is_postgres
from tests.support.traffic import ORG, Traffic, write_traffic_seed

RESETS = 25
TRANSFER = "/v2/points/transfer"
BALANCE = "/v2/pointsLedger/getCustomerLedgerBalance"
TOM = {"identifierName": "mobile", "identifierValue": "7799497290", "source": "INSTORE"}


@pytest.mark.live
def test_resets_racing_transfers_fail_nothing(live_server_factory, tmp_path):
    server = live_server_factory(env={"CAPEMU_SEED_FILE": str(write_traffic_seed(tmp_path))})
    answered = threading.Semaphore(0)
    traffic = Traffic(server.base_url, on_answer=answered.release).start()
    resets = []
    try:
        with server.client() as http:
            for n in range(RESETS):
                for _ in range(1):  # a transfer between two resets
                    assert answered.acquire(timeout=60), traffic.failures
                # Every other reset is the traffic org's alone (its rows out, its seed back in).
                params = {"orgId": ORG} if n % 2 else {}
                response = http.post("/_emulator/reset", params=params)
                resets.append((response.status_code, response.text[:300]))
    finally:
        traffic.join()
    assert [status for status, _ in resets] == [200] * RESETS, resets
    assert traffic.failures == []
    assert traffic.acknowledged, "no transfer went through"
    with server.client() as http:
        audit_ok(http)


def test_a_capillary_call_waits_for_a_reset_in_progress(client, database_url):
    """What a reset holds, every Capillary call's first statement waits for: on Postgres the
    reset lock (shared by every request, taken exclusively by a reset), on SQLite the write
    lock. Held from outside here, a transfer (and on Postgres a ledger read, in autocommit)
    does not answer until it is released."""
    engine = create_engine(database_url, poolclass=NullPool)
    holder = engine.raw_connection()
    try:
        if is_postgres(database_url):
            holder.cursor().execute("SELECT pg_advisory_xact_lock(%s)", (RESET_LOCK_KEY,))
        else:
            holder.driver_connection.isolation_level = None
            holder.cursor().execute("BEGIN IMMEDIATE")
        calls = [lambda: client.post(TRANSFER, json={}, headers=DEMO_AUTH)]
        if is_postgres(database_url):
            calls.append(lambda: client.get(BALANCE, params=TOM, headers=DEMO_AUTH))
        answers: list[Any] = []
        threads = [threading.Thread(target=lambda c=c: answers.append(c())) for c in calls]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        assert answers == []  # both still waiting
    finally:
        holder.rollback()
        holder.close()
        engine.dispose()
    for thread in threads:
        thread.join(30)
    assert len(answers) == len(calls)
    assert all(answer.status_code < 500 for answer in answers), [a.text for a in answers]
    audit_ok(client)
