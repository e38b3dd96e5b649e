"""The per-worker caches (caches.py): a worker that has cached a caller sees an org's config
change on its next request when the change goes through `caches.invalidate`, and only then."""

from typing import Any

from sqlalchemy import select

from capillary_emulator import caches
from capillary_emulator.models import Org
from tests.support import DEMO_AUTH, DEMO_ORG

REVERSE = "/v2/points/reverse"
REVERSE_ONE_POINT = {
    "redemptionId": "54ZNkA",
    "pointsToBeReversed": 1,
    "identifier": {"type": "mobile", "value": "919740000000"},
}
DISABLED = {
    "status": False,
    "code": 905,
    "message": "points redemption reversal is disabled for the org.",
}


def reverse_one_point(client: Any) -> dict[str, Any]:
    response = client.post(REVERSE, json=REVERSE_ONE_POINT, headers=DEMO_AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def disable_reversals(client: Any, *, invalidate: bool) -> None:
    with client.app.state.session_factory() as session:
        org = session.execute(select(Org).where(Org.id == DEMO_ORG)).scalar_one()
        org.config = {**org.config, "ALLOW_POINTS_REDEMPTION_REVERSAL": False}
        if invalidate:
            caches.invalidate(session)
        session.commit()


class TestCallerCache:
    def test_config_change_through_invalidate_is_seen_by_the_next_request(self, client):
        assert reverse_one_point(client)["pointsReversed"] == 1.0  # the caller is now cached

        disable_reversals(client, invalidate=True)

        body = reverse_one_point(client)
        assert body["warnings"] == [DISABLED]
        assert body["pointsReversed"] == 0.0

    def test_a_write_that_skips_invalidate_is_not_seen_by_a_worker_that_cached_the_caller(
        self, client
    ):
        # Proves the first test exercises the cache: without the counter moving, this worker
        # answers from the caller it read before the change.
        assert reverse_one_point(client)["pointsReversed"] == 1.0

        disable_reversals(client, invalidate=False)

        assert reverse_one_point(client)["pointsReversed"] == 1.0


class TestFaultCache:
    def test_adding_a_fault_is_seen_by_a_worker_that_cached_the_empty_list(self, client):
        reverse_one_point(client)
        client.post("/_emulator/faults", json={"path": REVERSE, "status": 503, "code": 503})

        response = client.post(REVERSE, json=REVERSE_ONE_POINT, headers=DEMO_AUTH)

        assert response.status_code == 503
