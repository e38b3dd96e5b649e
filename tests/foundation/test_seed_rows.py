"""Bulk seeding writes exactly the rows that loading a document row by row through the ORM and
`write_points_event` wrote: the digests below were taken from that loader (SQLite, a fixed load
time), and the bulk ledger posts what the one writer posts."""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from capillary_emulator import clock, lifecycle
from capillary_emulator.config import DEMO_SEED_FILE, Settings
from capillary_emulator.db import Base, make_engine
from capillary_emulator.errors import InsufficientCurrentPointsError
from capillary_emulator.models import EmulatorState, Org
from capillary_emulator.points import DELAYED, MAIN
from capillary_emulator.seed.service import load_seed, parse_seed
from capillary_emulator.writer import bulk
from capillary_emulator.writer.core import (
    OPENING_BALANCE,
    Credit,
    Debit,
    Owner,
    write_points_event,
)
from tests.foundation.test_ledger_bulk import small_org

NOW = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def rich_document() -> dict:
    """Two orgs: customers without userIds, zero awards, OTPs, absolute and relative times,
    lots that expire before a redemption draws the rest, groups with and without points."""
    customers = [
        {
            "identifiers": {"mobile": "917000000001", "email": "a@x"},
            "points": [
                {"programId": 7102, "points": 10, "awardedAt": "-P40D", "expiresAt": "-P2D"},
                {"programId": 7102, "points": 5.5, "awardedAt": "-P30D", "expiresAt": "-P3D"},
                {"programId": 7102, "points": 20, "awardedAt": "-P1D", "expiresAt": "P3D"},
                {"programId": 7102, "points": 7, "awardedAt": "2020-01-01T00:00:00+00:00"},
                {"programId": 7101, "category": "DelayedAccrualPointCategory", "points": 0},
                {"programId": 7101, "points": 3, "awardedAt": "-P1D"},
            ],
            "otps": [
                {"code": "111111"},
                {"code": "222222", "action": "points", "issuedAt": "-PT5M"},
            ],
        },
        {
            "userId": 7000005,
            "identifiers": {"externalId": "e5"},
            "createdAt": "-P100D",
            "status": "fraud",
            "lifetimePurchases": 12.5,
            "points": [
                {"programId": 7101, "points": 100, "awardedAt": "-P9D", "expiresAt": "-P1D"},
                {"programId": 7101, "points": 50, "awardedAt": "-P8D", "expiresAt": "-P1D"},
                {"programId": 7101, "points": 60, "awardedAt": "-P7D"},
            ],
        },
        {"identifiers": {"email": "c@x"}, "otps": [{"code": "333", "validFor": "PT10M"}]},
        {
            "userId": 7000002,
            "identifiers": {"mobile": "917000000002"},
            "mergedInto": 7000005,
            "points": [{"programId": 7102, "points": 1, "awardedAt": "PT1H"}],
        },
    ]
    first = {
        "orgId": 7001,
        "name": "Rich",
        "timezone": "+05:30",
        "config": {"OTP_VALIDITY_SECONDS": 60},
        "tills": [
            {"tillId": 70010, "code": "rich.t1", "password": "p"},
            {"tillId": 70011, "code": "rich.t2", "password": "q", "storeId": 5},
        ],
        "oauthClients": [{"key": "rich-k", "secret": "s", "tillCode": "rich.t2"}],
        "programs": [
            {"programId": 7101, "name": "A"},
            {"programId": 7102, "name": "B", "default": True},
        ],
        "customers": customers,
        "userGroups": [
            {
                "groupId": 7201,
                "name": "G",
                "members": [
                    {"userId": 7000005, "primaryMember": True},
                    {"userId": 7000002, "active": False},
                ],
                "points": [
                    {"programId": 7101, "points": 4, "awardedAt": "-P1D"},
                    {"programId": 7102, "points": 0, "category": "Main"},
                ],
            },
            {"groupId": 7202, "createdOn": "-P3D", "status": "INACTIVE", "maxGroupSize": 4},
        ],
        "redemptions": [
            {
                "redemptionId": "RICH01",
                "userId": 7000005,
                "programId": 7101,
                "points": 50,
                "redeemedAt": "-PT2H",
                "notes": "n",
                "transactionNumber": "t1",
            },
            {
                "redemptionId": "RICH02",
                "userId": 7000005,
                "programId": 7101,
                "points": 10,
                "externalReferenceNumber": "x",
            },
        ],
    }
    second = {
        "orgId": 7002,
        "name": "Rich2",
        "tills": [{"tillId": 70020, "code": "rich2.t1", "password": "p"}],
        "programs": [{"programId": 7103, "name": "C"}],
        "customers": [
            {
                "identifiers": {"mobile": "917000000001"},
                "points": [{"programId": 7103, "points": 2}],
            },
            {"userId": 6000000, "identifiers": {"mobile": "917000000009"}},
        ],
    }
    return {"orgs": [first, second]}  # fmt: skip


