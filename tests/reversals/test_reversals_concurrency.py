"""Concurrent reversals of one redemption, over HTTP against real server processes (two
workers sharing Postgres, or one on SQLite): together they never restore more than was
redeemed."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from reversal_builders import BECKY_MOBILE, REVERSE, redeem, reverse_body

from tests.support import DEMO_AUTH, audit_ok

ATTEMPTS = 20


def reverse_concurrently(server: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    def attempt(_: int) -> dict[str, Any]:
        with server.client() as http:
            response = http.post(REVERSE, json=body, headers=DEMO_AUTH)
            assert response.status_code == 200, response.text
            return dict(response.json())

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        return list(pool.map(attempt, range(ATTEMPTS)))


def redeemable(http: Any, points: int) -> str:
    body = http.get(
        "/v1.1/points/isredeemable",
        params={"mobile": BECKY_MOBILE, "points": points, "format": "json"},
        headers=DEMO_AUTH,
    ).json()
    return str(body["response"]["points"]["redeemable"]["is_redeemable"])


class TestConcurrentReversals:
    @pytest.mark.live
    def test_restore_exactly_the_redeemed_amount(self, live_server_factory):
        server = live_server_factory()
        with server.client() as http:
            # Becky holds 180 points after the seeded redemption 54ZNkA.
            partial = redeem(http, 30)
            whole = redeem(http, 25)
            assert redeemable(http, 125) == "true"
            assert redeemable(http, 126) == "false"

            # 20 reversals of 2 points each against 30 redeemed: 15 fit, 5 find nothing left.
            results = reverse_concurrently(server, reverse_body(partial, 2))
            done = [r for r in results if not r.get("errors")]
            refused = [r["errors"][0]["code"] for r in results if r.get("errors")]
            assert len(done) == 15
            assert sum(r["pointsReversed"] for r in done) == 30.0
            assert len({r["reversalId"] for r in done}) == 15
            assert refused == [3802] * 5

            # 20 reversals of everything that remains: exactly one wins.
            results = reverse_concurrently(server, reverse_body(whole))
            done = [r for r in results if not r.get("errors")]
            assert [r["pointsReversed"] for r in done] == [25.0]
            assert [r["errors"][0]["code"] for r in results if r.get("errors")] == [3802] * 19

            assert redeemable(http, 180) == "true"
            assert redeemable(http, 181) == "false"
            audit_ok(http)
