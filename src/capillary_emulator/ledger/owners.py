"""Finding whose ledger a request reads: a customer by any identifier, or a user group."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from capillary_emulator.customers.service import find_customer
from capillary_emulator.ledger.query import Target
from capillary_emulator.ledger.schemas import CustomerDetails
from capillary_emulator.models import CUSTOMER, USERGROUP2, CustomerIdentifier
from capillary_emulator.tenancy import OrgInfo
from capillary_emulator.transfer_core.groups import find_group
from capillary_emulator.writer.core import Owner


@dataclass(frozen=True)
class LedgerOwner:
    owner: Owner
    customer_id: int
    """`customerId` of each entry: the userId, or minus the groupId for a group (as Capillary)."""
    details: CustomerDetails


def find_owner(session: Session, org: OrgInfo, target: Target) -> LedgerOwner:
    """The named owner; 8015 (customer) or 1645 (group) when the org has none such."""
    if target.owner_type == USERGROUP2:
        group = find_group(session, org, target.identifier, target.value)
        return LedgerOwner(
            owner=Owner(USERGROUP2, group.id),
            customer_id=-group.id,
            details=CustomerDetails(
                userId=-group.id,
                groupId=group.id,
                externalId=group.external_id,
                entityType=USERGROUP2,
            ),
        )
    customer = find_customer(session, org, target.identifier, target.value)
    if target.identifier == "externalId":
        external_id: str | None = str(target.value).strip()
    else:
        external_id = session.execute(
            select(CustomerIdentifier.value)
            .where(
                CustomerIdentifier.customer_id == customer.id,
                CustomerIdentifier.type == "externalId",
            )
            .limit(1)
        ).scalar_one_or_none()
    return LedgerOwner(
        owner=Owner(CUSTOMER, customer.id),
        customer_id=customer.id,
        details=CustomerDetails(
            firstName=customer.first_name,
            lastName=customer.last_name,
            userId=customer.id,
            externalId=external_id,
            entityType=CUSTOMER,
        ),
    )
