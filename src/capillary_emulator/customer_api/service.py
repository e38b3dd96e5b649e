"""The v2 customers API: look up, read with embeds, create and update customers.

Identifiers are unique per org (type and stored value); a mobile number is stored with the
org's country code. A merged-away customer is still answered, with 8069 in `warnings`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator.customer_api.schemas import (
    CustomerBody,
    CustomerCreated,
    CustomerDetails,
    CustomerEntity,
    LoyaltyProgramDetail,
)
from capillary_emulator.customers.service import (
    SOURCES,
    customer_object,
    find_customer_record,
    identifier_type,
    legacy_in_org,
)
from capillary_emulator.envelope import status_items
from capillary_emulator.errors import (
    CapillaryError,
    CustomerMergedWarning,
    DuplicateIdentifierError,
    InvalidCustomerProfileError,
    InvalidIdentifierError,
    V11CustomerNotFoundError,
)
from capillary_emulator.inputs import identifier_candidates, identifier_text
from capillary_emulator.points import counts_as_lifetime
from capillary_emulator.store import customer_profiles as store
from capillary_emulator.store.customers import CustomerRecord
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller, OrgInfo

EMBEDS = {"points", "mlp", "expiryschedules", "usergroup"}
"""The `embed` values that change the answer; others are accepted and ignored."""

STORED_TYPES = {"mobile", "email", "externalId", "cardnumber", "wechat", "martjackId", "fbId"}
"""Identifier types a profile may carry (`id` is the userId, never stored)."""


@dataclass(frozen=True)
class Who:
    """The customer a request names: by identifier (`identifierName` / `identifierValue`)."""

    kind: object
    value: object


def _find(session: Session, org: OrgInfo, who: Who) -> tuple[CustomerRecord, list[CapillaryError]]:
    record = find_customer_record(session, org, identifier_type(who.kind), who.value)
    warnings: list[CapillaryError] = []
    if record.merged_into_id is not None:
        warnings.append(CustomerMergedWarning())
    return record, warnings


def lookup(session: Session, *, org: OrgInfo, who: Who) -> CustomerEntity:
    record, warnings = _find(session, org, who)
    return CustomerEntity(entity=record.id, warnings=status_items(warnings))


_SUMS = ("main", "lifetime", "redeemed", "expired", "returned", "adjusted", "promised")


def _as_points(milli: int) -> float:
    return round(milli / 1000, 3)


def loyalty_program_details(
    db: Db, customer_id: int, programs: list[int]
) -> list[LoyaltyProgramDetail]:
    """Per program: Main balance, lifetime credits, redeemed (net of reversals), expired,
    returned (RETURN transactions), adjusted; promised points apart from Main."""
    sums: dict[int, dict[str, int]] = {p: dict.fromkeys(_SUMS, 0) for p in programs}
    for program, category, event, credit, total in store.point_summary(db, customer_id):
        s = sums.setdefault(program, dict.fromkeys(_SUMS, 0))
        if category != "Main":
            s["promised"] += total
            continue
        s["main"] += total
        if event.startswith("PointsRedemption"):
            s["redeemed"] -= total
        elif event == "PointsExpiry":
            s["expired"] -= total
        elif event == "ReturnBill":
            s["returned"] -= total
        elif not event.startswith(("TransactionAdd", "PointsTransfer", "DelayedAccrual")):
            s["adjusted"] += total
        if counts_as_lifetime(event, credit):
            s["lifetime"] += total
    return [
        LoyaltyProgramDetail(
            programId=p,
            loyaltyPoints=_as_points(s["main"]),
            lifetimePoints=_as_points(s["lifetime"]),
            redeemed=_as_points(s["redeemed"]),
            expired=_as_points(s["expired"]),
            returned=_as_points(s["returned"]),
            adjusted=_as_points(s["adjusted"]),
            promisedPoints=_as_points(s["promised"]),
        )
        for p, s in sorted(sums.items())
    ]


def _details(
    db: Db,
    caller: Caller,
    record: CustomerRecord,
    warnings: list[CapillaryError],
    embed: str | None,
) -> CustomerDetails:
    embeds = {e.strip().lower() for e in (embed or "").split(",") if e.strip()}
    base = customer_object(record, store.identifiers_of(db, record.id), caller.org)
    details = CustomerDetails(**base.model_dump(), warnings=status_items(warnings))
    if embeds & {"points", "mlp"}:
        details.loyaltyProgramDetails = loyalty_program_details(
            db, record.id, sorted(caller.programs)
        )
    return details


def customer_details(
    session: Session, *, caller: Caller, who: Who, embed: str | None
) -> CustomerDetails:
    record, warnings = _find(session, caller.org, who)
    return _details(Db(session), caller, record, warnings, embed)


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidCustomerProfileError()
    return raw.strip()[:200]


def _identifiers(org: OrgInfo, body: CustomerBody) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for given in body.profiles[0].identifiers if body.profiles else []:
        kind = identifier_type(given.type, allowed=STORED_TYPES)
        text = identifier_text(given.value)
        if text is None:
            raise InvalidIdentifierError()
        value = identifier_candidates(kind, text, org.default_country_code)[-1]
        if (kind, value) not in found:
            found.append((kind, value))
    return found


def _claim(
    db: Db, org: OrgInfo, customer_id: int | None, identifiers: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The identifiers the customer does not hold yet; a duplicate when another customer does."""
    new: list[tuple[str, str]] = []
    for kind, value in identifiers:
        holder = store.holder_of(db, org.id, kind, value)
        if holder is None:
            new.append((kind, value))
        elif holder != customer_id:
            raise DuplicateIdentifierError(kind=kind, value=value)
    return new


