"""What each console page shows, read through `store.console` (paged, indexed queries only)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator.models import CUSTOMER, USERGROUP2
from capillary_emulator.store import console as store
from capillary_emulator.store import groups as group_store
from capillary_emulator.store.sql import Db, Row

PAGE_SIZE = 25
LEDGER_PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    number: int
    """Zero-based, like getCustomerLedgerInfo's pageNumber."""
    size: int
    has_next: bool
    first_id: int | None = None
    last_id: int | None = None
    """Keyset paging (customers): the ids the previous and next links page from."""


@dataclass(frozen=True)
class Balance:
    program_id: int
    program: str
    category: str
    points_milli: int


@dataclass(frozen=True)
class CustomerSummary:
    id: int
    org_id: int
    name: str
    status: str
    source: str
    account_id: str
    loyalty_type: str
    created_at: datetime
    identifiers: list[tuple[str, str]]
    balances: list[Balance]

    @property
    def total_milli(self) -> int:
        return sum(b.points_milli for b in self.balances)


@dataclass(frozen=True)
class LedgerEvent:
    id: int
    name: str
    created_at: datetime
    till_id: int | None
    transaction_number: str | None
    notes: str | None
    entries: list[dict[str, Any]]


@dataclass(frozen=True)
class CustomerDetail:
    customer: CustomerSummary
    ledger: list[LedgerEvent]
    page: Page
    lots: list[dict[str, Any]]
    transfers: list[dict[str, Any]]
    redemptions: list[dict[str, Any]]
    groups: list[dict[str, Any]]


@dataclass(frozen=True)
class OrgOverview:
    id: int
    name: str
    timezone: str
    config: dict[str, Any]
    customers: int
    groups: int
    programs: list[dict[str, Any]] = field(default_factory=list)
    tills: list[dict[str, Any]] = field(default_factory=list)


MIN_ID = -(2**63)


def _page_of(rows: list[Row], number: int, size: int) -> tuple[list[Row], Page]:
    """`rows` fetched with one row more than a page: whether another page follows."""
    return rows[:size], Page(number=number, size=size, has_next=len(rows) > size)


def _program_names(db: Db) -> dict[int, str]:
    return {row[0]: row[2] for row in store.programs(db)}


def orgs(session: Session) -> list[OrgOverview]:
    db = Db(session)
    programs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for id_, org_id, name, is_default in store.programs(db):
        programs[org_id].append({"id": id_, "name": name, "default": is_default})
    tills: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for id_, org_id, code, store_name in store.tills(db):
        tills[org_id].append({"id": id_, "code": code, "store": store_name})
    return [
        OrgOverview(
            id=id_,
            name=name,
            timezone=timezone,
            config=dict(config or {}),
            customers=customers,
            groups=groups,
            programs=programs[id_],
            tills=tills[id_],
        )
        for id_, name, timezone, config, customers, groups in store.orgs(db)
    ]


def org_ids(session: Session) -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in store.orgs(Db(session))]


def _summaries(db: Db, rows: list[Row], names: dict[int, str]) -> list[CustomerSummary]:
    ids = [row[0] for row in rows]
    identifiers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    balances: dict[int, list[Balance]] = defaultdict(list)
    if ids:
        for customer_id, kind, value in store.identifiers_of(db, ids):
            identifiers[customer_id].append((kind, value))
        for owner_id, program_id, category, milli in store.balances_of(db, CUSTOMER, ids):
            balances[owner_id].append(
                Balance(program_id, names.get(program_id, str(program_id)), category, milli)
            )
    return [
        CustomerSummary(
            id=row[0],
            org_id=row[1],
            name=f"{row[2]} {row[3]}".strip(),
            status=row[4],
            source=row[5],
            account_id=row[6],
            loyalty_type=row[7],
            created_at=row[8],
            identifiers=identifiers[row[0]],
            balances=balances[row[0]],
        )
        for row in rows
    ]


def search_customers(
    session: Session,
    *,
    org_id: int,
    text: str,
    page: int,
    after: int | None = None,
    before: int | None = None,
) -> tuple[list[CustomerSummary], Page]:
    """Every customer in id order, or those whose id or any identifier is exactly `text`.

    Paged by key: `after` (the last id of the page before) or `before` (the first id of the
    page after), so page 4,000 costs what page 1 does; `page` is the number shown (and, with
    neither key, an offset, for addresses without one)."""
    db = Db(session)
    text = text.strip()
    if not text:
        size = PAGE_SIZE
        if before is not None:
            rows = store.customers_before(db, org_id, before, limit=size + 1)
            shown = list(reversed(rows[:size]))
            number = page if len(rows) > size else 0
            has_next = True
        else:
            if after is not None:
                rows = store.customers_after(db, org_id, after, limit=size + 1)
            elif page == 0:
                rows = store.customers_after(db, org_id, MIN_ID, limit=size + 1)
            else:
                rows = store.customers_page(db, org_id, limit=size + 1, offset=page * size)
            shown, has_next, number = rows[:size], len(rows) > size, page
        paging = Page(
            number=number,
            size=size,
            has_next=has_next,
            first_id=shown[0][0] if shown else None,
            last_id=shown[-1][0] if shown else None,
        )
    else:
        found = {row[0]: row for row in store.customers_by_identifier(db, org_id, text)}
        if text.isdigit() and len(text) <= 18:
            by_id = store.customer(db, org_id, int(text))
            if by_id is not None:
                found.setdefault(by_id[0], by_id)
        shown = [found[k] for k in sorted(found)][:PAGE_SIZE]
        paging = Page(number=0, size=PAGE_SIZE, has_next=False)
    return _summaries(db, shown, _program_names(db)), paging


