"""The one ledger writer, driven directly: earliest expiry first, all or nothing, no double
spend."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from capillary_emulator import clock
from capillary_emulator.db import transaction
from capillary_emulator.errors import InsufficientCurrentPointsError
from capillary_emulator.models import CUSTOMER, LedgerEntry, LedgerEvent, PointAward, PointBalance
from capillary_emulator.writer.core import Credit, Debit, Owner, write_points_event
from tests.support import audit_ok

ORG = 300001
PROGRAM = 31
USER = 3000001


def one_customer_org(points: int) -> dict:
    return {
        "orgs": [
            {
                "orgId": ORG,
                "name": "Writer Test",
                "tills": [{"tillId": 3000, "code": "writer.till", "password": "pw"}],
                "programs": [{"programId": PROGRAM, "name": "P", "default": True}],
                "customers": [
                    {
                        "userId": USER,
                        "identifiers": {"mobile": "913000000001"},
                        "points": [{"programId": PROGRAM, "points": points}],
                    }
                ],
            }
        ]
    }


@pytest.fixture
def factory(client):
    return client.app.state.session_factory


def balance(session) -> int:
    return session.execute(
        select(PointBalance.points_milli).where(
            PointBalance.owner_id == USER, PointBalance.category == "Main"
        )
    ).scalar_one()


class TestWritePointsEvent:
    def test_draws_earliest_expiry_first(self, client, factory):
        client.post("/_emulator/seed", json=one_customer_org(0))
        owner = Owner(CUSTOMER, USER)
        with transaction(factory) as s:
            now = clock.now(s)
            for days, pts in ((30, 5), (10, 7), (None, 9)):
                write_points_event(
                    s, org_id=ORG, event_name="TransactionAdd", now=now,
                    movements=[Credit(owner, PROGRAM, "Main", pts * 1000,
                                      expires_at=now + timedelta(days=days) if days else None)],
                )  # fmt: skip
        debit = Debit(owner, PROGRAM, "Main", 10_000)
        with transaction(factory) as s:
            write_points_event(s, org_id=ORG, event_name="PointsRedemption", now=clock.now(s),
                               movements=[debit])  # fmt: skip
        assert [lot.points_milli for lot in debit.drawn] == [7000, 3000]
        with factory() as s:
            remaining = s.execute(
                select(PointAward.remaining_milli).where(PointAward.owner_id == USER)
                .order_by(PointAward.id)
            ).scalars().all()  # fmt: skip
        assert remaining == [2000, 0, 9000]
        audit_ok(client)

    def test_insufficient_points_change_nothing(self, client, factory):
        client.post("/_emulator/seed", json=one_customer_org(5))
        with factory() as s:
            entries_before = s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
        with pytest.raises(InsufficientCurrentPointsError), transaction(factory) as s:
            write_points_event(
                s, org_id=ORG, event_name="PointsRedemption", now=clock.now(s),
                movements=[Debit(Owner(CUSTOMER, USER), PROGRAM, "Main", 6000)],
            )  # fmt: skip
        with factory() as s:
            assert balance(s) == 5000
            entries = s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
            assert entries == entries_before
        audit_ok(client)

    def test_expired_lots_are_not_spent(self, client, factory):
        client.post("/_emulator/seed", json=one_customer_org(0))
        owner = Owner(CUSTOMER, USER)
        with transaction(factory) as s:
            now = clock.now(s)
            write_points_event(
                s, org_id=ORG, event_name="TransactionAdd", now=now - timedelta(days=2),
                movements=[
                    Credit(owner, PROGRAM, "Main", 4000, expires_at=now - timedelta(days=1))
                ],
            )  # fmt: skip
        with pytest.raises(InsufficientCurrentPointsError), transaction(factory) as s:
            write_points_event(s, org_id=ORG, event_name="PointsRedemption", now=clock.now(s),
                               movements=[Debit(owner, PROGRAM, "Main", 1000)])  # fmt: skip
        # The failed debit wrote nothing; the next spend writes the expiry and then succeeds.
        with transaction(factory) as s:
            write_points_event(s, org_id=ORG, event_name="TransactionAdd", now=clock.now(s),
                               movements=[Credit(owner, PROGRAM, "Main", 1000)])  # fmt: skip
        with transaction(factory) as s:
            posted = write_points_event(
                s, org_id=ORG, event_name="PointsRedemption", now=clock.now(s),
                movements=[Debit(owner, PROGRAM, "Main", 1000)],
            )  # fmt: skip
        assert posted.expired == 4000
        with factory() as s:
            assert balance(s) == 0
            expiry = s.execute(
                select(LedgerEntry.points_milli)
                .join(LedgerEvent, LedgerEvent.id == LedgerEntry.event_id)
                .where(LedgerEvent.event_name == "PointsExpiry", LedgerEntry.owner_id == USER)
            ).scalars().all()  # fmt: skip
        assert expiry == [-4000]
        audit_ok(client)


class TestConcurrentDebits:
    def test_fifty_debits_against_ten_debits_worth(self, client, factory):
        """Each thread has its own session; exactly the covered number of debits succeed."""
        client.post("/_emulator/seed", json=one_customer_org(100))
        outcomes: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(50)

        def debit() -> None:
            start.wait()
            try:
                with transaction(factory) as s:
                    write_points_event(
                        s, org_id=ORG, event_name="PointsRedemption", now=clock.now(s),
                        movements=[Debit(Owner(CUSTOMER, USER), PROGRAM, "Main", 10_000)],
                    )  # fmt: skip
                result = "ok"
            except InsufficientCurrentPointsError:
                result = "804"
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=debit) for _ in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes.count("ok") == 10
        assert outcomes.count("804") == 40
        with factory() as s:
            assert balance(s) == 0
        audit_ok(client)