def register_customer(
    db: Db,
    caller: Caller,
    *,
    first_name: str,
    last_name: str,
    source: str,
    loyalty_type: str,
    identifiers: list[tuple[str, str]],
    now: datetime,
) -> int:
    """A new customer holding `identifiers` (checked free by `_claim`); returns the id.

    An identifier a concurrent request claimed in between is a duplicate all the same (the
    request is rolled back: nothing was committed)."""
    customer_id = store.insert_customer(
        db,
        org_id=caller.org.id,
        first_name=first_name,
        last_name=last_name,
        source=source,
        account_id="",
        status="ACTIVE",
        loyalty_type=loyalty_type,
        lifetime_purchases=0,
        created_at=now,
        modified_at=now,
        created_by_till_id=caller.till.id,
    )
    add_identifiers(db, caller.org, customer_id, identifiers)
    return customer_id


def add_identifiers(
    db: Db, org: OrgInfo, customer_id: int, identifiers: list[tuple[str, str]]
) -> None:
    for kind, value in identifiers:
        if not store.add_identifier(db, org.id, customer_id, kind, value):
            raise DuplicateIdentifierError(kind=kind, value=value)


def create_customer(
    session: Session, *, caller: Caller, body: CustomerBody, now: datetime
) -> CustomerCreated:
    db = Db(session)
    identifiers = _identifiers(caller.org, body)
    if not body.profiles or not identifiers:
        raise InvalidCustomerProfileError()
    profile = body.profiles[0]
    new = _claim(db, caller.org, None, identifiers)
    source = _text(profile.source).upper() or "INSTORE"
    if source not in SOURCES:
        raise InvalidCustomerProfileError()
    loyalty = _text(body.loyaltyInfo.loyaltyType).lower() or "loyalty"
    if loyalty not in ("loyalty", "non_loyalty"):
        raise InvalidCustomerProfileError()
    customer_id = register_customer(
        db,
        caller,
        first_name=_text(profile.firstName),
        last_name=_text(profile.lastName),
        source=source,
        loyalty_type=loyalty,
        identifiers=new,
        now=now,
    )
    return CustomerCreated(createdId=customer_id)


