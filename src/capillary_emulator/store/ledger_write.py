"""The ledger writer's statements: balances, lots, events and entries (only `writer/` calls these).

A balance key is (owner_type, owner_id, program_id, category). Statements with one row of
values per key or owner are built per row count (a transfer always uses the same two), so each
shape is still compiled once.
"""

import json
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.sql.expression import Executable

from capillary_emulator.models import LedgerEntry, LedgerEvent, PointAward, PointBalance
from capillary_emulator.store.sql import (
    Db,
    DialectStatement,
    Params,
    Row,
    Statement,
    aware,
    dialect_insert,
    table_of,
)

BalanceKey = tuple[str, int, int, str]
"""(owner_type, owner_id, program_id, category)."""
KEY_COLUMNS = ("owner_type", "owner_id", "program_id", "category")


BALANCES = table_of(PointBalance)
LOTS = table_of(PointAward)
EVENTS = table_of(LedgerEvent)
ENTRIES = table_of(LedgerEntry)


class _PerCount:
    """One statement per number of value rows, each compiled once."""

    def __init__(self, name: str, build: Callable[[str, int], Executable]) -> None:
        self._name = name
        self._build = build
        self._built: dict[int, DialectStatement] = {}

    def __call__(self, count: int) -> DialectStatement:
        found = self._built.get(count)
        if found is None:
            found = self._built[count] = DialectStatement(
                f"{self._name}[{count}]", lambda dialect: self._build(dialect, count)
            )
        return found


def _change_balances(dialect: str, count: int) -> Executable:
    # ON CONFLICT DO UPDATE takes the row lock of an existing row on Postgres; the rows are
    # given in sorted key order, so concurrent writers lock them in the same order.
    insert_fn = dialect_insert(dialect)
    statement = insert_fn(BALANCES).values(
        [
            {
                **{c: bindparam(f"{c}_{i}") for c in KEY_COLUMNS},
                "org_id": bindparam(f"org_id_{i}"),
                "points_milli": bindparam(f"delta_{i}"),
            }
            for i in range(count)
        ]
    )
    returned = [*(BALANCES.c[c] for c in KEY_COLUMNS), BALANCES.c.points_milli]
    if dialect == "sqlite":
        returned.append(_lots_json(count))
    return statement.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS),
        set_={"points_milli": BALANCES.c.points_milli + statement.excluded.points_milli},
    ).returning(*returned)


def _lots_json(count: int) -> Any:
    """The unspent lots of the returned balance row as one JSON array, when `read_<i>` asks for
    the lots of the i-th key (SQLite only: see `change_balances`)."""
    # SQLAlchemy writes RETURNING's columns without their table, which inside the subquery
    # would name the lot's columns: the balance row's are spelled out.
    row = {c: literal_column(f"{BALANCES.name}.{c}", BALANCES.c[c].type) for c in KEY_COLUMNS}
    lot = LOTS.alias("lot")
    wanted = or_(
        *(
            and_(
                *(row[c] == bindparam(f"{c}_{i}") for c in KEY_COLUMNS),
                bindparam(f"read_{i}", type_=Integer) == 1,
            )
            for i in range(count)
        )
    )
    return (
        select(
            func.json_group_array(
                func.json_array(lot.c.id, lot.c.remaining_milli, lot.c.expires_at, lot.c.awarded_at)
            )
        )
        .where(*(lot.c[c] == row[c] for c in KEY_COLUMNS), lot.c.remaining_milli > 0, wanted)
        .scalar_subquery()
    )


