"""Finding customers by identifier, and the customer shapes Capillary responses embed."""

from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from capillary_emulator.customers.schemas import (
    Actor,
    Attribution,
    CommChannel,
    CustomerObject,
    Identifier,
    LoyaltyInfo,
    Profile,
    TransferParty,
)
from capillary_emulator.errors import CustomerNotFoundError, InvalidIdentifierError
from capillary_emulator.inputs import identifier_candidates, identifier_text, numeric_id
from capillary_emulator.models import Customer, CustomerIdentifier
from capillary_emulator.store.customers import (
    CustomerRecord,
    Lookup,
    find_customers,
    identifiers_of_two,
)
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import OrgInfo

IDENTIFIER_TYPES = {
    "mobile": "mobile",
    "email": "email",
    "externalid": "externalId",
    "external_id": "externalId",
    "cardnumber": "cardnumber",
    "card_number": "cardnumber",
    "cardexternalid": "cardExternalId",
    "card_external_id": "cardExternalId",
    "wechat": "wechat",
    "martjackid": "martjackId",
    "fbid": "fbId",
    "id": "id",
    "userid": "id",
    "user_id": "id",
}
"""Every spelling clients use (MOBILE, EXTERNAL_ID, externalId, ...) -> the stored type."""

SOURCES = {
    "FACEBOOK", "WEB_ENGAGE", "WECHAT", "INSTORE", "MARTJACK", "TMALL", "TAOBAO", "JD",
    "ECOMMERCE", "WEBSITE", "LINE", "MOBILE_APP", "ALL",
}  # fmt: skip


def identifier_type(raw: object, *, allowed: set[str] | None = None) -> str:
    """The canonical identifier type, or 8013 for one Capillary does not know."""
    if not isinstance(raw, str):
        raise InvalidIdentifierError()
    kind = IDENTIFIER_TYPES.get(raw.strip().lower())
    if kind is None or (allowed is not None and kind not in allowed):
        raise InvalidIdentifierError()
    return kind


# Built once: every request looks customers up, and building a statement costs more than
# running it.
_BY_ID = select(Customer).where(
    Customer.id == bindparam("customer_id"), Customer.org_id == bindparam("org_id")
)
_BY_IDENTIFIER = (
    select(Customer)
    .join(CustomerIdentifier, CustomerIdentifier.customer_id == Customer.id)
    .where(
        CustomerIdentifier.org_id == bindparam("org_id"),
        CustomerIdentifier.type == bindparam("kind"),
        CustomerIdentifier.value.in_(bindparam("values", expanding=True)),
    )
    .limit(1)
)


def customer_lookup(org: OrgInfo, kind: str, value: object) -> Lookup:
    """What to look for; 8015 at once for a value no customer can hold.

    Mobile numbers resolve with or without the org's default country code, as Capillary's do.
    """
    text = identifier_text(value)
    if text is None:
        raise CustomerNotFoundError()
    if kind == "id":
        customer_id = numeric_id(text)
        if customer_id is None:
            raise CustomerNotFoundError()
        return Lookup(customer_id=customer_id)
    candidates = identifier_candidates(kind, text, org.default_country_code)
    return Lookup(kind=kind, values=tuple(candidates))


def find_customer(session: Session, org: OrgInfo, kind: str, value: object) -> Customer:
    """The org's customer holding that identifier, as an ORM entity; 8015 when there is none.

    Another org's customers are never found.
    """
    lookup = customer_lookup(org, kind, value)
    if lookup.customer_id is not None:
        customer = session.execute(
            _BY_ID, {"customer_id": lookup.customer_id, "org_id": org.id}
        ).scalar_one_or_none()
    else:
        customer = session.execute(
            _BY_IDENTIFIER, {"org_id": org.id, "kind": lookup.kind, "values": list(lookup.values)}
        ).scalar_one_or_none()
    if customer is None:
        raise CustomerNotFoundError()
    return customer


def find_customer_records(
    session: Session, org: OrgInfo, lookups: list[Lookup]
) -> list[CustomerRecord]:
    """One or two customers in one statement, as plain records; 8015 for the first not found."""
    found = find_customers(Db(session), org.id, lookups)
    records = [record for record in found if record is not None]
    if len(records) != len(found):
        raise CustomerNotFoundError()
    return records


def find_customer_record(
    session: Session, org: OrgInfo, kind: str, value: object
) -> CustomerRecord:
    """`find_customer` as a plain record."""
    return find_customer_records(session, org, [customer_lookup(org, kind, value)])[0]


def party(customer: Customer | CustomerRecord) -> TransferParty:
    """`transferredFrom` / `transferredTo` of a transfer record."""
    return TransferParty(
        userId=customer.id, firstName=customer.first_name, lastName=customer.last_name
    )


def org_timezone(org: OrgInfo) -> timezone:
    return _timezone(org.timezone)


@lru_cache(maxsize=256)
def _timezone(offset: str) -> timezone:
    """An offset such as +05:30 as a timezone (parsed once: every answer renders times in it)."""
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def iso_in_org(moment: datetime, org: OrgInfo) -> str:
    """ISO-8601 with the org's offset, seconds precision: "2018-03-05T15:52:47+05:30"."""
    return moment.astimezone(org_timezone(org)).replace(microsecond=0).isoformat()


def legacy_in_org(moment: datetime, org: OrgInfo) -> str:
    """Capillary's legacy form in the org's time zone: "2021-07-16 15:53:42" (written by
    `isoformat`: strftime costs ~10 us a call)."""
    local = moment.astimezone(org_timezone(org))
    return local.replace(microsecond=0, tzinfo=None).isoformat(" ")


def customer_objects(
    session: Session, customers: tuple[CustomerRecord, CustomerRecord], org: OrgInfo
) -> tuple[CustomerObject, CustomerObject]:
    """`transferFrom` and `transferTo` of isTransferrable (their identifiers in one statement)."""
    first, second = customers
    identifiers = identifiers_of_two(Db(session), first.id, second.id)
    return (
        customer_object(first, identifiers[first.id], org),
        customer_object(second, identifiers[second.id], org),
    )


def customer_object(
    customer: CustomerRecord, identifiers: list[tuple[str, str]], org: OrgInfo
) -> CustomerObject:
    actor = (
        Actor(
            id=customer.created_by_till_id,
            code=customer.till_code,
            name=customer.till_code,
            type="TILL",
        )
        if customer.created_by_till_id and customer.till_code is not None
        else Actor(id=-1, code="", name="", type="TILL")
    )
    created = iso_in_org(customer.created_at, org)
    modified = iso_in_org(customer.modified_at, org)
    attribution = Attribution(
        createDate=created, createdBy=actor, modifiedBy=actor, modifiedDate=modified
    )
    profile = Profile(
        firstName=customer.first_name,
        lastName=customer.last_name,
        attribution=attribution,
        identifiers=[Identifier(type=kind, value=value) for kind, value in identifiers],
        commChannels=[
            CommChannel(type=kind, value=value)
            for kind, value in identifiers
            if kind in ("mobile", "email")
        ],
        source=customer.source,
        userId=customer.id,
        accountId=customer.account_id,
        autoUpdateTime=modified,
    )
    return CustomerObject(
        id=customer.id,
        profiles=[profile],
        loyaltyInfo=LoyaltyInfo(loyaltyType=customer.loyalty_type, attributionV2=attribution),
    )
