"""The ledger writer's bulk path: ledger events and entries, lots and balances in and out a whole
table at a time, for restoring a seed snapshot and for clearing the database or one org.

Nothing here locks, draws lots or checks a balance: the rows come from a snapshot that the
writer itself produced by loading the seed document, so they already agree (balance == sum of
entries == sum of unspent lots); moving them as they are keeps them agreeing.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from capillary_emulator.db import Base
from capillary_emulator.models import LedgerEntry, LedgerEvent, PointAward, PointBalance

TABLES: tuple[Table, ...] = tuple(
    Base.metadata.tables[model.__tablename__]
    for model in (LedgerEvent, LedgerEntry, PointAward, PointBalance)
)
"""The tables only the ledger writer writes, in insert order (an entry names its event). Their
foreign keys point only at `orgs` and at each other, and no other table's point at them: the
caller may insert them after everything else, and delete them before."""

TABLE_NAMES = frozenset(table.name for table in TABLES)


def insert_rows(session: Session, rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Insert prepared rows, ids included, one statement per ledger table; `rows` is keyed by
    table name and may hold other tables' rows, which are left to the caller."""
    for table in TABLES:
        table_rows = rows.get(table.name)
        if table_rows:
            session.execute(table.insert(), table_rows)


def delete_rows(session: Session, *, org_id: int | None = None) -> None:
    """Delete every ledger, lot and balance row, or one org's."""
    for table in reversed(TABLES):
        statement = table.delete()
        if org_id is not None:
            statement = statement.where(table.c.org_id == org_id)
        session.execute(statement)