EXPECTED = {  # scenario -> table -> sha256 of its rows, from the row-by-row loader
    # ("orgs" retaken when it gained the NULL clock_offset_us, clock_frozen_at columns)
    "demo": {
        "customer_identifiers": "d87498a79fa3",
        "customers": "d862e4ede429",
        "ledger_entries": "7bd0919520bd",
        "ledger_events": "824c9ebfbfc7",
        "oauth_clients": "58daeea48583",
        "orgs": "45009f589cee",
        "otps": "30e4bdf9fffd",
        "point_awards": "dbc12a751bc1",
        "point_balances": "4f6409271529",
        "programs": "c301330db94e",
        "redemption_allocations": "09190a73dcee",
        "redemptions": "4643e344d593",
        "tills": "a50bfe299d5f",
        "user_group_members": "d6cec082ca00",
        "user_groups": "1102df2a9597",
    },
    "rich": {
        "customer_identifiers": "8e0a9595cf9b",
        "customers": "a15015c5bece",
        "ledger_entries": "69f8fbc2fdf1",
        "ledger_events": "5fb748624050",
        "oauth_clients": "3bf64a9722c0",
        "orgs": "f005bbcdb7b7",
        "otps": "81fab99f0ab0",
        "point_awards": "9ede35a099f3",
        "point_balances": "53203d7f7269",
        "programs": "c6b6d01f1d5a",
        "redemption_allocations": "f0cc1f3d42d6",
        "redemptions": "2c1faf502812",
        "tills": "aeeb10c7ea4b",
        "user_group_members": "949d05de3164",
        "user_groups": "ef03bd9f8203",
    },
    "reset_all": {
        "customer_identifiers": "8c87cb286732",
        "customers": "66c7bbf0f8b4",
        "ledger_entries": "7ab081a517e5",
        "ledger_events": "939756f39ad0",
        "oauth_clients": "3bf64a9722c0",
        "orgs": "47916b9440ee",
        "otps": "81fab99f0ab0",
        "point_awards": "050ffa920fbc",
        "point_balances": "4b2209af6d85",
        "programs": "85d4675ecbfa",
        "redemption_allocations": "815946dbea02",
        "redemptions": "8d51e62eec38",
        "tills": "0695cd32858a",
        "user_group_members": "cb6b36787786",
        "user_groups": "8d76e7a7d0aa",
    },
    "reset_second_org": {
        "customer_identifiers": "14404e36114d",
        "customers": "a15015c5bece",
        "ledger_entries": "dd55ae603574",
        "ledger_events": "13aef14c962d",
        "oauth_clients": "3bf64a9722c0",
        "orgs": "f005bbcdb7b7",
        "otps": "81fab99f0ab0",
        "point_awards": "1d49f0f16ff4",
        "point_balances": "53203d7f7269",
        "programs": "c6b6d01f1d5a",
        "redemption_allocations": "f0cc1f3d42d6",
        "redemptions": "2c1faf502812",
        "tills": "aeeb10c7ea4b",
        "user_group_members": "949d05de3164",
        "user_groups": "ef03bd9f8203",
    },
    "reset_first_org": {
        "customer_identifiers": "87d1f2e97c06",
        "customers": "aa5920573dd1",
        "ledger_entries": "9cfa762de20a",
        "ledger_events": "74ac8329da52",
        "oauth_clients": "3bf64a9722c0",
        "orgs": "f005bbcdb7b7",
        "otps": "14f379a07a92",
        "point_awards": "708d582f3f9b",
        "point_balances": "e48693cc9e87",
        "programs": "c6b6d01f1d5a",
        "redemption_allocations": "cbf2adb0a3c6",
        "redemptions": "72c38878ac08",
        "tills": "aeeb10c7ea4b",
        "user_group_members": "949d05de3164",
        "user_groups": "ef03bd9f8203",
    },
}