CHANGE_BALANCES = _PerCount("change_balances", _change_balances)
LIVE_LOTS = Statement(
    "live_lots",
    lambda: (
        select(PointAward.id, PointAward.remaining_milli, PointAward.expires_at)
        .where(
            PointAward.owner_type == bindparam("owner_type"),
            PointAward.owner_id == bindparam("owner_id"),
            PointAward.program_id == bindparam("program_id"),
            PointAward.category == bindparam("category"),
            PointAward.remaining_milli > 0,
        )
        .order_by(
            case((PointAward.expires_at.is_(None), 1), else_=0),
            PointAward.expires_at,
            PointAward.awarded_at,
            PointAward.id,
        )
    ),
)
SET_LOT_REMAINING = Statement(
    "set_lot_remaining",
    lambda: (
        update(LOTS)
        .where(LOTS.c.id == bindparam("lot_id"))
        .values(remaining_milli=bindparam("lot_remaining"))
    ),
)
RESTORE_LOT = Statement(
    "restore_lot",
    lambda: (
        update(LOTS)
        .where(LOTS.c.id == bindparam("lot_id"))
        .values(remaining_milli=LOTS.c.remaining_milli + bindparam("milli"))
    ),
)


def _write_lots(dialect: str) -> Executable:
    # An existing lot names its id and only its new remaining_milli is written (ON CONFLICT);
    # a new lot has no id: SQLite numbers it, Postgres takes the next value of its sequence.
    insert_fn = dialect_insert(dialect)
    lot_id: Any = bindparam("id", type_=LOTS.c.id.type)
    if dialect == "postgresql":
        lot_id = func.coalesce(lot_id, func.nextval(func.pg_get_serial_sequence(LOTS.name, "id")))
    statement = insert_fn(LOTS).values(
        {"id": lot_id, **{c.name: bindparam(c.name) for c in LOTS.c if c.name != "id"}}
    )
    return statement.on_conflict_do_update(
        index_elements=[LOTS.c.id],
        set_={"remaining_milli": statement.excluded.remaining_milli},
    )


WRITE_LOTS = DialectStatement("write_lots", _write_lots)
STORE_BALANCE = Statement(
    "store_balance",
    lambda: (
        update(BALANCES)
        .where(*(BALANCES.c[c] == bindparam("k_" + c) for c in KEY_COLUMNS))
        .values(points_milli=bindparam("k_points"))
    ),
)
_EVENT_COLUMNS = [c.name for c in EVENTS.c if c.name != "id"]


def _insert_events(dialect: str, count: int) -> Executable:
    return (
        insert(EVENTS)
        # Typed: only the first row's parameters take their column's type by themselves (the
        # times of the others would reach the driver unconverted).
        .values(
            [
                {c: bindparam(f"{c}_{i}", type_=EVENTS.c[c].type) for c in _EVENT_COLUMNS}
                for i in range(count)
            ]
        )
        .returning(EVENTS.c.owner_type, EVENTS.c.owner_id, EVENTS.c.id)
    )


INSERT_EVENTS = _PerCount("insert_events", _insert_events)
INSERT_ENTRIES = Statement(
    "insert_entries",
    lambda: insert(ENTRIES).values(
        {c.name: bindparam(c.name) for c in ENTRIES.c if c.name != "id"}
    ),
)


def change_balances(
    db: Db,
    *,
    org_id: int,
    deltas: Sequence[tuple[BalanceKey, int]],
    lots_of: Collection[BalanceKey] = (),
) -> tuple[dict[BalanceKey, int], dict[BalanceKey, list[Row]]]:
    """Add each delta to its balance (creating missing rows) and lock the rows, in the order
    given; the balances after the change, and the `live_lots` of the keys in `lots_of` read
    under those locks.

    On SQLite the transaction holds the database write lock from its BEGIN IMMEDIATE, so the
    lots come back with the balances, in the same statement. On Postgres they are read by the
    next one: a statement that waited for a row lock still reads what it saw before the wait.
    """
    if not deltas:
        return {}, {}
    params: dict[str, Any] = {}
    for i, (key, delta) in enumerate(deltas):
        for column, value in zip(KEY_COLUMNS, key, strict=True):
            params[f"{column}_{i}"] = value
        params[f"org_id_{i}"] = org_id
        params[f"delta_{i}"] = delta
        if db.is_sqlite:
            params[f"read_{i}"] = 1 if key in lots_of else 0
    rows = db.rows(CHANGE_BALANCES(len(deltas)), **params)
    balances = {(r[0], r[1], r[2], r[3]): r[4] for r in rows}
    if not db.is_sqlite:
        return balances, {key: live_lots(db, key) for key, _delta in deltas if key in lots_of}
    lots: dict[BalanceKey, list[Row]] = {}
    for r in rows:
        key = (r[0], r[1], r[2], r[3])
        if key in lots_of:
            lots[key] = _spending_order(r[5])
    return balances, lots


