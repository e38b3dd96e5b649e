"""Concurrent bills for one customer over HTTP against real server processes (two workers
sharing Postgres, or one on SQLite): the repeat check under the balance lock never awards one
bill number twice, and different bills all count."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support import DEMO_AUTH, audit_ok

TOM_MOBILE = "7799497290"
"""Demo customer 32429961: 1000 Main points in program 141."""
ATTEMPTS = 24


def add_concurrently(server: Any, numbers: list[str]) -> list[dict[str, Any]]:
    def attempt(number: str) -> dict[str, Any]:
        with server.client() as http:
            response = http.post(
                "/v2/transactions",
                params={"identifierName": "mobile", "identifierValue": TOM_MOBILE},
                json={"type": "REGULAR", "billNumber": number, "billAmount": 10},
                headers=DEMO_AUTH,
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        return list(pool.map(attempt, numbers))


def tom_points(http: Any) -> float:
    body = http.get(
        "/v2/customers/lookup/customerDetails",
        params={"identifierName": "mobile", "identifierValue": TOM_MOBILE, "embed": "points"},
        headers=DEMO_AUTH,
    ).json()
    return float(
        next(d for d in body["loyaltyProgramDetails"] if d["programId"] == 141)["loyaltyPoints"]
    )


class TestConcurrentBills:
    @pytest.mark.live
    def test_one_bill_number_awards_once(self, live_server_factory):
        server = live_server_factory()
        answers = add_concurrently(server, ["SAME"] * ATTEMPTS)
        created = [a for a in answers if a.get("createdId")]
        refused = [a["errors"][0]["code"] for a in answers if a.get("errors")]
        assert (len(created), refused) == (1, [8210] * (ATTEMPTS - 1))
        different = add_concurrently(server, [f"N-{n}" for n in range(ATTEMPTS)])
        assert all(a["createdId"] > 0 and a["errors"] == [] for a in different)
        with server.client() as http:
            assert tom_points(http) == 1000 + 10 * (1 + ATTEMPTS)
            audit_ok(http)
