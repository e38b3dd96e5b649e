"""The data-access layer (store/): statements compiled once per dialect and run on the DB-API
driver read and write the same values as SQLAlchemy does, on SQLite and on Postgres."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from capillary_emulator.models import Customer, EmulatorState, UserGroupMember
from capillary_emulator.store import sql
from capillary_emulator.store.sql import Db, Statement

CUSTOMER_BY_ID = Statement(
    "test_customer_by_id",
    lambda: select(Customer.id, Customer.created_at, Customer.first_name).where(
        Customer.id == bindparam("customer_id")
    ),
)
GROUP_FLAGS = Statement(
    "test_group_flags",
    lambda: select(UserGroupMember.active, UserGroupMember.allow_points_transfer).where(
        UserGroupMember.customer_id == bindparam("customer_id")
    ),
)
FREEZE = Statement(
    "test_freeze",
    lambda: (
        update(EmulatorState).where(EmulatorState.id == 1).values(frozen_at=bindparam("frozen_at"))
    ),
)
FROZEN_AFTER = Statement(
    "test_frozen_after",
    lambda: select(EmulatorState.id).where(EmulatorState.frozen_at > bindparam("moment")),
)


def test_rows_match_what_sqlalchemy_reads(write_session: Session) -> None:
    customer = write_session.execute(select(Customer).limit(1)).scalar_one()
    row = Db(write_session).first(CUSTOMER_BY_ID, customer_id=customer.id)
    assert row == (customer.id, customer.created_at, customer.first_name)
    assert row is not None and row[1].tzinfo is UTC
    assert Db(write_session).first(CUSTOMER_BY_ID, customer_id=-1) is None


def test_booleans_come_back_as_booleans(write_session: Session) -> None:
    member = write_session.execute(select(UserGroupMember).limit(1)).scalar_one()
    flags = Db(write_session).first(GROUP_FLAGS, customer_id=member.customer_id)
    assert flags == (member.active, member.allow_points_transfer)
    assert flags is not None and all(type(flag) is bool for flag in flags)


def test_times_written_raw_compare_with_times_written_by_sqlalchemy(
    write_session: Session,
) -> None:
    moment = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    db = Db(write_session)
    assert db.execute(FREEZE, frozen_at=moment) == 1
    stored = write_session.execute(select(EmulatorState.frozen_at)).scalar_one()
    assert stored == moment  # SQLAlchemy reads back what the driver wrote
    assert db.first(FROZEN_AFTER, moment=moment - timedelta(microseconds=1)) is not None
    assert db.first(FROZEN_AFTER, moment=moment) is None
    write_session.rollback()


def test_observers_see_every_statement(write_session: Session) -> None:
    seen: list[tuple[str, object]] = []

    def observe(statement: str, params: object) -> None:
        seen.append((statement, params))

    sql.OBSERVERS.append(observe)
    try:
        Db(write_session).first(CUSTOMER_BY_ID, customer_id=1)
    finally:
        sql.OBSERVERS.remove(observe)
    # On SQLite the transaction's BEGIN IMMEDIATE comes first: it runs on the driver too.
    begins = [statement for statement, _ in seen if statement.startswith("BEGIN")]
    assert begins == (["BEGIN IMMEDIATE"] if Db(write_session).is_sqlite else [])
    assert len(seen) == len(begins) + 1 and seen[-1][0].startswith("SELECT")
    params = seen[-1][1]
    assert 1 in (params.values() if isinstance(params, dict) else params)  # type: ignore[union-attr]
