"""The v1.1 customer calls beyond customer/get: add, update, transactions, redemptions.

Bodies are `{"root": {"customer": [...]}}` (a single object is taken as a list of one); every
item succeeds or fails on its own, in v1.1's envelope (`item_status` per item, the request's
`status` 200 / 201 / 500). Customers are written as the v2 customers API writes them.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator.customer_api.service import (
    add_identifiers,
    register_customer,
    v11_batch_status,
    v11_customer,
    v11_item_status,
)
from capillary_emulator.customers.service import (
    SOURCES,
    find_customer_record,
    legacy_in_org,
    org_timezone,
)
from capillary_emulator.errors import (
    CapillaryError,
    CapillaryWarning,
    InvalidInputError,
    V11CustomerNotFoundError,
    V11EmailTakenError,
    V11ExternalIdTakenError,
    V11IdentifierOccupiedWarning,
    V11IdentifierUpdateNotAllowedWarning,
    V11InvalidEmailError,
    V11InvalidExternalIdError,
    V11InvalidMobileError,
    V11LoyaltyDowngradeError,
    V11LoyaltyRegistrationError,
    V11MobileTakenError,
    V11NoIdentifierError,
    V11NoPrimaryIdentifierError,
)
from capillary_emulator.inputs import identifier_candidates, is_true, storable
from capillary_emulator.redemptions.rendering import points_number, points_text
from capillary_emulator.store import customer_history as history
from capillary_emulator.store import customer_profiles as profiles
from capillary_emulator.store.customers import CustomerRecord
from capillary_emulator.store.sql import Db, savepoint
from capillary_emulator.tenancy import Caller, OrgInfo

CONTACTS = (("mobile", "mobile"), ("email", "email"), ("external_id", "externalId"))
"""v1.1 contact keys -> stored identifier types, in the order v1.1 reads them."""
LOOKUP_KEYS = (*CONTACTS, ("id", "id"))
"""What names a customer (`user_id` is a flag on the listings: show the id)."""
TAKEN = {"mobile": V11MobileTakenError, "email": V11EmailTakenError}
INVALID = {"mobile": V11InvalidMobileError, "email": V11InvalidEmailError}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MOBILE_DIGITS = range(6, 16)
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000


def _items(root: object) -> list[Any]:
    customers = root.get("customer") if isinstance(root, dict) else None
    items = [customers] if isinstance(customers, dict) else customers
    if not isinstance(items, list) or not items:
        raise InvalidInputError(detail="root.customer must be an object or a list of objects")
    return items


def _text(item: dict[str, Any], key: str) -> str | None:
    raw = item.get(key)
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        raw = str(raw)
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    return text[:200] if storable(text) else None


def _contact(org: OrgInfo, kind: str, text: str) -> str:
    """The stored form of a contact, or the contact's "invalid" error."""
    if kind == "mobile":
        digits = text.lstrip("+").replace(" ", "").replace("-", "")
        if not digits.isdigit() or len(digits) not in MOBILE_DIGITS:
            raise V11InvalidMobileError()
        return identifier_candidates("mobile", digits, org.default_country_code)[-1]
    if kind == "email":
        if not EMAIL.fullmatch(text):
            raise V11InvalidEmailError()
        return identifier_candidates("email", text, org.default_country_code)[-1]
    if not text:
        raise V11InvalidExternalIdError()
    return text


def _contacts(org: OrgInfo, item: dict[str, Any]) -> list[tuple[str, str]]:
    """(stored type, stored value) of the contacts an item gives; "" is "not given"."""
    found = []
    for key, kind in CONTACTS:
        raw = item.get(key)
        if raw is None or raw == "":
            continue
        text = _text(item, key)
        if text is None:
            raise INVALID.get(kind, V11InvalidExternalIdError)()
        if text:
            found.append((kind, _contact(org, kind, text)))
    return found


def _loyalty(raw: object, default: str) -> str:
    if raw is None or raw == "":
        return default
    kind = str(raw).strip().upper()
    if kind == "LOYALTY":
        return "loyalty"
    if kind == "NON_LOYALTY":
        return "non_loyalty"
    raise V11LoyaltyRegistrationError()


def _failed(item: object, failure: CapillaryError) -> dict[str, Any]:
    given = item if isinstance(item, dict) else {}
    echoed = {key: _text(given, key) or "" for key, _ in CONTACTS}
    return {**echoed, "item_status": v11_item_status(failure)}


