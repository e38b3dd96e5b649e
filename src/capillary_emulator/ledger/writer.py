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
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, and_, bindparam, case, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from capillary_emulator.errors import CapillaryError, InsufficientCurrentPointsError
from capillary_emulator.models import LedgerEntry, LedgerEvent, PointAward, PointBalance


def _table(model: type[PointBalance]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


CREDIT = "CREDIT"
DEBIT = "DEBIT"
OPENING_BALANCE = "OPENING_BALANCE"

Key = tuple[str, int, int, str]
"""(owner_type, owner_id, program_id, category)."""


@dataclass(frozen=True, order=True)
class Owner:
    type: str
    """CUSTOMER or USERGROUP2."""
    id: int


@dataclass(frozen=True)
class Lot:
    award_id: int
    points_milli: int
    expires_at: datetime | None


@dataclass(eq=False)
class Debit:
    owner: Owner
    program_id: int
    category: str
    points_milli: int
    """Thousandths of a point to take; must be positive."""
    insufficient: type[CapillaryError] = InsufficientCurrentPointsError
    """The error raised when the balance does not cover the debit."""
    drawn: list[Lot] = field(default_factory=list)
    """Filled by the writer: the lots the debit drew from."""

    @property
    def key(self) -> Key:
        return (self.owner.type, self.owner.id, self.program_id, self.category)


@dataclass(eq=False)
class Credit:
    owner: Owner
    program_id: int
    category: str
    points_milli: int
    """Thousandths of a point to add; zero is allowed for OPENING_BALANCE entries."""
    expires_at: datetime | None = None
    entry_type: str = CREDIT
    mirror: Debit | None = None
    """Credit lots with the same expiries as the lots this debit drew (a transfer)."""
    restore: Sequence[tuple[int, int]] = ()
    """(award_id, milli) pairs put back into existing lots instead of a new lot (a reversal)."""

    @property
    def key(self) -> Key:
        return (self.owner.type, self.owner.id, self.program_id, self.category)


Movement = Debit | Credit


@dataclass
class PostedEvent:
    event_ids: dict[Owner, int]
    """The ledger event written for each owner."""
    balances: dict[Key, int]
    """Balance of every touched key after the event, in thousandths."""
    expired: int = 0
    """Thousandths of a point expired on the way (a PointsExpiry event was written)."""


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
    expired = _expire_locked(session, org_id=org_id, now=now, keys=keys, balances=balances)

    for m in movements:
        if isinstance(m, Debit):
            if m.points_milli <= 0:
                raise ValueError("a debit must be positive")
            if balances[m.key] < m.points_milli:
                raise m.insufficient()
            m.drawn = _draw_lots(session, m, now)
            balances[m.key] -= m.points_milli
    for m in movements:
        if isinstance(m, Credit):
            _add_lots(session, org_id, m, now)
            balances[m.key] += m.points_milli

    _store_balances(session, {k: balances[k] for k in keys})
    event_ids = _append_events(
        session,
        org_id=org_id,
        event_name=event_name,
        created_at=now,
        movements=movements,
        till_id=till_id,
        transaction_id=transaction_id,
        transaction_number=transaction_number,
        notes=notes,
    )
    return PostedEvent(event_ids=event_ids, balances=balances, expired=expired)


def lock_balances(session: Session, *, org_id: int, keys: Iterable[Key]) -> dict[Key, int]:
    """Create missing balance rows and lock all of them, always in sorted key order."""
    table = _table(PointBalance)
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    balances: dict[Key, int] = {}
    for key in sorted(keys):
        owner_type, owner_id, program_id, category = key
        stmt = (
            insert_fn(table)
            .values(
                owner_type=owner_type,
                owner_id=owner_id,
                program_id=program_id,
                category=category,
                org_id=org_id,
                points_milli=0,
            )
            .on_conflict_do_update(
                index_elements=["owner_type", "owner_id", "program_id", "category"],
                set_={"points_milli": table.c.points_milli},
            )
            .returning(table.c.points_milli)
        )
        balances[key] = session.execute(stmt).scalar_one()
    return balances


def expire_due_points(
    session: Session, *, org_id: int, now: datetime, owners: Iterable[Owner] | None = None
) -> int:
    """Debit the unspent part of every lot whose expiry has passed; returns thousandths expired."""
    query = select(
        PointAward.owner_type, PointAward.owner_id, PointAward.program_id, PointAward.category
    ).where(
        PointAward.org_id == org_id,
        PointAward.remaining_milli > 0,
        PointAward.expires_at.is_not(None),
        PointAward.expires_at <= now,
    )
    owner_list = list(owners) if owners is not None else None
    if owner_list is not None:
        if not owner_list:
            return 0
        query = query.where(
            _any_owner(owner_list),
        )
    keys = sorted({tuple(row) for row in session.execute(query.distinct())})  # type: ignore[misc]
    if not keys:
        return 0
    balances = lock_balances(session, org_id=org_id, keys=keys)  # type: ignore[arg-type]
    expired = _expire_locked(session, org_id=org_id, now=now, keys=keys, balances=balances)  # type: ignore[arg-type]
    _store_balances(session, balances)
    return expired


def _any_owner(owners: list[Owner]) -> ColumnElement[bool]:
    return or_(
        *(and_(PointAward.owner_type == o.type, PointAward.owner_id == o.id) for o in owners)
    )


def _expire_locked(
    session: Session,
    *,
    org_id: int,
    now: datetime,
    keys: Sequence[Key],
    balances: dict[Key, int],
) -> int:
    """Expire due lots of keys whose balance rows the caller holds locked."""
    if not keys:
        return 0
    conditions = [
        and_(
            PointAward.owner_type == k[0],
            PointAward.owner_id == k[1],
            PointAward.program_id == k[2],
            PointAward.category == k[3],
        )
        for k in keys
    ]
    due = session.execute(
        select(
            PointAward.id,
            PointAward.owner_type,
            PointAward.owner_id,
            PointAward.program_id,
            PointAward.category,
            PointAward.remaining_milli,
            PointAward.expires_at,
        )
        .where(
            or_(*conditions),
            PointAward.remaining_milli > 0,
            PointAward.expires_at.is_not(None),
            PointAward.expires_at <= now,
        )
        .order_by(PointAward.expires_at, PointAward.id)
    ).all()
    if not due:
        return 0
    session.execute(
        update(PointAward),
        [{"id": row.id, "remaining_milli": 0} for row in due],
    )
    # One PointsExpiry event per owner and expiry instant, dated when the points expired.
    grouped: dict[tuple[Owner, datetime], dict[Key, int]] = defaultdict(lambda: defaultdict(int))
    total = 0
    for row in due:
        key: Key = (row.owner_type, row.owner_id, row.program_id, row.category)
        grouped[(Owner(row.owner_type, row.owner_id), row.expires_at)][key] += row.remaining_milli
        balances[key] -= row.remaining_milli
        total += row.remaining_milli
    for (owner, expired_at), per_key in sorted(
        grouped.items(), key=lambda kv: (kv[0][1], kv[0][0])
    ):
        event_id = _insert_event(
            session,
            org_id=org_id,
            owner=owner,
            event_name="PointsExpiry",
            created_at=expired_at,
        )
        session.execute(
            insert(LedgerEntry),
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


def _draw_lots(session: Session, debit: Debit, now: datetime) -> list[Lot]:
    owner_type, owner_id, program_id, category = debit.key
    lots = session.execute(
        select(PointAward.id, PointAward.remaining_milli, PointAward.expires_at)
        .where(
            PointAward.owner_type == owner_type,
            PointAward.owner_id == owner_id,
            PointAward.program_id == program_id,
            PointAward.category == category,
            PointAward.remaining_milli > 0,
        )
        .order_by(
            case((PointAward.expires_at.is_(None), 1), else_=0),
            PointAward.expires_at,
            PointAward.awarded_at,
            PointAward.id,
        )
    ).all()
    needed = debit.points_milli
    drawn: list[Lot] = []
    for lot_id, remaining, expires_at in lots:
        if needed == 0:
            break
        take = min(remaining, needed)
        drawn.append(Lot(lot_id, take, expires_at))
        needed -= take
    if needed:
        # The balance said yes but the lots say no: the ledger and the lots disagree.
        raise RuntimeError(f"lots of {debit.key} do not cover the balance")
    session.execute(
        update(PointAward),
        [
            {"id": lot.award_id, "remaining_milli": remaining - lot.points_milli}
            for lot, (_, remaining, _) in zip(drawn, lots, strict=False)
        ],
    )
    return drawn


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
    session.execute(
        insert(PointAward),
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
            }
            for milli, expiry in pieces
        ],
    )


