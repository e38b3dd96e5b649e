"""User groups (USERGROUP2): found by id, external id or primary member, and their members."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.sql.expression import Executable

from capillary_emulator.models import UserGroup, UserGroupMember
from capillary_emulator.store.sql import Db, Statement


@dataclass(frozen=True)
class GroupRecord:
    id: int
    org_id: int
    external_id: str | None
    name: str
    status: str
    """ACTIVE, INACTIVE or DELETED."""
    created_by: int | None
    created_on: datetime
    lifetime_purchases: int
    """Thousandths of the org's currency."""
    max_group_size: int


@dataclass(frozen=True)
class MemberRecord:
    customer_id: int
    group_id: int
    default_group: bool
    active: bool
    primary_member: bool
    allow_points_transfer: bool


_GROUP_COLUMNS = (
    UserGroup.id,
    UserGroup.org_id,
    UserGroup.external_id,
    UserGroup.name,
    UserGroup.status,
    UserGroup.created_by,
    UserGroup.created_on,
    UserGroup.lifetime_purchases,
    UserGroup.max_group_size,
)
_MEMBER_COLUMNS = (
    UserGroupMember.customer_id,
    UserGroupMember.group_id,
    UserGroupMember.default_group,
    UserGroupMember.active,
    UserGroupMember.primary_member,
    UserGroupMember.allow_points_transfer,
)


def _group_by(kind: str) -> Executable:
    query = select(*_GROUP_COLUMNS).where(UserGroup.org_id == bindparam("org_id"))
    if kind == "id":
        query = query.where(UserGroup.id == bindparam("value"))
    elif kind == "externalId":
        query = query.where(UserGroup.external_id == bindparam("value"))
    else:
        query = query.join(UserGroupMember, UserGroupMember.group_id == UserGroup.id).where(
            UserGroupMember.customer_id == bindparam("value"),
            UserGroupMember.primary_member.is_(True),
        )
    return query.limit(1)


def _statement_by(kind: str) -> Statement:
    return Statement(f"group_by_{kind}", lambda: _group_by(kind))


GROUP_BY = {kind: _statement_by(kind) for kind in ("id", "externalId", "primaryMember")}
"""By id, by external id, by the customer id of its primary member; all within an org."""
GROUP = Statement("group", lambda: select(*_GROUP_COLUMNS).where(UserGroup.id == bindparam("id")))
MEMBERS = Statement(
    "group_members",
    lambda: (
        select(*_MEMBER_COLUMNS)
        .where(UserGroupMember.group_id == bindparam("group_id"))
        .order_by(UserGroupMember.position, UserGroupMember.customer_id)
    ),
)
MEMBER = Statement(
    "group_member",
    lambda: select(*_MEMBER_COLUMNS).where(
        UserGroupMember.group_id == bindparam("group_id"),
        UserGroupMember.customer_id == bindparam("customer_id"),
    ),
)


def find_group(db: Db, org_id: int, by: str, value: int | str) -> GroupRecord | None:
    """`by` is id, externalId or primaryMember (a customer id)."""
    row = db.first(GROUP_BY[by], org_id=org_id, value=value)
    return None if row is None else GroupRecord(*row)


def group(db: Db, group_id: int) -> GroupRecord | None:
    """The group with that id, in any org."""
    row = db.first(GROUP, id=group_id)
    return None if row is None else GroupRecord(*row)


def members_of(db: Db, group_id: int) -> list[MemberRecord]:
    """In the order they were added."""
    return [MemberRecord(*row) for row in db.rows(MEMBERS, group_id=group_id)]


def member(db: Db, group_id: int, customer_id: int) -> MemberRecord | None:
    row = db.first(MEMBER, group_id=group_id, customer_id=customer_id)
    return None if row is None else MemberRecord(*row)
