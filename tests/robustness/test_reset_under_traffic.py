"""Issue 12 item 4: POST /_emulator/reset while transfers run (Postgres: two workers; SQLite:
one). No transfer gets a 5xx or a dropped connection, every reset answers 200, and the audit is
ok afterwards."""

import threading

import pytest

from tests.support import audit_ok
from tests.support.traffic import ORG, Traffic, write_traffic_seed

RESETS = 25


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
