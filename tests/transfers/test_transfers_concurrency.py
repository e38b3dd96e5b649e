"""Fifty concurrent transfers from a sender holding exactly ten transfers' worth: exactly ten
succeed, the rest get 804, points are conserved and the audit holds. Two server processes on
Postgres (row locks across processes), one on SQLite (serialised writers)."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from transfer_builders import ORG, RECIPIENT, SENDER, TRANSFER, org_seed, transfer_body

from tests.support import load_org

ATTEMPTS = 50
AMOUNT = 10
"""The sender holds 100 Main points in the program: exactly ten transfers' worth."""


def net_transferred(client: httpx.Client, auth: dict[str, str], user_id: int) -> float:
    """Points the customer gained (+) or gave (-) by transfers, from its transfer history."""
    history = client.get(
        "/v2/points/transfer",
        params={"identifierName": "id", "identifierValue": str(user_id), "source": "INSTORE"},
        headers=auth,
    ).json()["data"]
    sign = {"DEDUCTION": -1, "ADDITION": 1}
    return sum(sign[r["transferType"]] * r["pointsTransferred"] for r in history)


class TestConcurrentTransfers:
    @pytest.mark.live
    def test_never_spends_the_same_points_twice(self, live_server_factory):
        server = live_server_factory()
        with server.client() as control:
            auth = load_org(control, org_seed(POINTS_TRANSFER_OTP_REQUIRED=False))
        body = transfer_body(AMOUNT)

        def attempt(_: int) -> dict[str, Any]:
            with server.client() as client:
                response = client.post(TRANSFER, json=body, headers=auth)
                assert response.status_code == 200, response.text
                return dict(response.json())

        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            answers = list(pool.map(attempt, range(ATTEMPTS)))

        succeeded = [a["data"][0] for a in answers if not a["errors"]]
        refused = [a["errors"][0] for a in answers if a["errors"]]
        assert len(succeeded) == 10
        assert {(e["code"], e["message"]) for e in refused} == {
            (804, "Insufficient current points.")
        }
        assert len(refused) == ATTEMPTS - 10
        assert len({s["transferId"] for s in succeeded}) == 10
        left = sorted(
            s["pointsTransferBreakupByEarningPrograms"][0]["programCurrentPoints"]
            for s in succeeded
        )
        assert left == list(range(0, 100, 10))
        with server.client() as control:
            assert net_transferred(control, auth, SENDER) == -100.0
            assert net_transferred(control, auth, RECIPIENT) == 100.0
            audit = control.get("/_emulator/audit").json()
            assert audit["ok"], audit["violations"]
            assert control.get("/_emulator/otps", params={"orgId": ORG}).json()["otps"] == []

    @pytest.mark.live
    def test_one_code_pays_for_one_transfer_only(self, live_server_factory):
        server = live_server_factory()
        with server.client() as control:
            auth = load_org(control, org_seed())
            checked = control.post(
                "/v2/points/isTransferrable", json=transfer_body(1, issueOtp=True), headers=auth
            )
            assert checked.json()["errors"] == []
            [otp] = control.get("/_emulator/otps", params={"orgId": ORG}).json()["otps"]
        body = transfer_body(1, code=otp["code"])

        def attempt(_: int) -> dict[str, Any]:
            with server.client() as client:
                return dict(client.post(TRANSFER, json=body, headers=auth).json())

        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(attempt, range(10)))

        assert sum(1 for a in answers if not a["errors"]) == 1
        assert sorted(a["errors"][0]["code"] for a in answers if a["errors"]) == [808] * 9
        with server.client() as control:
            assert net_transferred(control, auth, SENDER) == -1.0
            assert control.get("/_emulator/audit").json()["ok"]
