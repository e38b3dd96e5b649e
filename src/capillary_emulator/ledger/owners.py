"""Finding whose ledger a request reads: a customer by any identifier, or a user group.

The same rules as `customers.service.find_customer` and `transfer_core.groups.find_group`
(and the same errors), in one statement that also says whether any of the owner's points are
due to expire (store/ledger_owners.py).
"""

from dataclasses import dataclass
from datetime import datetime

from capillary_emulator.errors import (
    CapillaryWarning,
    CustomerNotFoundError,
    GroupNotValidError,
    LedgerUserIdInvalidError,
    MergedCustomerWarning,
)
from capillary_emulator.inputs import identifier_candidates, identifier_text, numeric_id
from capillary_emulator.ledger.query import Target
from capillary_emulator.ledger.schemas import CustomerDetails
from capillary_emulator.models import CUSTOMER, USERGROUP2
from capillary_emulator.store import ledger_owners
from capillary_emulator.store.sql import Db, Row
from capillary_emulator.tenancy import OrgInfo
from capillary_emulator.writer.core import Owner

_PRIMARY_USER_LOOKUP = {
    "primaryUserId": "id",
    "primaryUserCardnumber": "cardnumber",
    "primaryUserMobile": "mobile",
    "primaryUserEmail": "email",
}


MAX_MERGE_HOPS = 8
"""Merges followed from a merged-away customer to the surviving account (a chain, not a loop)."""


@dataclass(frozen=True)
class LedgerOwner:
    owner: Owner
    customer_id: int
    """`customerId` of each entry: the userId, or minus the groupId for a group (as Capillary)."""
    details: CustomerDetails
    points_due: bool
    """Whether some of the owner's points expired by the request's `now` are not yet swept."""
    warnings: tuple[CapillaryWarning, ...] = ()
    """8069 when the identifier named a merged-away customer and this is the surviving one."""


def find_owner(db: Db, org: OrgInfo, target: Target, now: datetime) -> LedgerOwner:
    """The named owner; 8015 (customer) or 1645 (group) when the org has none such."""
    if target.owner_type == USERGROUP2:
        found = _find_group(db, org, target.identifier, target.value, now)
        return _group_owner(found, target.entity_type)
    row = _find_customer(db, org, target.identifier, target.value, now)
    if row is None:
        raise CustomerNotFoundError()
    warnings: tuple[CapillaryWarning, ...] = ()
    named_external_id = target.identifier == "externalId"
    for _ in range(MAX_MERGE_HOPS):
        merged_into = row[5]
        if merged_into is None:
            break
        # The newer docs: reads of a merged-away customer answer for the surviving account,
        # with warning 8069.
        survivor = ledger_owners.customer_by_id(db, org_id=org.id, customer_id=merged_into, now=now)
        if survivor is None:
            break
        row, warnings, named_external_id = survivor, (MergedCustomerWarning(),), False
    customer_id, first_name, last_name, external_id, due, _merged = row
    if named_external_id:
        external_id = str(target.value).strip()
    return LedgerOwner(
        owner=Owner(CUSTOMER, customer_id),
        customer_id=customer_id,
        details=CustomerDetails(
            firstName=first_name,
            lastName=last_name,
            userId=customer_id,
            externalId=external_id,
            entityType=CUSTOMER,
        ),
        points_due=bool(due),
        warnings=warnings,
    )


def _find_customer(db: Db, org: OrgInfo, kind: str, value: object, now: datetime) -> Row | None:
    text = identifier_text(value)
    if text is None:
        return None
    if kind == "id":
        customer_id = numeric_id(text)
        if customer_id is None:  # the newer docs' code for a userId that cannot be one
            raise LedgerUserIdInvalidError()
        return ledger_owners.customer_by_id(db, org_id=org.id, customer_id=customer_id, now=now)
    return ledger_owners.customer_by_identifier(
        db,
        org_id=org.id,
        kind=kind,
        values=identifier_candidates(kind, text, org.default_country_code),
        now=now,
    )


def _find_group(db: Db, org: OrgInfo, kind: str, value: object, now: datetime) -> Row:
    text = identifier_text(value)
    if text is None:
        raise GroupNotValidError()
    row: Row | None = None
    if kind == "id":
        group_id = numeric_id(text)
        if group_id is not None:
            row = ledger_owners.group_by_id(db, org_id=org.id, group_id=group_id, now=now)
    elif kind == "externalId":
        row = ledger_owners.group_by_external_id(db, org_id=org.id, external_id=text, now=now)
    elif kind in _PRIMARY_USER_LOOKUP:
        member_kind = _PRIMARY_USER_LOOKUP[kind]
        if member_kind == "id":
            customer_id = numeric_id(text)
            if customer_id is not None:
                row = ledger_owners.group_by_primary_id(
                    db, org_id=org.id, customer_id=customer_id, now=now
                )
        else:
            row = ledger_owners.group_by_primary_identifier(
                db,
                org_id=org.id,
                kind=member_kind,
                values=identifier_candidates(member_kind, text, org.default_country_code),
                now=now,
            )
    if row is None:
        raise GroupNotValidError()
    return row


def _group_owner(row: Row, entity_type: str) -> LedgerOwner:
    group_id, external_id, due = row
    return LedgerOwner(
        owner=Owner(USERGROUP2, group_id),
        customer_id=-group_id,
        details=CustomerDetails(
            userId=-group_id, groupId=group_id, externalId=external_id, entityType=entity_type
        ),
        points_due=bool(due),
    )
