"""The one ledger writer: every points movement goes through `write_points_event`.

A call is part of the caller's transaction and does, in this order:
1. lock the balance row of every (owner, program, category) it touches, in sorted key order
   (an upsert that both creates a missing row and takes its row lock on Postgres; on SQLite the
   transaction already holds the database write lock from BEGIN IMMEDIATE);
2. expire the due lots of those keys (a `PointsExpiry` event), so nothing spends expired points;
3. check every debit against the locked balance, then draw it from the lots, earliest expiry
   first;
4. add lots for credits, update the balances, and append one ledger event per owner with one
   entry per movement.
Balances therefore always equal the sum of their ledger entries.

Only this module and `writer/bulk.py` (whole tables in and out, for seed snapshots and reset)
write lots, balances and ledger rows; `writer/expiry.py` sweeps due lots through
`expire_lots` here. The values callers pass in and get back live in `writer/movements.py` and
are importable from here.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from capillary_emulator.db import Base
from capillary_emulator.models import LedgerEntry, LedgerEvent, PointAward, PointBalance
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

__all__ = [
    "CREDIT",
    "DEBIT",
    "OPENING_BALANCE",
    "Credit",
    "Debit",
    "Key",
    "Lot",
    "Movement",
    "Owner",
    "PostedEvent",
    "expire_lots",
    "lock_balances",
    "store_balances",
    "write_points_event",
]


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def write_points_event(
    session: Session,
    *,
    org_id: int,
    event_name: str,
    now: datetime,
    movements: Sequence[Movement],
    till_id: int | None = None,
    transaction_id: int | None = None,
    transaction_number: str | None = None,
    notes: str | None = None,
) -> PostedEvent:
    keys = sorted({m.key for m in movements})
    balances = lock_balances(session, org_id=org_id, keys=keys)
    expired = 0
    live_lots: dict[Key, list[list[Any]]] = {}
    for m in movements:
        if not isinstance(m, Debit):
            continue
        if m.points_milli <= 0:
            raise ValueError("a debit must be positive")
        if m.key not in live_lots:
            lots, due = _lots_of(session, m.key, now)
            if due:
                expired += expire_lots(session, org_id=org_id, due=due, balances=balances)
            live_lots[m.key] = lots
        if balances[m.key] < m.points_milli:
            raise m.insufficient()
        m.drawn = _draw(live_lots[m.key], m)
        balances[m.key] -= m.points_milli
    touched = [lot for lots in live_lots.values() for lot in lots if lot[3]]
    if touched:
        session.connection().execute(
            _statements(session).set_lot_remaining,
            [{"lot_id": lot[0], "lot_remaining": lot[1]} for lot in touched],
        )
    for m in movements:
        if isinstance(m, Credit):
            _add_lots(session, org_id, m, now)
            balances[m.key] += m.points_milli

    store_balances(session, {k: balances[k] for k in keys})
    header = _event_header(
        org_id, event_name, now, till_id, transaction_id, transaction_number, notes
    )
    event_ids = _append_events(session, header, movements)
    return PostedEvent(event_ids=event_ids, balances=balances, expired=expired)


@dataclass(frozen=True)
class _Statements:
    """Hot-path statements built once per dialect: executing a prebuilt statement skips
    SQLAlchemy's per-call construction and cache-key work, which otherwise costs more than
    the SQL itself."""

    lock_balance: Any
    live_lots: Any
    set_lot_remaining: Any
    store_balance: Any
    insert_events: Any
    insert_entries: Any
    insert_lots: Any


_BUILT: dict[str, _Statements] = {}


def _statements(session: Session) -> _Statements:
    dialect = session.get_bind().dialect.name
    built = _BUILT.get(dialect)
    if built is None:
        built = _BUILT[dialect] = _build_statements(dialect)
    return built


def _build_statements(dialect: str) -> _Statements:
    balance = _table(PointBalance)
    lots = _table(PointAward)
    events = _table(LedgerEvent)
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key_columns = ["owner_type", "owner_id", "program_id", "category"]
    return _Statements(
        # Creates a missing balance row and, on Postgres, takes its row lock: ON CONFLICT DO
        # UPDATE locks the existing row even though the update changes nothing.
        lock_balance=insert_fn(balance)
        .values({**{c: bindparam(c) for c in [*key_columns, "org_id"]}, "points_milli": 0})
        .on_conflict_do_update(
            index_elements=key_columns, set_={"points_milli": balance.c.points_milli}
        )
        .returning(balance.c.points_milli),
        live_lots=select(PointAward.id, PointAward.remaining_milli, PointAward.expires_at)
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
        ),
        set_lot_remaining=update(lots)
        .where(lots.c.id == bindparam("lot_id"))
        .values(remaining_milli=bindparam("lot_remaining")),
        store_balance=update(balance)
        .where(*(balance.c[c] == bindparam("k_" + c) for c in key_columns))
        .values(points_milli=bindparam("k_points")),
        insert_events=insert(events).returning(events.c.id, sort_by_parameter_order=True),
        insert_entries=insert(_table(LedgerEntry)),
        insert_lots=insert(lots),
    )


def lock_balances(session: Session, *, org_id: int, keys: Iterable[Key]) -> dict[Key, int]:
    """Create missing balance rows and lock all of them, always in sorted key order."""
    statement = _statements(session).lock_balance
    balances: dict[Key, int] = {}
    for key in sorted(keys):
        owner_type, owner_id, program_id, category = key
        balances[key] = session.execute(
            statement,
            {
                "owner_type": owner_type,
                "owner_id": owner_id,
                "program_id": program_id,
                "category": category,
                "org_id": org_id,
            },
        ).scalar_one()
    return balances


def _lots_of(session: Session, key: Key, now: datetime) -> tuple[list[list[Any]], list[Any]]:
    """The key's unspent lots in spending order, and apart from them those already expired.

    Live lots come back as mutable [id, remaining, expires_at, touched] lists.
    """
    owner_type, owner_id, program_id, category = key
    rows = session.execute(
        _statements(session).live_lots,
        {
            "owner_type": owner_type,
            "owner_id": owner_id,
            "program_id": program_id,
            "category": category,
        },
    ).all()
    live: list[list[Any]] = []
    due: list[Any] = []
    for lot_id, remaining, expires_at in rows:
        if expires_at is not None and expires_at <= now:
            due.append((lot_id, owner_type, owner_id, program_id, category, remaining, expires_at))
        else:
            live.append([lot_id, remaining, expires_at, False])
    return live, due


def _draw(lots: list[list[Any]], debit: Debit) -> list[Lot]:
    needed = debit.points_milli
    drawn: list[Lot] = []
    for lot in lots:
        if needed == 0:
            break
        if lot[1] == 0:
            continue
        take = min(lot[1], needed)
        drawn.append(Lot(lot[0], take, lot[2]))
        lot[1] -= take
        lot[3] = True
        needed -= take
    if needed:
        # The balance said yes but the lots say no: the ledger and the lots disagree.
        raise RuntimeError(f"lots of {debit.key} do not cover the balance")
    return drawn


def expire_lots(
    session: Session, *, org_id: int, due: Sequence[Any], balances: dict[Key, int]
) -> int:
    """Zero the due lots (rows of id, key..., remaining, expires_at) of locked keys and write
    their PointsExpiry events, one per owner and expiry instant, dated when they expired."""
    if not due:
        return 0
    session.connection().execute(
        _statements(session).set_lot_remaining,
        [{"lot_id": row[0], "lot_remaining": 0} for row in due],
    )
    grouped: dict[tuple[Owner, datetime], dict[Key, int]] = defaultdict(lambda: defaultdict(int))
    total = 0
    for _lot_id, owner_type, owner_id, program_id, category, remaining, expires_at in due:
        key: Key = (owner_type, owner_id, program_id, category)
        grouped[(Owner(owner_type, owner_id), expires_at)][key] += remaining
        balances[key] -= remaining
        total += remaining
    for (owner, expired_at), per_key in sorted(
        grouped.items(), key=lambda kv: (kv[0][1], kv[0][0])
    ):
        event_id = _insert_events(
            session,
            [
                {
                    **_event_header(org_id, "PointsExpiry", expired_at),
                    "owner_type": owner.type,
                    "owner_id": owner.id,
                }
            ],
        )[0]
        session.connection().execute(
            _statements(session).insert_entries,
            [
                {
                    "event_id": event_id,
                    "org_id": org_id,
                    "owner_type": k[0],
                    "owner_id": k[1],
                    "program_id": k[2],
                    "category": k[3],
                    "entry_type": DEBIT,
                    "points_milli": -milli,
                    "created_at": expired_at,
                }
                for k, milli in per_key.items()
            ],
        )
    return total


def _add_lots(session: Session, org_id: int, credit: Credit, now: datetime) -> None:
    if credit.restore:
        for award_id, milli in credit.restore:
            session.execute(
                update(PointAward)
                .where(PointAward.id == award_id)
                .values(remaining_milli=PointAward.remaining_milli + milli)
            )
        return
    if credit.points_milli == 0:
        return
    pieces: list[tuple[int, datetime | None]]
    if credit.mirror is not None:
        by_expiry: dict[datetime | None, int] = defaultdict(int)
        for lot in credit.mirror.drawn:
            by_expiry[lot.expires_at] += lot.points_milli
        pieces = [(milli, expiry) for expiry, milli in by_expiry.items()]
    else:
        pieces = [(credit.points_milli, credit.expires_at)]
    owner_type, owner_id, program_id, category = credit.key
    session.connection().execute(
        _statements(session).insert_lots,
        [
            {
                "org_id": org_id,
                "owner_type": owner_type,
                "owner_id": owner_id,
                "program_id": program_id,
                "category": category,
                "points_milli": milli,
                "remaining_milli": milli,
                "awarded_at": now,
                "expires_at": expiry,
                "ledger_event_id": None,
            }
            for milli, expiry in pieces
        ],
    )


def store_balances(session: Session, balances: dict[Key, int]) -> None:
    if not balances:
        return
    session.connection().execute(
        _statements(session).store_balance,
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


def _event_header(
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


def _insert_events(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ledger events in one round trip; their ids in the order given."""
    result = session.connection().execute(_statements(session).insert_events, rows)
    return [row[0] for row in result]


def _append_events(
    session: Session, header: dict[str, Any], movements: Sequence[Movement]
) -> dict[Owner, int]:
    owners = list(dict.fromkeys(m.owner for m in movements))
    ids = _insert_events(
        session,
        [{**header, "owner_type": owner.type, "owner_id": owner.id} for owner in owners],
    )
    event_ids = dict(zip(owners, ids, strict=True))
    session.connection().execute(
        _statements(session).insert_entries,
        [
            {
                "event_id": event_ids[m.owner],
                "org_id": header["org_id"],
                "owner_type": m.owner.type,
                "owner_id": m.owner.id,
                "program_id": m.program_id,
                "category": m.category,
                "entry_type": m.entry_type if isinstance(m, Credit) else DEBIT,
                "points_milli": m.points_milli if isinstance(m, Credit) else -m.points_milli,
                "created_at": header["created_at"],
            }
            for m in movements
        ],
    )
    return event_ids
