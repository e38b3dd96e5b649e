"""Concurrent redemptions from one balance, over HTTP against real server processes (two
workers sharing Postgres, or one on SQLite): the balance check under its lock never lets them
spend more than there is, and no item is refused by the writer after passing it."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support import DEMO_AUTH, audit_ok

BECKY_MOBILE = "919740000000"
"""Holds 180 Main points after the demo seed's redemption."""
ATTEMPTS = 40


def redeem_concurrently(server: Any, points: int) -> list[dict[str, Any]]:
    body = {"root": {"redeem": [{"points_redeemed": points, "customer": {"mobile": BECKY_MOBILE}}]}}

    def attempt(_: int) -> dict[str, Any]:
        with server.client() as http:
            response = http.post(
                "/v1.1/points/redeem",
                params={"format": "json", "skip_validation": "true"},
                json=body,
                headers=DEMO_AUTH,
            )
            assert response.status_code == 200, response.text
            return dict(response.json()["response"]["responses"]["points"])

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        return list(pool.map(attempt, range(ATTEMPTS)))


class TestConcurrentRedemptions:
    @pytest.mark.live
    def test_spend_exactly_the_balance(self, live_server_factory):
        server = live_server_factory()
        items = redeem_concurrently(server, 5)
        codes = [item["item_status"]["code"] for item in items]
        assert sorted(codes) == [800] * 36 + [804] * 4
        assert len({item["redemption_id"] for item in items if "redemption_id" in item}) == 36
        with server.client() as http:
            body = http.get(
                "/v1.1/points/isredeemable",
                params={"mobile": BECKY_MOBILE, "points": 1, "format": "json"},
                headers=DEMO_AUTH,
            ).json()
            assert body["response"]["points"]["redeemable"]["is_redeemable"] == "false"
            audit_ok(http)