def _spending_order(lots_json: str) -> list[Row]:
    """`LIVE_LOTS`'s order, on the stored values (SQLite's time text sorts as the times do)."""
    lots = json.loads(lots_json)
    lots.sort(key=lambda lot: (lot[2] is None, lot[2] or "", lot[3], lot[0]))
    return [(lot[0], lot[1], aware(lot[2])) for lot in lots]


def live_lots(db: Db, key: BalanceKey) -> list[Row]:
    """(id, remaining_milli, expires_at) of the key's unspent lots, in spending order:
    earliest expiry first, lots without one last."""
    owner_type, owner_id, program_id, category = key
    return db.rows(
        LIVE_LOTS,
        owner_type=owner_type,
        owner_id=owner_id,
        program_id=program_id,
        category=category,
    )


def set_lot_remaining(db: Db, remaining: Sequence[tuple[int, int]]) -> None:
    """(lot id, remaining_milli) pairs."""
    db.execute_many(
        SET_LOT_REMAINING, [{"lot_id": lot_id, "lot_remaining": r} for lot_id, r in remaining]
    )


def restore_lots(db: Db, restored: Sequence[tuple[int, int]]) -> None:
    """(lot id, milli) pairs put back into existing lots."""
    db.execute_many(RESTORE_LOT, [{"lot_id": lot_id, "milli": milli} for lot_id, milli in restored])


def write_lots(db: Db, lots: Sequence[Params]) -> None:
    """New lots (rows of every `point_awards` column, `id` None) and new remainders of existing
    ones (their `id`, `remaining_milli`, and any valid values for the columns kept), in one
    statement."""
    db.execute_many(WRITE_LOTS, lots)


def store_balances(db: Db, balances: dict[BalanceKey, int]) -> None:
    db.execute_many(
        STORE_BALANCE,
        [
            {
                "k_owner_type": k[0],
                "k_owner_id": k[1],
                "k_program_id": k[2],
                "k_category": k[3],
                "k_points": v,
            }
            for k, v in balances.items()
        ],
    )


def insert_events(
    db: Db, header: Params, owners: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], int]:
    """One event per owner (distinct owners) sharing `header`; owner -> event id.

    The ids are matched by owner, since SQLite returns the rows of RETURNING in no set order.
    """
    params: dict[str, Any] = {}
    for i, (owner_type, owner_id) in enumerate(owners):
        for column in _EVENT_COLUMNS:
            params[f"{column}_{i}"] = header.get(column)
        params[f"owner_type_{i}"] = owner_type
        params[f"owner_id_{i}"] = owner_id
    rows = db.rows(INSERT_EVENTS(len(owners)), **params)
    return {(r[0], r[1]): r[2] for r in rows}


def insert_entries(db: Db, entries: Sequence[Params]) -> None:
    db.execute_many(INSERT_ENTRIES, entries)


def event_header(
    org_id: int,
    event_name: str,
    created_at: datetime,
    till_id: int | None = None,
    transaction_id: int | None = None,
    transaction_number: str | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    """The columns every owner's event of one change shares (all but the owner)."""
    return {
        "org_id": org_id,
        "event_name": event_name,
        "created_at": created_at,
        "till_id": till_id,
        "transaction_id": transaction_id,
        "transaction_number": transaction_number,
        "notes": notes,
    }
