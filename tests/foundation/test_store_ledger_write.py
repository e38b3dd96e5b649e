"""The writer's statements (store/ledger_write.py): the balance upsert hands back the lots it is
asked for, the same lots and order `live_lots` reads, on SQLite (same statement) and Postgres."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from capillary_emulator.models import PointAward, PointBalance
from capillary_emulator.store import ledger_write
from capillary_emulator.store.sql import Db


def _key_with_most_lots(session: Session) -> ledger_write.BalanceKey:
    row = session.execute(
        select(
            PointAward.owner_type, PointAward.owner_id, PointAward.program_id, PointAward.category
        )
        .where(PointAward.remaining_milli > 0)
        .group_by(
            PointAward.owner_type, PointAward.owner_id, PointAward.program_id, PointAward.category
        )
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    return (row[0], row[1], row[2], row[3])


def test_balances_come_back_changed_with_the_lots_asked_for(write_session: Session) -> None:
    db = Db(write_session)
    key = _key_with_most_lots(write_session)
    other = (key[0], key[1], key[2], "NO_SUCH_CATEGORY")
    before = write_session.execute(
        select(PointBalance.points_milli).where(
            PointBalance.owner_type == key[0],
            PointBalance.owner_id == key[1],
            PointBalance.program_id == key[2],
            PointBalance.category == key[3],
        )
    ).scalar_one()
    expected_lots = ledger_write.live_lots(db, key)
    after, lots = ledger_write.change_balances(
        db, org_id=write_session.execute(select(PointAward.org_id).limit(1)).scalar_one(),
        deltas=sorted([(key, 5), (other, 0)]), lots_of={key},
    )  # fmt: skip
    assert after == {key: before + 5, other: 0}
    assert lots == {key: expected_lots}
    assert expected_lots and all(lot[2] is None or lot[2].tzinfo for lot in expected_lots)
    write_session.rollback()
