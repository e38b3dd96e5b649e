"""The one ledger writer: every points movement goes through `write_points_event`.

A call is part of the caller's transaction and does, in this order:
1. apply the whole change to the balance row of every (owner, program, category) it touches, in
   sorted key order, in one upsert that creates missing rows, takes their row locks on Postgres
   (on SQLite the transaction already holds the database write lock from BEGIN IMMEDIATE) and
   returns the balances after it, so what they held before is known under the lock;
2. expire the due lots of the debited keys (a `PointsExpiry` event), so nothing spends expired
   points;
3. check every debit against the locked balance, then draw it from the lots, earliest expiry
   first;
4. add lots for credits, store the balances again only if something expired on the way, and
   append one ledger event per owner with one entry per movement.
A refusal (804) after step 1 leaves the transaction to be rolled back: every caller fails its
request (or seed) when the writer raises.
Balances therefore always equal the sum of their ledger entries.

Only this module and `writer/bulk.py` (whole tables in and out, for seed snapshots and reset)
write lots, balances and ledger rows; `writer/expiry.py` sweeps due lots through
`expire_lots` here. The values callers pass in and get back live in `writer/movements.py` and
are importable from here.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator.store import ledger_write as store
from capillary_emulator.store.sql import Db
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
    db = Db(session)
    deltas = _deltas(movements)
    keys = sorted(deltas)
    # One statement locks every row and applies the whole change (on SQLite it also reads the
    # debited keys' lots); what the rows held before is the locked balance the debits are
    # checked against. A refusal puts the rows back first (one more statement, only then), so
    # that a refused call leaves what it would have left had it checked before writing: the
    # expiry it found due, nothing else.
    debited = {m.key for m in movements if isinstance(m, Debit)}
    after, lot_rows = store.change_balances(
        db, org_id=org_id, deltas=[(k, deltas[k]) for k in keys], lots_of=debited
    )
    balances = {k: after[k] - deltas[k] for k in keys}
    expired = 0
    live_lots: dict[Key, list[list[Any]]] = {}
    for m in movements:
        if not isinstance(m, Debit):
            continue
        if m.key not in live_lots:
            lots, due = _split_due(m.key, lot_rows.get(m.key, []), now)
            if due:
                expired += _expire(db, org_id=org_id, due=due, balances=balances)
            live_lots[m.key] = lots
        if balances[m.key] < m.points_milli:
            store.store_balances(db, {k: v for k, v in balances.items() if v != after[k]})
            raise m.insufficient()
        m.drawn = _draw(live_lots[m.key], m)
        balances[m.key] -= m.points_milli
    lot_writes = [
        _drawn_lot(org_id, key, lot, now)
        for key, lots in live_lots.items()
        for lot in lots
        if lot[3]
    ]
    restored: list[tuple[int, int]] = []
    for m in movements:
        if isinstance(m, Credit):
            lot_writes += _credit_lots(org_id, m, now)
            restored += m.restore
            balances[m.key] += m.points_milli
    store.write_lots(db, lot_writes)
    store.restore_lots(db, restored)
    # Only expiry on the way makes the balances differ from what the first statement wrote.
    store.store_balances(db, {k: v for k, v in balances.items() if v != after[k]})
    header = store.event_header(
        org_id, event_name, now, till_id, transaction_id, transaction_number, notes
    )
    event_ids = _append_events(db, header, movements)
    return PostedEvent(event_ids=event_ids, balances=balances, expired=expired)


def _deltas(movements: Sequence[Movement]) -> dict[Key, int]:
    deltas: dict[Key, int] = {}
    for m in movements:
        if isinstance(m, Debit):
            if m.points_milli <= 0:
                raise ValueError("a debit must be positive")
            deltas[m.key] = deltas.get(m.key, 0) - m.points_milli
        else:
            deltas[m.key] = deltas.get(m.key, 0) + m.points_milli
    return deltas


def lock_balances(session: Session, *, org_id: int, keys: Iterable[Key]) -> dict[Key, int]:
    """Create missing balance rows and lock all of them, always in sorted key order."""
    balances, _lots = store.change_balances(
        Db(session), org_id=org_id, deltas=[(key, 0) for key in sorted(set(keys))]
    )
    return balances


def _split_due(key: Key, rows: list[Any], now: datetime) -> tuple[list[list[Any]], list[Any]]:
    """The key's unspent lots (in spending order) apart from those already expired.

    Live lots come back as mutable [id, remaining, expires_at, touched] lists.
    """
    owner_type, owner_id, program_id, category = key
    live: list[list[Any]] = []
    due: list[Any] = []
    for lot_id, remaining, expires_at in rows:
        if expires_at is not None and expires_at <= now:
            due.append((lot_id, owner_type, owner_id, program_id, category, remaining, expires_at))
        else:
            live.append([lot_id, remaining, expires_at, False])
    return live, due


def _drawn_lot(org_id: int, key: Key, lot: list[Any], now: datetime) -> dict[str, Any]:
    """The write of a lot a debit drew from: only its id and new remainder are stored, the rest
    fills the columns the statement must name."""
    lot_id, remaining, expires_at, _touched = lot
    return {
        **_lot_row(org_id, key, remaining, expires_at, now),
        "id": lot_id,
        "remaining_milli": remaining,
    }


def _lot_row(
    org_id: int, key: Key, milli: int, expires_at: datetime | None, now: datetime
) -> dict[str, Any]:
    owner_type, owner_id, program_id, category = key
    return {
        "id": None,
        "org_id": org_id,
        "owner_type": owner_type,
        "owner_id": owner_id,
        "program_id": program_id,
        "category": category,
        "points_milli": milli,
        "remaining_milli": milli,
        "awarded_at": now,
        "expires_at": expires_at,
        "ledger_event_id": None,
    }


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
    return _expire(Db(session), org_id=org_id, due=due, balances=balances)


def _expire(db: Db, *, org_id: int, due: Sequence[Any], balances: dict[Key, int]) -> int:
    if not due:
        return 0
    store.set_lot_remaining(db, [(row[0], 0) for row in due])
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
        header = store.event_header(org_id, "PointsExpiry", expired_at)
        event_id = store.insert_events(db, header, [(owner.type, owner.id)])[(owner.type, owner.id)]
        store.insert_entries(
            db,
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


def _credit_lots(org_id: int, credit: Credit, now: datetime) -> list[dict[str, Any]]:
    """The new lots a credit adds (none when it puts points back into existing lots)."""
    if credit.restore or credit.points_milli == 0:
        return []
    pieces: list[tuple[int, datetime | None]]
    if credit.mirror is not None:
        by_expiry: dict[datetime | None, int] = defaultdict(int)
        for lot in credit.mirror.drawn:
            by_expiry[lot.expires_at] += lot.points_milli
        pieces = [(milli, expiry) for expiry, milli in by_expiry.items()]
    else:
        pieces = [(credit.points_milli, credit.expires_at)]
    return [_lot_row(org_id, credit.key, milli, expiry, now) for milli, expiry in pieces]


def store_balances(session: Session, balances: dict[Key, int]) -> None:
    store.store_balances(Db(session), balances)


def _append_events(
    db: Db, header: dict[str, Any], movements: Sequence[Movement]
) -> dict[Owner, int]:
    owners = list(dict.fromkeys(m.owner for m in movements))
    ids = store.insert_events(db, header, [(owner.type, owner.id) for owner in owners])
    event_ids = {owner: ids[(owner.type, owner.id)] for owner in owners}
    store.insert_entries(
        db,
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
