"""Finding user groups (USERGROUP2) and the group object transfer records embed.

Here rather than in groups/ because customer transfer history finds and renders groups too,
and the customer family must not import the group family.
"""

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import find_customer_record, iso_in_org
from capillary_emulator.errors import CustomerNotFoundError, GroupNotValidError
from capillary_emulator.inputs import numeric_id
from capillary_emulator.points import as_float
from capillary_emulator.store import groups as store
from capillary_emulator.store.groups import GroupRecord
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import OrgInfo
from capillary_emulator.transfer_core.schemas import FleetGroupUser, GroupObject, GroupRef

GROUP_IDENTIFIER_TYPES = {
    "id": "id",
    "groupid": "id",
    "externalid": "externalId",
    "primaryuserid": "primaryUserId",
    "primaryusercardnumber": "primaryUserCardnumber",
    "primaryusermobile": "primaryUserMobile",
    "primaryuseremail": "primaryUserEmail",
}
_PRIMARY_USER_LOOKUP = {
    "primaryUserId": "id",
    "primaryUserCardnumber": "cardnumber",
    "primaryUserMobile": "mobile",
    "primaryUserEmail": "email",
}


def group_identifier_type(raw: object) -> str | None:
    return GROUP_IDENTIFIER_TYPES.get(raw.strip().lower()) if isinstance(raw, str) else None


def find_group(session: Session, org: OrgInfo, kind: str, value: object) -> GroupRecord:
    """The org's group for a group identifier; 1645 when there is none."""
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise GroupNotValidError()
    text = str(value).strip()
    if "\x00" in text:  # Postgres refuses NUL in text binds; no identifier holds one
        raise GroupNotValidError()
    db = Db(session)
    if kind == "id":
        group_id = numeric_id(text)
        if group_id is None:
            raise GroupNotValidError()
        group = store.find_group(db, org.id, "id", group_id)
    elif kind == "externalId":
        group = store.find_group(db, org.id, "externalId", text)
    elif kind in _PRIMARY_USER_LOOKUP:
        try:
            primary = find_customer_record(session, org, _PRIMARY_USER_LOOKUP[kind], text)
        except CustomerNotFoundError:
            raise GroupNotValidError() from None
        group = store.find_group(db, org.id, "primaryMember", primary.id)
    else:
        raise GroupNotValidError()
    if group is None:
        raise GroupNotValidError()
    return group


def group_side(session: Session, group_id: int, org: OrgInfo) -> GroupObject | GroupRef:
    """The group side of a transfer record: its object, or only its id once it is gone."""
    group = store.group(Db(session), group_id)
    return group_object(session, group, org) if group is not None else GroupRef(id=group_id)


def group_object(session: Session, group: GroupRecord, org: OrgInfo) -> GroupObject:
    lifetime = as_float(group.lifetime_purchases)
    return GroupObject(
        id=group.id,
        externalId=group.external_id,
        groupName=group.name,
        groupStatus=group.status,
        fleetGroupUsers=[
            FleetGroupUser(
                userId=m.customer_id,
                groupId=m.group_id,
                defaultGroup=m.default_group,
                active=m.active,
                primaryMember=m.primary_member,
            )
            for m in store.members_of(Db(session), group.id)
        ],
        createdBy=group.created_by,
        createdOn=iso_in_org(group.created_on, org),
        maxGroupSize=group.max_group_size,
        lifeTimePurchases=int(lifetime) if lifetime.is_integer() else lifetime,
    )