def update_customer(
    session: Session, *, caller: Caller, who: Who, body: CustomerBody, now: datetime
) -> CustomerCreated:
    """Names as given (a missing one is kept); identifiers not held yet are added."""
    db = Db(session)
    record, warnings = _find(session, caller.org, who)
    new = _claim(db, caller.org, record.id, _identifiers(caller.org, body))
    profile = body.profiles[0] if body.profiles else None
    first = (
        record.first_name
        if profile is None or profile.firstName is None
        else _text(profile.firstName)
    )
    last = (
        record.last_name if profile is None or profile.lastName is None else _text(profile.lastName)
    )
    store.update_profile(
        db, record.id, first_name=first, last_name=last, loyalty_type=record.loyalty_type, now=now
    )
    add_identifiers(db, caller.org, record.id, new)
    return CustomerCreated(createdId=record.id, warnings=status_items(warnings))


V11_IDENTIFIERS = (
    ("mobile", "mobile"),
    ("email", "email"),
    ("external_id", "externalId"),
    ("id", "id"),
)
"""v1.1 query parameter -> identifier type, in the order customers are listed."""


def v11_customer(
    db: Db,
    caller: Caller,
    record: CustomerRecord,
    message: str = "Customer successfully retrieved",
) -> dict[str, Any]:
    """One customer as the v1.1 customer calls answer it, with a success `item_status`."""
    contacts = dict(store.identifiers_of(db, record.id))
    details = loyalty_program_details(db, record.id, sorted(caller.programs))
    main = sum(d.loyaltyPoints for d in details)
    lifetime = sum(d.lifetimePoints for d in details)
    return {
        "user_id": record.id,
        "firstname": record.first_name,
        "lastname": record.last_name,
        "mobile": contacts.get("mobile", ""),
        "email": contacts.get("email", ""),
        "external_id": contacts.get("externalId", ""),
        "loyalty_points": int(main) if main == int(main) else main,
        "lifetime_points": int(lifetime) if lifetime == int(lifetime) else lifetime,
        "lifetime_purchases": 0,
        "type": "LOYALTY" if record.loyalty_type == "loyalty" else "NON_LOYALTY",
        "source": record.source,
        "registered_on": legacy_in_org(record.created_at, caller.org),
        "updated_on": legacy_in_org(record.modified_at, caller.org),
        "registered_till": {"code": record.till_code or ""},
        "points_summaries": {
            "points_summary": [
                {
                    "program_id": d.programId,
                    "loyaltyPoints": d.loyaltyPoints,
                    "lifetimePoints": d.lifetimePoints,
                    "redeemed": d.redeemed,
                    "expired": d.expired,
                    "returned": d.returned,
                    "adjusted": d.adjusted,
                }
                for d in details
            ]
        },
        "item_status": {
            "success": "true",
            "code": 1000,
            "message": message,
        },
    }


def v11_customers(session: Session, *, caller: Caller, query: dict[str, str]) -> dict[str, Any]:
    """GET /v1.1/customer/get: one item per value given (comma lists allowed); a value naming
    no one is an item with code 1012; the status is 500 when no item succeeded."""
    db = Db(session)
    not_found = V11CustomerNotFoundError()
    items: list[dict[str, Any]] = []
    for param, kind in V11_IDENTIFIERS:
        for value in (v.strip() for v in query.get(param, "").split(",")):
            if not value:
                continue
            try:
                record = find_customer_record(session, caller.org, kind, value)
            except CapillaryError:
                items.append({param: value, "item_status": v11_item_status(not_found)})
                continue
            items.append(v11_customer(db, caller, record))
    return {"response": {"status": v11_batch_status(items), "customers": {"customer": items}}}


def v11_item_status(failure: CapillaryError) -> dict[str, Any]:
    return {"success": "false", "code": failure.code, "message": failure.text}


def v11_batch_status(items: list[dict[str, Any]]) -> dict[str, Any]:
    """v1.1's request status: 200 every item succeeded, 201 some, 500 none."""
    found = sum(1 for i in items if i["item_status"]["success"] == "true")
    return {
        "success": "true" if found else "false",
        "code": 200 if found == len(items) and found else (201 if found else 500),
        "message": "Success" if found else "All requests have failed due to errors",
        "total": len(items),
        "success_count": found,
    }
