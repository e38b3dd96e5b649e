"""Lots whose expiry has passed since the last sweep: isredeemable sweeps them before it
answers, redeem never spends them, and a refused redeem leaves them for the next sweep."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redemption_builders import (
    ISREDEEMABLE,
    PROGRAM,
    REDEEMER,
    REDEEMER_MOBILE,
    REDEMPTION_STATE,
    assert_item_refused,
    item_of,
    org_seed,
    redeem,
    redeem_body,
    redeem_item,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from capillary_emulator.models import LedgerEvent, PointAward
from tests.support import audit_ok, load_org, main_points, snapshot


@pytest.fixture
def auth(client: Any, write_session: Session) -> dict[str, str]:
    """The redeemer's 100 points that expire in 30 days, due since a second ago, unswept."""
    headers = load_org(client, org_seed())
    lot = write_session.execute(
        select(PointAward).where(
            PointAward.owner_id == REDEEMER,
            PointAward.program_id == PROGRAM,
            PointAward.expires_at.is_not(None),
        )
    ).scalar_one()
    lot.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    write_session.commit()
    return headers


def expiry_events(session: Session) -> list[int]:
    return list(
        session.execute(
            select(LedgerEvent.id).where(
                LedgerEvent.owner_id == REDEEMER, LedgerEvent.event_name == "PointsExpiry"
            )
        ).scalars()
    )


def ask(client: Any, auth: dict[str, str], points: int) -> dict[str, Any]:
    response = client.get(
        ISREDEEMABLE,
        params={"mobile": REDEEMER_MOBILE, "points": points, "format": "json"},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["response"]["points"]["redeemable"])


class TestDueLots:
    def test_isredeemable_sweeps_them_first(self, client, auth, session):
        assert ask(client, auth, 250)["item_status"]["code"] == 818
        assert len(expiry_events(session)) == 1
        assert ask(client, auth, 200)["is_redeemable"] == "true"
        assert main_points(client, REDEEMER, PROGRAM) == 200_000
        audit_ok(client)

    def test_redeem_refuses_what_only_they_would_cover(self, client, auth, session):
        before = snapshot(client, REDEMPTION_STATE)
        response = redeem(client, auth, redeem_body(redeem_item(250)))
        assert_item_refused(response, 804, "Insufficient current points.")
        assert snapshot(client, REDEMPTION_STATE) == before
        assert expiry_events(session) == []

    def test_redeem_spends_the_rest_and_expires_them(self, client, auth, session):
        item = item_of(redeem(client, auth, redeem_body(redeem_item(150))))
        assert item["item_status"]["code"] == 800
        assert item["balance"] == 50
        assert len(expiry_events(session)) == 1
        assert main_points(client, REDEEMER, PROGRAM) == 50_000
        audit_ok(client)