def customer_detail(
    session: Session, *, org_id: int, customer_id: int, page: int
) -> CustomerDetail | None:
    db = Db(session)
    row = store.customer(db, org_id, customer_id)
    if row is None:
        return None
    names = _program_names(db)
    summary = _summaries(db, [row], names)[0]
    events, paging = _page_of(
        store.events_page(
            db, CUSTOMER, customer_id, limit=LEDGER_PAGE_SIZE + 1, offset=page * LEDGER_PAGE_SIZE
        ),
        page,
        LEDGER_PAGE_SIZE,
    )
    return CustomerDetail(
        customer=summary,
        ledger=_ledger(db, events, names),
        page=paging,
        lots=_lots(db, CUSTOMER, customer_id, names),
        transfers=_transfers(db, CUSTOMER, customer_id, names),
        redemptions=_redemptions(db, org_id, customer_id, names),
        groups=[
            {"id": gid, "name": name, "primary": primary}
            for gid, name, primary in store.groups_of_customer(db, customer_id)
        ],
    )


def _ledger(db: Db, events: list[Row], names: dict[int, str]) -> list[LedgerEvent]:
    entries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if events:
        for event_id, program_id, category, entry_type, milli in store.entries_of(
            db, [e[0] for e in events]
        ):
            entries[event_id].append(
                {
                    "program": names.get(program_id, str(program_id)),
                    "category": category,
                    "type": entry_type,
                    "points_milli": milli,
                }
            )
    return [
        LedgerEvent(id_, name, at, till_id, number, notes, entries[id_])
        for id_, name, at, till_id, number, notes in events
    ]


def _lots(db: Db, owner_type: str, owner_id: int, names: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": id_,
            "program": names.get(program_id, str(program_id)),
            "category": category,
            "points_milli": points,
            "remaining_milli": remaining,
            "awarded_at": awarded_at,
            "expires_at": expires_at,
        }
        for id_, program_id, category, points, remaining, awarded_at, expires_at in (
            store.open_lots(db, owner_type, owner_id)
        )
    ]


def _transfers(
    db: Db, owner_type: str, owner_id: int, names: dict[int, str]
) -> list[dict[str, Any]]:
    found = []
    for id_, from_type, from_id, to_type, to_id, program_id, milli, notes, at in store.transfers_of(
        db, owner_type, owner_id
    ):
        outgoing = from_type == owner_type and from_id == owner_id
        found.append(
            {
                "id": id_,
                "direction": "out" if outgoing else "in",
                "other": f"{to_type} {to_id}" if outgoing else f"{from_type} {from_id}",
                "program": names.get(program_id, str(program_id)),
                "points_milli": milli,
                "notes": notes,
                "created_at": at,
            }
        )
    return found


def _redemptions(
    db: Db, org_id: int, customer_id: int, names: dict[int, str]
) -> list[dict[str, Any]]:
    rows = store.redemptions_of(db, org_id, customer_id)
    reversals: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        for redemption_id, code, milli, restored, expired, at in store.reversals_of(
            db, [r[0] for r in rows]
        ):
            reversals[redemption_id].append(
                {
                    "code": code,
                    "points_milli": milli,
                    "restored_milli": restored,
                    "expired_milli": expired,
                    "created_at": at,
                }
            )
    return [
        {
            "code": code,
            "program": names.get(program_id, str(program_id)),
            "points_milli": milli,
            "reversed_milli": reversed_milli,
            "reference": reference,
            "redeemed_at": at,
            "reversals": reversals[id_],
        }
        for id_, code, program_id, milli, reversed_milli, reference, at in rows
    ]


def groups(session: Session, *, org_id: int, page: int) -> tuple[list[dict[str, Any]], Page]:
    rows, paging = _page_of(
        store.groups_page(Db(session), org_id, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE),
        page,
        PAGE_SIZE,
    )
    return [
        {"id": id_, "external_id": external_id, "name": name, "status": status, "members": n}
        for id_, external_id, name, status, n in rows
    ], paging


def group_detail(session: Session, *, group_id: int, page: int) -> dict[str, Any] | None:
    db = Db(session)
    group = group_store.group(db, group_id)
    if group is None:
        return None
    names = _program_names(db)
    members, paging = _page_of(
        store.members_page(db, group_id, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE),
        page,
        PAGE_SIZE,
    )
    balances = [
        Balance(program_id, names.get(program_id, str(program_id)), category, milli)
        for _, program_id, category, milli in store.balances_of(db, USERGROUP2, [group_id])
    ]
    return {
        "group": group,
        "balances": balances,
        "members": [
            {
                "id": cid,
                "name": f"{first} {last}".strip(),
                "primary": primary,
                "active": active,
                "may_transfer": may_transfer,
            }
            for cid, first, last, primary, active, may_transfer in members
        ],
        "page": paging,
        "lots": _lots(db, USERGROUP2, group_id, names),
        "transfers": _transfers(db, USERGROUP2, group_id, names),
    }
