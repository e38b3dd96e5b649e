"""The ledger writer's bulk path (writer/bulk.py), driven through seed loading, reset and
clearing: the ledger, the lots and the balances agree after each of them."""

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from capillary_emulator import clock, lifecycle
from capillary_emulator.config import DEMO_SEED_FILE
from capillary_emulator.db import Base
from capillary_emulator.emulator.audit import audit
from capillary_emulator.models import Org
from capillary_emulator.seed.service import clear_database, load_seed, parse_seed, read_seed_file
from capillary_emulator.writer import bulk

DEMO_ORG = 100458
ORG = 300101
PROGRAM = 3101


def small_org() -> dict:
    """One org with a customer who earned, expired and redeemed points, and a group with
    points."""
    customer = {
        "userId": 3101001,
        "identifiers": {"mobile": "913101000001"},
        "points": [
            {"programId": PROGRAM, "points": 40, "awardedAt": "-P30D", "expiresAt": "-P1D"},
            {"programId": PROGRAM, "points": 25.5, "awardedAt": "-P3D", "expiresAt": "P30D"},
            {"programId": PROGRAM, "points": 10, "awardedAt": "-P2D"},
        ],
    }
    group = {
        "groupId": 3101,
        "name": "Bulk Household",
        "members": [{"userId": 3101001, "primaryMember": True}],
        "points": [{"programId": PROGRAM, "points": 7, "awardedAt": "-P1D"}],
    }
    return {
        "orgs": [
            {
                "orgId": ORG,
                "name": "Bulk Test",
                "tills": [{"tillId": 31010, "code": "bulk.till", "password": "pw"}],
                "programs": [{"programId": PROGRAM, "name": "P", "default": True}],
                "customers": [customer],
                "userGroups": [group],
                "redemptions": [
                    {"redemptionId": "BULK01", "userId": 3101001, "programId": PROGRAM,
                     "points": 30, "redeemedAt": "-PT1H"}
                ],
            }
        ]
    }  # fmt: skip


@pytest.fixture
def write_session(client) -> Iterator[Session]:
    """A session on the emulator's freshly reset database that is never committed."""
    with client.app.state.session_factory() as session:
        yield session
        session.rollback()


def assert_audit_ok(session: Session) -> None:
    session.flush()
    result = audit(session)
    assert result["ok"], result["violations"]


def ledger_counts(session: Session, org_id: int) -> dict[str, int]:
    return {
        table.name: session.execute(
            select(func.count()).select_from(table).where(table.c.org_id == org_id)
        ).scalar_one()
        for table in bulk.TABLES
    }


class TestSeedLoad:
    def test_keeps_the_ledger_equal_to_the_balances(self, write_session):
        load_seed(write_session, parse_seed(small_org()), now=clock.system_now())
        assert all(ledger_counts(write_session, ORG).values())
        assert_audit_ok(write_session)


class TestReset:
    def test_keeps_the_ledger_equal_to_the_balances(self, write_session, settings):
        load_seed(write_session, parse_seed(small_org()), now=clock.system_now())
        demo_before = ledger_counts(write_session, DEMO_ORG)
        lifecycle.reset(write_session, settings)
        assert write_session.get(Org, ORG) is None
        assert ledger_counts(write_session, ORG) == dict.fromkeys(demo_before, 0)
        assert ledger_counts(write_session, DEMO_ORG) == demo_before
        assert_audit_ok(write_session)

    def test_of_one_org_leaves_the_others_ledger_alone(self, write_session, settings):
        load_seed(write_session, parse_seed(small_org()), now=clock.system_now())
        demo_before = ledger_counts(write_session, DEMO_ORG)
        lifecycle.reset(write_session, settings, org_id=ORG)  # not in the seed file: gone
        assert ledger_counts(write_session, ORG) == dict.fromkeys(demo_before, 0)
        assert ledger_counts(write_session, DEMO_ORG) == demo_before
        assert_audit_ok(write_session)

    def test_restores_the_rows_loading_the_document_writes(self):
        now = clock.system_now()
        loaded, restored = _fresh_session(), _fresh_session()
        load_seed(loaded, read_seed_file(DEMO_SEED_FILE), now=now)
        lifecycle.restore_seed(restored, DEMO_SEED_FILE, now=now)
        for table in bulk.TABLES:
            order = table.primary_key.columns
            rows = [s.execute(select(table).order_by(*order)).all() for s in (loaded, restored)]
            assert rows[0] and rows[0] == rows[1], table.name
        assert_audit_ok(restored)


class TestClearDatabase:
    def test_clears_every_ledger_row(self, write_session):
        clear_database(write_session)
        for table in bulk.TABLES:
            assert write_session.execute(select(func.count()).select_from(table)).scalar() == 0


class TestTables:
    def test_nothing_else_references_the_ledger_tables(self):
        """What lets the bulk path insert the ledger tables after every other and delete them
        before."""
        for table in Base.metadata.sorted_tables:
            targets = {fk.column.table.name for fk in table.foreign_keys}
            if table.name in bulk.TABLE_NAMES:
                assert targets <= {"orgs"} | bulk.TABLE_NAMES, table.name
            else:
                assert not targets & bulk.TABLE_NAMES, table.name


def _fresh_session() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    return Session(engine)
