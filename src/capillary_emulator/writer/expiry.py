"""The expiry sweep: debit every lot whose expiry has passed, as `PointsExpiry` events.

Moving the clock sweeps a whole org; reads and spends sweep their owner first, so no request
sees expired points. The writes go through the ledger writer (`lock_balances`, `expire_lots`,
`store_balances`): this module only finds what is due (store/expiry.py).

A read-only request's transaction on SQLite is a deferred snapshot without the write lock, so
the sweep asks for the lock (`db.require_write_lock`) before its first write: the request is
then served again from the start under the write lock (`RequestContext.read`).
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from capillary_emulator.db import require_write_lock
from capillary_emulator.store import expiry
from capillary_emulator.store.sql import Db, Row
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
    """Debit the unspent part of every lot whose expiry has passed; returns thousandths expired.

    With `owners`, only theirs (one statement when nothing is due, the usual case); without,
    the whole org's.
    """
    db = Db(session)
    scopes: list[tuple[str, int] | None] = (
        [None] if owners is None else list(dict.fromkeys((o.type, o.id) for o in owners))
    )
    keys: set[Key] = set()
    for scope in scopes:
        keys |= expiry.due_keys(db, org_id=org_id, now=now, owner=scope)
    if not keys:
        return 0
    require_write_lock(session)
    balances = lock_balances(session, org_id=org_id, keys=keys)
    # Read the due lots again now that their keys are locked: another worker may have
    # expired them in the meantime. Lots of keys that were not due a moment ago wait for
    # the next sweep.
    due: list[Row] = [
        lot
        for scope in scopes
        for lot in expiry.due_lots(db, org_id=org_id, now=now, owner=scope)
        if (lot[1], lot[2], lot[3], lot[4]) in balances
    ]
    due.sort(key=lambda lot: (lot[6], lot[0]))
    expired = expire_lots(session, org_id=org_id, due=due, balances=balances)
    store_balances(session, balances)
    return expired