def _store_balances(session: Session, balances: dict[Key, int]) -> None:
    if not balances:
        return
    table = _table(PointBalance)
    session.connection().execute(
        table.update()
        .where(
            table.c.owner_type == bindparam("k_type"),
            table.c.owner_id == bindparam("k_owner"),
            table.c.program_id == bindparam("k_program"),
            table.c.category == bindparam("k_category"),
        )
        .values(points_milli=bindparam("k_points")),
        [
            {
                "k_type": k[0],
                "k_owner": k[1],
                "k_program": k[2],
                "k_category": k[3],
                "k_points": v,
            }
            for k, v in balances.items()
        ],
    )


def _insert_event(
    session: Session,
    *,
    org_id: int,
    owner: Owner,
    event_name: str,
    created_at: datetime,
    till_id: int | None = None,
    transaction_id: int | None = None,
    transaction_number: str | None = None,
    notes: str | None = None,
) -> int:
    return session.execute(
        insert(LedgerEvent)
        .values(
            org_id=org_id,
            owner_type=owner.type,
            owner_id=owner.id,
            event_name=event_name,
            created_at=created_at,
            till_id=till_id,
            transaction_id=transaction_id,
            transaction_number=transaction_number,
            notes=notes,
        )
        .returning(LedgerEvent.id)
    ).scalar_one()


def _append_events(
    session: Session,
    *,
    org_id: int,
    event_name: str,
    created_at: datetime,
    movements: Sequence[Movement],
    till_id: int | None,
    transaction_id: int | None,
    transaction_number: str | None,
    notes: str | None,
) -> dict[Owner, int]:
    event_ids: dict[Owner, int] = {}
    for m in movements:
        if m.owner not in event_ids:
            event_ids[m.owner] = _insert_event(
                session,
                org_id=org_id,
                owner=m.owner,
                event_name=event_name,
                created_at=created_at,
                till_id=till_id,
                transaction_id=transaction_id,
                transaction_number=transaction_number,
                notes=notes,
            )
    session.execute(
        insert(LedgerEntry),
        [
            {
                "event_id": event_ids[m.owner],
                "org_id": org_id,
                "owner_type": m.owner.type,
                "owner_id": m.owner.id,
                "program_id": m.program_id,
                "category": m.category,
                "entry_type": m.entry_type if isinstance(m, Credit) else DEBIT,
                "points_milli": m.points_milli if isinstance(m, Credit) else -m.points_milli,
                "created_at": created_at,
            }
            for m in movements
        ],
    )
    return event_ids
