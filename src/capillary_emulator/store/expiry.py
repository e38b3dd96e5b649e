"""The expiry sweep's reads: which keys hold lots due to expire, and those lots once locked."""

from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, select

from capillary_emulator.models import PointAward
from capillary_emulator.store.sql import Db, Row, Statement

Key = tuple[str, int, int, str]
"""(owner_type, owner_id, program_id, category)."""


def _due() -> list[ColumnElement[bool]]:
    return [
        PointAward.remaining_milli > 0,
        PointAward.expires_at.is_not(None),
        PointAward.expires_at <= bindparam("now"),
    ]


def _of_org() -> list[ColumnElement[bool]]:
    return [PointAward.org_id == bindparam("org_id"), *_due()]


def _of_owner() -> list[ColumnElement[bool]]:
    # No org condition: owner ids are unique across orgs, and one would lead SQLite to walk
    # the org's lots (ix_point_awards_org_id) instead of the owner's (ix_point_awards_owner).
    return [
        PointAward.owner_type == bindparam("owner_type"),
        PointAward.owner_id == bindparam("owner_id"),
        *_due(),
    ]


_KEY = (PointAward.owner_type, PointAward.owner_id, PointAward.program_id, PointAward.category)
_LOT = (PointAward.id, *_KEY, PointAward.remaining_milli, PointAward.expires_at)

DUE_KEYS_OF_ORG = Statement("due_keys_of_org", lambda: select(*_KEY).where(*_of_org()).distinct())
DUE_KEYS_OF_OWNER = Statement(
    "due_keys_of_owner", lambda: select(*_KEY).where(*_of_owner()).distinct()
)
DUE_LOTS_OF_ORG = Statement(
    "due_lots_of_org",
    lambda: select(*_LOT).where(*_of_org()).order_by(PointAward.expires_at, PointAward.id),
)
DUE_LOTS_OF_OWNER = Statement(
    "due_lots_of_owner",
    lambda: select(*_LOT).where(*_of_owner()).order_by(PointAward.expires_at, PointAward.id),
)


def due_keys(db: Db, *, org_id: int, now: datetime, owner: tuple[str, int] | None) -> set[Key]:
    """The keys with a lot due by `now`: of one owner (of the org), or (None) of the whole org."""
    if owner is None:
        rows = db.rows(DUE_KEYS_OF_ORG, org_id=org_id, now=now)
    else:
        rows = db.rows(DUE_KEYS_OF_OWNER, now=now, owner_type=owner[0], owner_id=owner[1])
    return {(r[0], r[1], r[2], r[3]) for r in rows}


def due_lots(db: Db, *, org_id: int, now: datetime, owner: tuple[str, int] | None) -> list[Row]:
    """(id, owner_type, owner_id, program_id, category, remaining, expires_at) of every lot due
    by `now`, of one owner or of the whole org, earliest expiry first."""
    if owner is None:
        return db.rows(DUE_LOTS_OF_ORG, org_id=org_id, now=now)
    return db.rows(DUE_LOTS_OF_OWNER, now=now, owner_type=owner[0], owner_id=owner[1])