def _each(
    session: Session, items: list[Any], handle: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """Every item on its own savepoint: a refused item leaves the others in place."""
    answers = []
    for item in items:
        try:
            if not isinstance(item, dict):
                raise V11NoIdentifierError()
            with savepoint(session):
                answers.append(handle(item))
        except CapillaryError as failure:
            answers.append(_failed(item, failure))
    return {"response": {"status": v11_batch_status(answers), "customers": {"customer": answers}}}


def _with_warnings(answer: dict[str, Any], warnings: list[CapillaryWarning]) -> dict[str, Any]:
    if warnings:
        answer["item_status"]["warnings"] = {"warning": [w.code for w in warnings]}
    return answer


# --- POST /v1.1/customer/add -------------------------------------------------------------------


def add_customers(
    session: Session, *, caller: Caller, root: object, now: datetime
) -> dict[str, Any]:
    db = Db(session)

    def add(item: dict[str, Any]) -> dict[str, Any]:
        contacts = _contacts(caller.org, item)
        if not contacts:
            raise V11NoPrimaryIdentifierError()
        for kind, value in contacts:
            if profiles.holder_of(db, caller.org.id, kind, value) is not None:
                raise TAKEN.get(kind, V11ExternalIdTakenError)()
        source = (_text(item, "source") or "INSTORE").upper()
        customer_id = register_customer(
            db,
            caller,
            first_name=_text(item, "firstname") or "",
            last_name=_text(item, "lastname") or "",
            source=source if source in SOURCES else "INSTORE",
            loyalty_type=_loyalty(item.get("type"), "loyalty"),
            identifiers=contacts,
            now=now,
        )
        record = find_customer_record(session, caller.org, "id", customer_id)
        return v11_customer(db, caller, record, "Customer registration successful")

    return _each(session, _items(root), add)


# --- POST /v1.1/customer/update ----------------------------------------------------------------


def _named(session: Session, caller: Caller, given: dict[str, Any]) -> CustomerRecord:
    """The customer the first identifier that names one names; 1015 without any, 1012 when
    none of them names a customer."""
    asked = False
    for key, kind in LOOKUP_KEYS:
        text = _text(given, key)
        if not text:
            continue
        asked = True
        try:
            return find_customer_record(session, caller.org, kind, text)
        except CapillaryError:
            continue
    raise V11CustomerNotFoundError() if asked else V11NoIdentifierError()


def update_customers(
    session: Session, *, caller: Caller, root: object, now: datetime
) -> dict[str, Any]:
    """Names and custom values as given; `type` LOYALTY enrols a non-loyalty customer (never
    the other way, 1046). Identifiers the customer lacks are added (91007 when someone else
    holds one); one it holds with another value is not changed (91006)."""
    db = Db(session)

    def update(item: dict[str, Any]) -> dict[str, Any]:
        record = _named(session, caller, item)
        loyalty = _loyalty(item.get("type"), record.loyalty_type)
        if record.loyalty_type == "loyalty" and loyalty != "loyalty":
            raise V11LoyaltyDowngradeError()
        held = dict(profiles.identifiers_of(db, record.id))
        warnings: list[CapillaryWarning] = []
        new = []
        for kind, value in _contacts(caller.org, item):
            if held.get(kind) == value:
                continue
            if kind in held:
                warnings.append(V11IdentifierUpdateNotAllowedWarning(kind=kind))
            elif profiles.holder_of(db, caller.org.id, kind, value) is not None:
                warnings.append(V11IdentifierOccupiedWarning(kind=kind))
            else:
                new.append((kind, value))
        first, last = _text(item, "firstname"), _text(item, "lastname")
        profiles.update_profile(
            db,
            record.id,
            first_name=record.first_name if first is None else first,
            last_name=record.last_name if last is None else last,
            loyalty_type=loyalty,
            now=now,
        )
        add_identifiers(db, caller.org, record.id, new)
        updated = find_customer_record(session, caller.org, "id", record.id)
        return _with_warnings(
            v11_customer(db, caller, updated, "Customer successfully updated"), warnings
        )

    return _each(session, _items(root), update)


# --- the two listings --------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """The filters, order and page both listings take."""

    start: datetime | None
    end: datetime | None
    limit: int
    offset: int
    ascending: bool


def _moment(raw: str | None, org: OrgInfo, *, end: bool) -> datetime | None:
    """`YYYY-MM-DD` (the whole day) or `YYYY-MM-DD HH:MM:SS`, in the org's time zone."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip().replace("+", " ")
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d")
            moment = datetime.combine(day, time.max if end else time.min)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError as e:
        raise InvalidInputError(detail=f"invalid date {raw!r}") from e
    return moment if moment.tzinfo else moment.replace(tzinfo=org_timezone(org))


def _count(raw: str | None, default: int, name: str) -> int:
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    if not text.isdigit() or int(text) > MAX_LIMIT * 1000:
        raise InvalidInputError(detail=f"{name} must be a non-negative integer")
    return int(text)


def page_of(query: dict[str, str], org: OrgInfo, limit_key: str) -> Page:
    limit = _count(query.get(limit_key) or query.get("limit"), DEFAULT_LIMIT, limit_key)
    order = query.get("order", "desc").strip().lower()
    if order not in ("asc", "desc"):
        raise InvalidInputError(detail="order must be asc or desc")
    return Page(
        start=_moment(query.get("start_date"), org, end=False),
        end=_moment(query.get("end_date"), org, end=True),
        limit=min(limit, MAX_LIMIT),
        offset=_count(query.get("offset"), 0, "offset"),
        ascending=order == "asc",
    )


def _customers(
    session: Session, caller: Caller, query: dict[str, str]
) -> Iterator[tuple[str, str, CustomerRecord | None]]:
    """(query key, value, the customer or None) of every value the query names."""
    asked = False
    for key, kind in LOOKUP_KEYS:
        for value in (v.strip() for v in query.get(key, "").split(",")):
            if not value:
                continue
            asked = True
            try:
                yield key, value, find_customer_record(session, caller.org, kind, value)
            except CapillaryError:
                yield key, value, None
    if not asked:
        raise InvalidInputError(detail="one of mobile, email, external_id or id is required")


def _listing(
    session: Session,
    caller: Caller,
    query: dict[str, str],
    render: Callable[[CustomerRecord], dict[str, Any]],
) -> dict[str, Any]:
    customers = []
    for key, value, record in _customers(session, caller, query):
        if record is None:
            not_found = V11CustomerNotFoundError()
            customers.append({key: value, "item_status": v11_item_status(not_found)})
        else:
            answer = render(record)
            answer["item_status"] = {"success": "true", "code": 1000, "message": "Success"}
            customers.append(answer)
    status = v11_batch_status(customers)
    return {"response": {"status": status, "customer": _one_or_list(customers)}}


def _one_or_list(items: list[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    return items[0] if len(items) == 1 else items


def _in_page(moment: datetime, page: Page) -> bool:
    return (page.start is None or moment >= page.start) and (page.end is None or moment <= page.end)


def _amount(milli: int) -> str:
    return points_text(milli)


def _contacts_of(db: Db, record: CustomerRecord) -> dict[str, str]:
    held = dict(profiles.identifiers_of(db, record.id))
    return {key: held.get(kind, "") for key, kind in CONTACTS}


# --- GET /v1.1/customer/transactions -----------------------------------------------------------


def customer_transactions(
    session: Session, *, caller: Caller, query: dict[str, str]
) -> dict[str, Any]:
    """Bills added through /v2/transactions, newest first (`order=asc` oldest first); `number`
    and `transaction_id` pick one, `start_date` / `end_date` bound the billing time."""
    db = Db(session)
    org = caller.org
    page = page_of(query, org, "limit")
    number = (query.get("number") or "").strip() or None
    wanted_id = (query.get("transaction_id") or "").strip() or None

    def render(record: CustomerRecord) -> dict[str, Any]:
        base = v11_customer(db, caller, record)
        bills = history.bills_of(db, org.id, record.id)
        returned: dict[str, int] = {}
        for bill in bills:
            if bill.type == "RETURN":
                returned[bill.bill_number] = returned.get(bill.bill_number, 0) - bill.points_milli
        chosen = [
            b
            for b in bills
            if _in_page(b.billing_date, page)
            and (number is None or b.bill_number == number)
            and (wanted_id is None or str(b.id) == wanted_id)
        ]
        chosen.sort(key=lambda b: (b.billing_date, b.id), reverse=not page.ascending)
        shown = chosen[page.offset : page.offset + page.limit]
        return {
            "firstname": record.first_name,
            "lastname": record.last_name,
            "user_id": str(record.id),
            **_contacts_of(db, record),
            **{
                k: base[k]
                for k in (
                    "lifetime_points",
                    "lifetime_purchases",
                    "loyalty_points",
                    "registered_on",
                    "updated_on",
                    "type",
                    "source",
                )
            },
            "count": len(chosen),
            "start": str(shown[0].id) if shown else "",
            "rows": str(len(shown)),
            "transactions": {
                "transaction": [_transaction(org, b, returned.get(b.bill_number, 0)) for b in shown]
            },
        }

    return _listing(session, caller, query, render)


def _transaction(org: OrgInfo, bill: history.BillLine, returned_milli: int) -> dict[str, Any]:
    points: dict[str, Any] = {
        "issued": _amount(max(bill.points_milli, 0)),
        "returned": _amount(returned_milli if bill.type == "REGULAR" else -bill.points_milli),
        "program_id": str(bill.program_id),
    }
    if bill.expires_at is not None:
        points["expiry_date"] = legacy_in_org(bill.expires_at, org)
    return {
        "id": str(bill.id),
        "number": bill.bill_number,
        "type": bill.type,
        "return_type": "AMOUNT" if bill.type == "RETURN" else "",
        "amount": _amount(bill.bill_amount_milli),
        "gross_amount": _amount(bill.bill_amount_milli),
        "discount": "0",
        "billing_time": legacy_in_org(bill.billing_date, org),
        "auto_update_time": legacy_in_org(bill.created_at, org),
        "store": bill.store_name or "",
        "store_code": bill.store_code or "",
        "till_code": bill.till_code or "",
        "returned_points_on_bill": _amount(returned_milli if bill.type == "REGULAR" else 0),
        "points": points,
    }


# --- GET /v1.1/customer/redemptions ------------------------------------------------------------


def customer_redemptions(
    session: Session, *, caller: Caller, query: dict[str, str]
) -> dict[str, Any]:
    """Points redemptions with their reversals, newest first; coupons are not emulated (an
    empty list). `id` is the redemption's number, `redemption_id` the 6-character id that
    /v2/points/reverse takes; `reversal_id` likewise a number, `reversal_code` the v2 id."""
    db = Db(session)
    org = caller.org
    page = page_of(query, org, "points_limit")
    kind = (query.get("type") or "BOTH").strip().upper()
    if kind not in ("POINTS", "COUPONS", "BOTH"):
        raise InvalidInputError(detail="type must be POINTS, COUPONS or BOTH")
    start_id = _count(query.get("points_start_id"), 0, "points_start_id")
    end_id = _count(query.get("points_end_id"), 0, "points_end_id") or None
    by_id = (query.get("sort") or "").strip().lower() == "redemption_id"
    program = (query.get("programId") or query.get("program_id") or "").strip() or None
    reference = (query.get("external_reference_number") or "").strip() or None
    show_user_id = is_true(query.get("user_id"))

    def render(record: CustomerRecord) -> dict[str, Any]:
        reversals: dict[int, list[history.ReversalLine]] = {}
        for reversal in history.reversals_of(db, org.id, record.id):
            reversals.setdefault(reversal.redemption_id, []).append(reversal)
        chosen = [
            r
            for r in history.redemptions_of(db, org.id, record.id)
            if kind != "COUPONS"
            and _in_page(r.redeemed_at, page)
            and r.id >= start_id
            and (end_id is None or r.id <= end_id)
            and (program is None or str(r.program_id) == program)
            and (reference is None or r.external_reference_number == reference)
        ]
        chosen.sort(
            key=lambda r: r.id if by_id else (r.redeemed_at, r.id), reverse=not page.ascending
        )
        shown = chosen[page.offset : page.offset + page.limit]
        answer: dict[str, Any] = {
            **_contacts_of(db, record),
            "firstname": record.first_name,
            "lastname": record.last_name,
        }
        if show_user_id:
            answer["user_id"] = record.id
        answer.update(
            {
                "rows": str(len(shown)),
                "coupons_count": "0",
                "points_count": str(len(chosen)),
                "coupons_start_id": "",
                "points_start_id": str(shown[0].id) if shown else "",
                "redemptions": {
                    "coupons": {"coupon": []},
                    "points": {
                        "point": [_redemption(org, r, reversals.get(r.id, [])) for r in shown]
                    },
                },
            }
        )
        return answer

    return _listing(session, caller, query, render)


def _redemption(
    org: OrgInfo, line: history.RedemptionLine, reversals: list[history.ReversalLine]
) -> dict[str, Any]:
    till = line.till_code or ""
    return {
        "id": line.id,
        "redemption_id": line.code,
        "program_id": line.program_id,
        "points_redeemed": points_number(line.points_milli),
        "transaction_number": line.transaction_number or "",
        "external_reference_number": line.external_reference_number or "",
        "validation_code": line.validation_code or "",
        "redeemed_time": legacy_in_org(line.redeemed_at, org),
        "redeemed_at": till,
        "notes": line.notes,
        "redeemed_store": {"code": line.store_code or "", "name": line.store_name or ""},
        "redeemed_till": {"code": till, "name": till},
        "reversals": [_reversal(org, line.program_id, r) for r in reversals],
        "redemption_breakup_by_program": [
            {
                "program_id": line.program_id,
                "points_redeemed": points_number(line.points_milli),
                "program_name": "",
            }
        ],
    }


def _reversal(org: OrgInfo, program_id: int, reversal: history.ReversalLine) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "reversal_id": reversal.id,
        "reversal_code": reversal.code,
        "points_reversed": points_number(reversal.points_milli),
        "reversal_time": legacy_in_org(reversal.created_at, org),
    }
    if reversal.till_id is not None:
        answer["reversed_on_till_id"] = reversal.till_id
    answer["reversal_breakup_by_program"] = [
        {
            "program_id": program_id,
            "points_reversed": points_number(reversal.points_milli),
            "program_name": "",
        }
    ]
    return answer
