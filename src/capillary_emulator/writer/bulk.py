"""The ledger writer's bulk path: the ledger events and entries, lots and balances of whole seeds,
written a table at a time, and removed a table at a time for a reset.

`BulkLedger` posts a seed's movements in memory with the rules of `core.write_points_event`
(opening balances, lots for credits, debits drawn earliest expiry first after expiring the due
lots, one event per owner with one entry per movement) for owners that have no rows yet, which
is what a seed's customers and groups are: the loader checks that they are new before it posts.
Its rows then go in with one `executemany` per table. Rows restored from a snapshot were made by
`BulkLedger` in the first place, so they already agree (balance == sum of entries == sum of
unspent lots); moving them as they are keeps them agreeing.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from capillary_emulator.db import Base
from capillary_emulator.models import LedgerEntry, LedgerEvent, PointAward, PointBalance
from capillary_emulator.store import bulk as store_bulk
from capillary_emulator.store.bulk import Row, TableRows
from capillary_emulator.writer.movements import (
    CREDIT,
    DEBIT,
    OPENING_BALANCE,
    Credit,
    Debit,
    Key,
    Lot,
    Movement,
    Owner,
    PostedEvent,
)

TABLES: tuple[Table, ...] = tuple(
    Base.metadata.tables[model.__tablename__]
    for model in (LedgerEvent, LedgerEntry, PointAward, PointBalance)
)
"""The tables only the ledger writer writes, in insert order (an entry names its event). Their
foreign keys point only at `orgs` and at each other, and no other table's point at them: the
caller may insert them after everything else, and delete them before."""

TABLE_NAMES = frozenset(table.name for table in TABLES)

EVENT_COLUMNS = (
    "id", "org_id", "owner_type", "owner_id", "event_name", "created_at", "till_id",
    "transaction_id", "transaction_number", "notes", "transaction_amount_milli",
)  # fmt: skip
ENTRY_COLUMNS = (
    "id", "event_id", "org_id", "owner_type", "owner_id", "program_id", "category",
    "entry_type", "points_milli", "created_at",
)  # fmt: skip
LOT_COLUMNS = (
    "id", "org_id", "owner_type", "owner_id", "program_id", "category", "points_milli",
    "remaining_milli", "awarded_at", "expires_at", "ledger_event_id",
)  # fmt: skip
BALANCE_COLUMNS = ("owner_type", "owner_id", "program_id", "category", "org_id", "points_milli")

# Lot records while posting: mutable lists in LOT_COLUMNS order.
_REMAINING, _AWARDED, _EXPIRES = 7, 8, 9


class BulkLedger:
    """The ledger rows of new owners, posted in memory. Event, entry and lot ids count from 1
    (`ids[n]` of `store.bulk.reserve_ids` turns them into real ones when written)."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.entries: list[tuple[Any, ...]] = []
        self.lots: list[list[Any]] = []
        self.balances: dict[Key, list[int]] = {}
        """Key -> [org_id, points_milli], in the order the writer would create the rows."""
        self._lots_by_key: dict[Key, list[list[Any]]] = defaultdict(list)

    def post(
        self,
        *,
        org_id: int,
        event_name: str,
        now: datetime,
        movements: Sequence[Movement],
        till_id: int | None = None,
        transaction_number: str | None = None,
        notes: str | None = None,
    ) -> PostedEvent:
        """What `core.write_points_event` would write, for owners only this ledger holds."""
        keyed = [(m.key, m) for m in movements]
        keys = sorted({key for key, _ in keyed})
        balances = self.balances
        for key in keys:
            if key not in balances:
                balances[key] = [org_id, 0]
        expired = 0
        live_lots: dict[Key, list[list[Any]]] = {}
        for key, m in keyed:
            if not isinstance(m, Debit):
                continue
            if m.points_milli <= 0:
                raise ValueError("a debit must be positive")
            if key not in live_lots:
                live, due = self._lots_of(key, now)
                expired += self._expire(org_id, due)
                live_lots[key] = live
            if balances[key][1] < m.points_milli:
                raise m.insufficient()
            m.drawn = _draw(live_lots[key], m)
            balances[key][1] -= m.points_milli
        for key, m in keyed:
            if isinstance(m, Credit):
                if m.restore or m.mirror is not None:
                    raise ValueError("the bulk ledger credits new lots only")
                if m.points_milli:
                    self._add_lot(org_id, key, m.points_milli, now, m.expires_at)
                    balances[key][1] += m.points_milli
        header = (event_name, now, till_id, None, transaction_number, notes, None)
        event_ids = self._append(org_id, header, keyed)
        return PostedEvent(
            event_ids=event_ids, balances={k: balances[k][1] for k in keys}, expired=expired
        )

    def open_balances(
        self,
        *,
        org_id: int,
        owner: Owner,
        keys: Sequence[tuple[int, str]],
        event_name: str,
        now: datetime,
        till_id: int | None,
    ) -> None:
        """`post` of zero OPENING_BALANCE credits of (program, category) `keys`, in that order."""
        balances = self.balances
        for program_id, category in sorted(keys):
            key = (owner.type, owner.id, program_id, category)
            if key not in balances:
                balances[key] = [org_id, 0]
        event_id = self._event(org_id, owner, (event_name, now, till_id, None, None, None, None))
        for program_id, category in keys:
            key = (owner.type, owner.id, program_id, category)
            self._entry(event_id, org_id, key, OPENING_BALANCE, 0, now)

    def credit(
        self,
        *,
        org_id: int,
        key: Key,
        points_milli: int,
        expires_at: datetime | None,
        event_name: str,
        now: datetime,
        till_id: int | None,
        transaction_number: str | None,
        transaction_id: int | None = None,
        amount_milli: int | None = None,
    ) -> None:
        """`post` of one Credit (a new lot) to `key`'s owner, on the bill
        (`transaction_id`, `transaction_number`, `amount_milli`) where there is one."""
        if key not in self.balances:
            self.balances[key] = [org_id, 0]
        if points_milli:
            self._add_lot(org_id, key, points_milli, now, expires_at)
            self.balances[key][1] += points_milli
        header = (event_name, now, till_id, transaction_id, transaction_number, None, amount_milli)
        event_id = self._event(org_id, Owner(key[0], key[1]), header)
        self._entry(event_id, org_id, key, CREDIT, points_milli, now)

    def _lots_of(self, key: Key, now: datetime) -> tuple[list[list[Any]], list[list[Any]]]:
        """Unspent lots in spending order (as `core` reads them), split into live and due."""
        lots = sorted(
            (lot for lot in self._lots_by_key[key] if lot[_REMAINING] > 0),
            key=lambda lot: (
                lot[_EXPIRES] is None,
                lot[_EXPIRES] or now,
                lot[_AWARDED],
                lot[0],
            ),
        )
        live = [lot for lot in lots if lot[_EXPIRES] is None or lot[_EXPIRES] > now]
        due = [lot for lot in lots if lot[_EXPIRES] is not None and lot[_EXPIRES] <= now]
        return live, due

    def _expire(self, org_id: int, due: list[list[Any]]) -> int:
        """Zero the due lots; one PointsExpiry event per owner and expiry instant."""
        grouped: dict[tuple[Owner, datetime], dict[Key, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        total = 0
        for lot in due:
            key: Key = (lot[2], lot[3], lot[4], lot[5])
            grouped[(Owner(lot[2], lot[3]), lot[_EXPIRES])][key] += lot[_REMAINING]
            self.balances[key][1] -= lot[_REMAINING]
            total += lot[_REMAINING]
            lot[_REMAINING] = 0
        for (owner, expired_at), per_key in sorted(
            grouped.items(), key=lambda kv: (kv[0][1], kv[0][0])
        ):
            event_id = self._event(
                org_id, owner, ("PointsExpiry", expired_at, None, None, None, None, None)
            )
            for k, milli in per_key.items():
                self._entry(event_id, org_id, k, DEBIT, -milli, expired_at)
        return total

    def _add_lot(
        self, org_id: int, key: Key, milli: int, now: datetime, expires_at: datetime | None
    ) -> None:
        lot = [len(self.lots) + 1, org_id, *key, milli, milli, now, expires_at, None]
        self.lots.append(lot)
        self._lots_by_key[key].append(lot)

    def _event(self, org_id: int, owner: Owner, header: tuple[Any, ...]) -> int:
        event_id = len(self.events) + 1
        name, created_at, till_id, transaction_id, number, notes, amount = header
        self.events.append(
            (event_id, org_id, owner.type, owner.id, name, created_at, till_id,
             transaction_id, number, notes, amount)
        )  # fmt: skip
        return event_id

    def _entry(
        self, event_id: int, org_id: int, key: Key, entry_type: str, milli: int, at: datetime
    ) -> None:
        self.entries.append((len(self.entries) + 1, event_id, org_id, *key, entry_type, milli, at))

    def _append(
        self, org_id: int, header: tuple[Any, ...], keyed: list[tuple[Key, Movement]]
    ) -> dict[Owner, int]:
        event_ids: dict[Owner, int] = {}
        for _, m in keyed:
            if m.owner not in event_ids:
                event_ids[m.owner] = self._event(org_id, m.owner, header)
        for key, m in keyed:
            if isinstance(m, Credit):
                entry_type, milli = m.entry_type, m.points_milli
            else:
                entry_type, milli = DEBIT, -m.points_milli
            self._entry(event_ids[m.owner], org_id, key, entry_type, milli, header[1])
        return event_ids

    def table_rows(self) -> list[TableRows]:
        """The posted rows, one `TableRows` per ledger table, in insert order."""
        return [
            TableRows(LedgerEvent.__tablename__, EVENT_COLUMNS, list(self.events)),
            TableRows(LedgerEntry.__tablename__, ENTRY_COLUMNS, list(self.entries)),
            TableRows(PointAward.__tablename__, LOT_COLUMNS, [tuple(lot) for lot in self.lots]),
            TableRows(
                PointBalance.__tablename__,
                BALANCE_COLUMNS,
                [(*key, org, milli) for key, (org, milli) in self.balances.items()],
            ),
        ]


def _draw(lots: list[list[Any]], debit: Debit) -> list[Lot]:
    needed = debit.points_milli
    drawn: list[Lot] = []
    for lot in lots:
        if needed == 0:
            break
        if lot[_REMAINING] == 0:
            continue
        take = min(lot[_REMAINING], needed)
        drawn.append(Lot(lot[0], take, lot[_EXPIRES]))
        lot[_REMAINING] -= take
        needed -= take
    if needed:
        raise RuntimeError(f"lots of {debit.key} do not cover the balance")
    return drawn


def insert_rows(session: Session, rows: Mapping[str, tuple[tuple[str, ...], list[Row]]]) -> None:
    """Insert prepared ledger rows (driver values, ids included), table name -> (columns,
    rows), a few statements per ledger table."""
    for table in TABLES:
        if table.name in rows:
            columns, table_rows = rows[table.name]
            store_bulk.insert_rows(session, table.name, columns, table_rows)


def delete_rows(session: Session, *, org_id: int | None = None) -> None:
    """Delete every ledger, lot and balance row, or one org's."""
    store_bulk.delete_tables(session, [t.name for t in reversed(TABLES)], org_id=org_id)