def digests(session: Session) -> dict[str, str]:
    found = {}
    for table in Base.metadata.sorted_tables:
        if table.name == EmulatorState.__tablename__:
            continue
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        if rows:
            text = json.dumps([[str(v) for v in row] for row in rows])
            found[table.name] = hashlib.sha256(text.encode()).hexdigest()[:12]
    return found


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Session]:
    """An empty SQLite database with the schema and the emulator's state row."""
    engine = make_engine(f"sqlite:///{tmp_path / 'rows.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(EmulatorState(id=clock.STATE_ID, clock_offset_us=0))
        session.commit()
        yield session
    engine.dispose()


def _rich_seed_file(tmp_path: Path) -> Path:
    path = tmp_path / "rich.yaml"
    path.write_text(yaml.safe_dump(rich_document()))
    return path


class TestLoad:
    def test_writes_the_demo_document_as_the_row_by_row_loader(self, fresh):
        load_seed(fresh, parse_seed(yaml.safe_load(DEMO_SEED_FILE.read_text())), now=NOW)
        assert digests(fresh) == EXPECTED["demo"]

    def test_writes_two_orgs_and_then_another_document_as_the_row_by_row_loader(self, fresh):
        created = load_seed(fresh, parse_seed(rich_document()), now=NOW)
        load_seed(fresh, parse_seed(small_org()), now=NOW)
        assert digests(fresh) == EXPECTED["rich"]
        assert [org["customers"] for org in created["orgs"]] == [
            [7000006, 7000005, 7000007, 7000002],
            [7000008, 6000000],
        ]


class TestReset:
    @pytest.mark.parametrize(
        ("scenario", "org_id"),
        [("reset_all", None), ("reset_second_org", 7002), ("reset_first_org", 7001)],
    )
    def test_writes_what_the_row_by_row_loader_wrote(
        self, fresh, tmp_path, monkeypatch, scenario, org_id
    ):
        seed_file = _rich_seed_file(tmp_path)
        monkeypatch.setattr(clock, "system_now", lambda: NOW)
        lifecycle.restore_seed(fresh, seed_file, now=NOW)
        load_seed(fresh, parse_seed(small_org()), now=NOW)  # ids move on
        fresh.commit()
        settings = Settings(database_url=str(fresh.get_bind().url), seed_file=seed_file)
        lifecycle.reset(fresh, settings, org_id=org_id)
        fresh.commit()
        assert digests(fresh) == EXPECTED[scenario]


T = [NOW + timedelta(days=d) for d in range(8)]
CUSTOMER, GROUP = Owner("CUSTOMER", 11), Owner("USERGROUP2", 22)
OPENINGS = [(CUSTOMER, [(1, MAIN), (1, DELAYED)]), (GROUP, [(2, MAIN), (2, DELAYED), (1, MAIN)])]
CREDITS = [  # (program, category, milli, awarded at, expires at)
    (1, MAIN, 10_000, T[1], T[5]),
    (1, MAIN, 5_500, T[2], T[4]),
    (1, MAIN, 20_000, T[3], None),
    (1, DELAYED, 1_000, T[3], None),
]
DEBITS = [12_000, 3_000, 100_000]
"""The first expires two lots on the way, the last is not covered."""


def _ledger_rows(session: Session) -> list[list[tuple]]:
    return [
        [tuple(row) for row in session.execute(select(t).order_by(*t.primary_key.columns))]
        for t in bulk.TABLES
    ]


def _debits(post) -> list:
    results = []
    for milli in DEBITS:
        debit = Debit(CUSTOMER, 1, MAIN, milli)
        try:
            posted = post(
                org_id=1, event_name="PointsRedemption", now=T[6], till_id=5, notes="n",
                movements=[debit],
            )  # fmt: skip
        except InsufficientCurrentPointsError:
            results.append("insufficient")
            continue
        results.append((posted.event_ids, posted.balances, posted.expired, debit.drawn))
    return results


class TestBulkLedger:
    def test_posts_what_the_one_writer_posts(self):
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            session.execute(insert(Org).values(id=1, name="o", config={}))
            for owner, keys in OPENINGS:
                movements = [Credit(owner, p, c, 0, entry_type=OPENING_BALANCE) for p, c in keys]
                write_points_event(
                    session, org_id=1, event_name="Open", now=T[0], till_id=5, movements=movements
                )
            for program, category, milli, awarded, expires in CREDITS:
                write_points_event(
                    session, org_id=1, event_name="TransactionAdd", now=awarded, till_id=5,
                    transaction_number="b",
                    movements=[Credit(CUSTOMER, program, category, milli, expires_at=expires)],
                )  # fmt: skip
            written = _debits(lambda **kw: write_points_event(session, **kw))
            expected = _ledger_rows(session)
        engine.dispose()

        ledger = bulk.BulkLedger()
        for owner, keys in OPENINGS:
            ledger.open_balances(
                org_id=1, owner=owner, keys=keys, event_name="Open", now=T[0], till_id=5
            )
        for program, category, milli, awarded, expires in CREDITS:
            ledger.credit(
                org_id=1, key=(CUSTOMER.type, CUSTOMER.id, program, category),
                points_milli=milli, expires_at=expires, event_name="TransactionAdd",
                now=awarded, till_id=5, transaction_number="b",
            )  # fmt: skip
        posted = _debits(ledger.post)
        assert posted == written
        assert [[tuple(r) for r in t.rows] for t in ledger.table_rows()] == expected
