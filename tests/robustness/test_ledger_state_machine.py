"""Issue 12, a permanent check: a hypothesis rule-based state machine of awards (bills through
POST /v2/transactions), transfers, redemptions, reversals and clock moves (which expire points)
on the demo org, with the audit's invariants (balance == entries == unspent lots) and "no 5xx"
checked after every step. In-process; bounded examples, no deadline (a shared machine)."""

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from capillary_emulator import caches
from capillary_emulator.models import Org
from tests.support import DEMO_AUTH, DEMO_ORG

MOBILES = ("7799497290", "7799000000", "9294111111", "9740000000")
"""Demo customers (the demo org's country code 91 is added)."""
PROGRAM = 141
points = st.integers(min_value=1, max_value=400) | st.decimals(
    min_value=1, max_value=300, places=3
).map(float)


def set_demo_config(client: Any, **values: Any) -> None:
    with client.app.state.session_factory() as session:
        org = session.execute(select(Org).where(Org.id == DEMO_ORG)).scalar_one()
        org.config = {**org.config, **values}
        caches.invalidate(session)
        session.commit()


def succeeded(response: Any) -> bool:
    body = response.json()
    if "response" in body:  # v1.1
        return str(body["response"]["status"]["success"]).lower() == "true"
    return response.status_code == 200 and not body.get("errors")


def make_machine(client: Any, done: dict[str, int]) -> type[RuleBasedStateMachine]:
    class Ledger(RuleBasedStateMachine):
        redemptions = Bundle("redemptions")

        def __init__(self) -> None:
            super().__init__()
            assert client.post("/_emulator/reset").status_code == 200
            set_demo_config(client, POINTS_TRANSFER_OTP_REQUIRED=False)
            self.bills = 0
            self.last: Any = None

        def _post(self, path: str, **kwargs: Any) -> Any:
            response = client.post(path, headers=DEMO_AUTH, **kwargs)
            self.last = response
            assert response.status_code < 500, response.text
            if succeeded(response):
                done[path] = done.get(path, 0) + 1
            return response

        @rule(mobile=st.sampled_from(MOBILES), amount=st.integers(min_value=0, max_value=5000))
        def award(self, mobile: str, amount: int) -> None:
            self.bills += 1
            self._post(
                "/v2/transactions",
                params={"source": "INSTORE", "identifierName": "mobile", "identifierValue": mobile},
                json={"type": "REGULAR", "billNumber": f"SM-{self.bills}", "billAmount": amount},
            )

        @rule(sender=st.sampled_from(MOBILES), recipient=st.sampled_from(MOBILES), amount=points)
        def transfer(self, sender: str, recipient: str, amount: float) -> None:
            self._post(
                "/v2/points/transfer",
                json={
                    "pointsTobeTransferred": amount,
                    "groupProgramTransfer": "false",
                    "programId": PROGRAM,
                    "fromCustomerIdentifier": {"type": "MOBILE", "value": sender},
                    "toCustomerIdentifier": {"type": "MOBILE", "value": recipient},
                },
            )

        @rule(target=redemptions, mobile=st.sampled_from(MOBILES), amount=points)
        def redeem(self, mobile: str, amount: float) -> tuple[str, str | None]:
            response = self._post(
                "/v1.1/points/redeem",
                params={"format": "json", "skip_validation": "true"},
                json={
                    "root": {
                        "redeem": [{"points_redeemed": amount, "customer": {"mobile": mobile}}]
                    }
                },
            )
            answer = response.json()["response"].get("responses", {}).get("points", {})
            return mobile, answer.get("redemption_id")

        @rule(redemption=redemptions, amount=st.none() | points)
        def reverse(self, redemption: tuple[str, str | None], amount: float | None) -> None:
            mobile, redemption_id = redemption
            if redemption_id is None:
                return
            body: dict[str, Any] = {
                "redemptionId": redemption_id,
                "identifier": {"type": "mobile", "value": mobile},
            }
            if amount is not None:
                body["pointsToBeReversed"] = amount
            self._post("/v2/points/reverse", json=body)

        @rule(days=st.integers(min_value=1, max_value=400))
        def move_the_clock(self, days: int) -> None:
            response = client.post("/_emulator/clock", json={"advance": f"P{days}D"})
            assert response.status_code == 200, response.text

        @invariant()
        def audit_is_ok(self) -> None:
            body = client.get("/_emulator/audit").json()
            assert body["ok"], (body["violations"], self.last and self.last.text)

    return Ledger


def test_ledger_state_machine(client):
    done: dict[str, int] = {}
    machine = make_machine(client, done)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The runs did move points, not only get refusals.
    assert set(done) == {
        "/v2/transactions",
        "/v2/points/transfer",
        "/v1.1/points/redeem",
        "/v2/points/reverse",
    }, done
