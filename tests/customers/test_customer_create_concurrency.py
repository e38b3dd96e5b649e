"""Concurrent customer creates over HTTP against real server processes (two workers sharing
Postgres, or one on SQLite): each gets its own id (a create that computed a taken id takes the
next), and one identifier claimed by several at once goes to exactly one."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support import DEMO_AUTH, audit_ok

ATTEMPTS = 16


def create_concurrently(server: Any, mobiles: list[str]) -> list[dict[str, Any]]:
    def attempt(mobile: str) -> dict[str, Any]:
        body = {
            "profiles": [{"firstName": "C", "identifiers": [{"type": "mobile", "value": mobile}]}]
        }
        with server.client() as http:
            response = http.post("/v2/customers", json=body, headers=DEMO_AUTH)
            assert response.status_code == 200, response.text
            return dict(response.json())

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        return list(pool.map(attempt, mobiles))


@pytest.mark.live
def test_concurrent_creates_get_distinct_ids_and_one_identifier_one_holder(live_server_factory):
    server = live_server_factory()
    answers = create_concurrently(server, [f"95551{n:05d}" for n in range(ATTEMPTS)])
    ids = [a["createdId"] for a in answers]
    assert all(isinstance(i, int) and i > 0 for i in ids) and len(set(ids)) == ATTEMPTS
    same = create_concurrently(server, ["9555299999"] * ATTEMPTS)
    created = [a["createdId"] for a in same if a.get("createdId")]
    refused = [a["errors"][0]["code"] for a in same if a.get("errors")]
    assert (len(created), refused) == (1, [8003] * (ATTEMPTS - 1))
    with server.client() as http:
        found = http.get(
            "/v2/customers/lookup",
            params={"identifierName": "mobile", "identifierValue": "9555299999"},
            headers=DEMO_AUTH,
        ).json()
        assert found["entity"] == created[0]
        audit_ok(http)
