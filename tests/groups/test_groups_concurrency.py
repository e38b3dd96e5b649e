"""Concurrent group debits against a real server can never overdraw the group wallet."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import DEMO_AUTH, audit_ok

GROUP = 2626
"""The demo group: 80 Main points of program 765; Huck Finn (915662420128) is its primary."""
MEMBERS = ["915662420129", "918662420128", "918662420130", "918662420131"]
REQUESTS = 50
POINTS_EACH = 2
COVERED = 80 // POINTS_EACH


def transfer_body(recipient: str) -> dict[str, object]:
    return {
        "pointsTobeTransferred": POINTS_EACH,
        "notes": "race",
        "programId": 765,
        "transferredBy": {"identifierType": "mobile", "identifierValue": "915662420128"},
        "fromEntity": {"type": "USERGROUP2", "identifierType": "id", "identifierValue": "2626"},
        "toEntity": {
            "type": "CUSTOMER",
            "identifierType": "mobile",
            "identifierValue": recipient,
            "source": "INSTORE",
        },
    }


class TestConcurrentGroupTransfers:
    @pytest.mark.live
    def test_exactly_the_covered_transfers_succeed(self, live_server_factory):
        server = live_server_factory()
        with server.client() as http:

            def send(i: int) -> int:
                response = http.post(
                    "/v2/points/userGroup2/transfer",
                    json=transfer_body(MEMBERS[i % len(MEMBERS)]),
                    headers=DEMO_AUTH,
                )
                assert response.status_code == 200, response.text
                errors = response.json()["errors"]
                return errors[0]["code"] if errors else 0

            with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
                codes = list(pool.map(send, range(REQUESTS)))

            assert codes.count(0) == COVERED
            assert codes.count(804) == REQUESTS - COVERED
            history = http.get(
                "/v2/points/transfer",
                params={
                    "programId": 765,
                    "identifierName": "id",
                    "identifierValue": GROUP,
                    "userEntityType": "USERGROUP2",
                },
                headers=DEMO_AUTH,
            ).json()["data"]
            # Besides the demo's own sample transfer (transferId 6545, the demo supplement).
            assert len(history) == COVERED + 1
            left = http.post(
                "/v2/points/userGroup2/isTransferrable",
                json={**transfer_body(MEMBERS[0]), "pointsTobeTransferred": 1},
                headers=DEMO_AUTH,
            ).json()
            assert left["errors"][0]["code"] == 804
            audit_ok(http)
