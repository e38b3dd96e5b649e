"""The expiry sweep: debit every lot whose expiry has passed, as `PointsExpiry` events.

Moving the clock sweeps a whole org; reads and spends sweep their owner first, so no request
sees expired points. The writes go through the ledger writer (`lock_balances`, `expire_lots`,
`store_balances`): this module only finds what is due.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from capillary_emulator.models import PointAward
from capillary_emulator.writer.core import (
    Key,
    Owner,
    expire_lots,
    lock_balances,
    store_balances,
)


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
        # Reads call this for one owner on every request; almost always nothing is due, and
        # one prebuilt probe per owner says so without building the sweep below.
        if not any(
            session.execute(_ANY_DUE, {"owner_type": o.type, "owner_id": o.id, "now": now}).first()
            for o in owner_list
        ):
            return 0
        query = query.where(_any_owner(owner_list))
    keys: list[Key] = sorted({(r[0], r[1], r[2], r[3]) for r in session.execute(query.distinct())})
    if not keys:
        return 0
    balances = lock_balances(session, org_id=org_id, keys=keys)
    # Read the due lots again now that their keys are locked: another worker may have
    # expired them in the meantime.
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
            or_(*(_key_condition(k) for k in keys)),
            PointAward.remaining_milli > 0,
            PointAward.expires_at.is_not(None),
            PointAward.expires_at <= now,
        )
        .order_by(PointAward.expires_at, PointAward.id)
    ).all()
    expired = expire_lots(session, org_id=org_id, due=due, balances=balances)
    store_balances(session, balances)
    return expired


_ANY_DUE = (
    select(PointAward.id)
    .where(
        PointAward.owner_type == bindparam("owner_type"),
        PointAward.owner_id == bindparam("owner_id"),
        PointAward.remaining_milli > 0,
        PointAward.expires_at.is_not(None),
        PointAward.expires_at <= bindparam("now"),
    )
    .limit(1)
)


def _key_condition(key: Key) -> ColumnElement[bool]:
    return and_(
        PointAward.owner_type == key[0],
        PointAward.owner_id == key[1],
        PointAward.program_id == key[2],
        PointAward.category == key[3],
    )


def _any_owner(owners: list[Owner]) -> ColumnElement[bool]:
    return or_(
        *(and_(PointAward.owner_type == o.type, PointAward.owner_id == o.id) for o in owners)
    )
