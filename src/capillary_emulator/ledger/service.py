"""Ledger reads: closing balances and per-event entries of a customer or a user group.

Both reads first expire the owner's due points (through the one writer), so no answer ever
shows points that have already expired. The queries walk the owner's slice of the ledger
through `ix_ledger_events_owner_created` and `ix_ledger_entries_key`; a page costs the same
whatever the size of the whole ledger (see bench/README.md, "Ledger at scale").
"""

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Select, Table, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from capillary_emulator.customers.service import (
    SOURCES,
    find_customer,
    identifier_type,
    org_timezone,
)
from capillary_emulator.errors import (
    AccountIdMissingError,
    InvalidIdentifierError,
    InvalidSourceError,
    LedgerEntryTypeInvalidError,
    LedgerInvalidInputError,
    LedgerLimitTooLargeError,
    LedgerNoEntriesError,
    PointCategoryTypeInvalidError,
    StoreTillsNotFoundError,
    TillFilterConflictError,
    TillIdFormatError,
    TillIdsInvalidError,
)
from capillary_emulator.groups.service import find_group, group_identifier_type
from capillary_emulator.ledger.schemas import LedgerQuery
from capillary_emulator.ledger.writer import (
    CREDIT,
    DEBIT,
    OPENING_BALANCE,
    Owner,
    expire_due_points,
)
from capillary_emulator.models import (
    CUSTOMER,
    USERGROUP2,
    CustomerIdentifier,
    LedgerEntry,
    LedgerEvent,
    PointBalance,
    Program,
    Till,
)
from capillary_emulator.orgs import OrgConfig
from capillary_emulator.points import CATEGORIES, DELAYED, MAIN, TRIGGER_BASED, format_points
from capillary_emulator.tenancy import OrgInfo

CUSTOMER_IDENTIFIERS = {"mobile", "email", "externalId", "cardnumber", "cardExternalId", "id"}
MULTI_ACCOUNT_SOURCES = {"WECHAT", "FACEBOOK", "MOBILE_APP", "LINE"}
ENTRY_TYPES = (CREDIT, DEBIT, OPENING_BALANCE)
CATEGORY_BY_TYPE = {"REGULAR": MAIN, "PROMISED": DELAYED, "TRIGGER_BASED": TRIGGER_BASED}
TRANSACTION_EVENTS = frozenset({"TransactionAdd", "TransactionUpdate", "ReturnBill"})
"""Events that carry `transactionDetails` (the seed's sample leaves it off other events)."""

DEFAULT_LIMIT = 10
SEED_MAX_RANGE_DAYS = 30
SEED_ONE_DATE_SPAN_DAYS = 7
"""The seed's default span when only one of startDate / endDate is given."""

_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
"""The documented YYYY-MM-DDThh:mm:ss, optionally with a fraction and an offset, or a bare date."""
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")
"""At most 18 digits: anything longer cannot be an id and would overflow a BIGINT bind."""


@dataclass(frozen=True)
class Target:
    """Who the request names, before it is looked up."""

    owner_type: str
    identifier: str
    value: str | None


@dataclass(frozen=True)
class LedgerOwner:
    owner: Owner
    customer_id: int
    """`customerId` of each entry: the userId, or minus the groupId for a group (as Capillary)."""
    details: dict[str, Any]
    """`customerDetails` of the response."""


@dataclass(frozen=True)
class Paging:
    page: int
    size: int
    descending: bool


class FilterShape(NamedTuple):
    """Which entry filters a request sets: the statements are built once per shape."""

    program: bool
    tills: bool
    entry_type: bool
    category: bool


@dataclass(frozen=True)
class EntryFilter:
    program_id: int | None
    till_ids: tuple[int, ...] | None
    entry_type: str | None
    category: str | None

    @property
    def shape(self) -> FilterShape:
        return FilterShape(
            program=self.program_id is not None,
            tills=self.till_ids is not None,
            entry_type=self.entry_type is not None,
            category=self.category is not None,
        )

    def params(self) -> dict[str, Any]:
        values = {
            "program_id": self.program_id,
            "till_ids": list(self.till_ids) if self.till_ids is not None else None,
            "entry_type": self.entry_type,
            "category": self.category,
        }
        return {name: value for name, value in values.items() if value is not None}


# --- the two reads ----------------------------------------------------------------------------


def customer_ledger_balance(
    session: Session, *, org: OrgInfo, config: OrgConfig, query: LedgerQuery, now: datetime
) -> dict[str, Any]:
    """Closing balance of every (program, category) the owner has, as of `endDate`."""
    target = _parse_target(query)
    paging = _parse_paging(query, config)
    entry_filter = _parse_entry_filter(session, org, query)
    # No concepts are modelled, so the flag adds nothing; it is still checked.
    _parse_flag(query.includeTillConceptEvents, "includeTillConceptEvents")
    end = _parse_date(query.endDate, org, name="endDate", end_of_day=True) or now
    owner = _find_owner(session, org, target)
    expire_due_points(session, org_id=org.id, now=now, owners=[owner.owner])

    rows = _closing_balances(session, owner.owner, entry_filter, end)
    total = _count_events(session, owner.owner, entry_filter, end)
    return {
        "customerDetails": owner.details,
        "ledgerDetails": {
            **_page_details(paging, total),
            "ledgerClosingBalance": [
                {
                    "pointsCategory": category,
                    "programName": program_name or "",
                    "programId": program_id,
                    "closingBalance": format_points(int(milli or 0)),
                }
                for program_id, category, program_name, milli in rows
            ],
        },
        "warnings": [],
    }


def customer_ledger_info(
    session: Session, *, org: OrgInfo, config: OrgConfig, query: LedgerQuery, now: datetime
) -> dict[str, Any]:
    """One page of the owner's ledger, one item per event."""
    target = _parse_target(query)
    paging = _parse_paging(query, config)
    entry_filter = _parse_entry_filter(session, org, query)
    concept_events = _parse_flag(query.includeTillConceptEvents, "includeTillConceptEvents")
    if concept_events and entry_filter.program_id is None:
        raise LedgerInvalidInputError(
            detail="includeTillConceptEvents=true needs programId (invalid input combination)"
        )
    start, end = _date_window(query, org, config, now)
    owner = _find_owner(session, org, target)
    expire_due_points(session, org_id=org.id, now=now, owners=[owner.owner])

    events = _event_page(session, owner.owner, entry_filter, start, end, paging)
    if not events:
        raise LedgerNoEntriesError()
    time_zone = OrgTime(org_timezone(org))
    return {
        "customerDetails": owner.details,
        "ledgerDetails": _page_details(paging, events[0].event.total),
        "ledgerEntries": [_ledger_entry(e.event, e.entries, owner, time_zone) for e in events],
        "warnings": [],
    }


# --- parsing the query ------------------------------------------------------------------------


def _text(raw: str | None) -> str | None:
    """A parameter's value without surrounding blanks; None when absent or empty."""
    text = raw.strip() if raw is not None else ""
    return text or None


def _given(*params: tuple[str, str | None]) -> dict[str, str]:
    """The (name, value) pairs that are present, by name."""
    return {name: text for name, raw in params if (text := _text(raw)) is not None}


def _parse_target(query: LedgerQuery) -> Target:
    owner_type = (query.type or CUSTOMER).strip().upper() or CUSTOMER
    if owner_type not in (CUSTOMER, USERGROUP2):
        raise LedgerInvalidInputError(
            detail=f"type must be CUSTOMER or USERGROUP2, not {query.type!r}"
        )
    if owner_type == CUSTOMER:
        identifier = identifier_type(query.identifierName, allowed=CUSTOMER_IDENTIFIERS)
    else:
        group_kind = group_identifier_type(query.identifierName)
        if group_kind is None:
            raise InvalidIdentifierError()
        identifier = group_kind
    source = (query.source or "").strip().upper()
    if source not in SOURCES:
        raise InvalidSourceError()
    if source in MULTI_ACCOUNT_SOURCES and not _given(
        ("accountId", query.accountId), ("acountId", query.acountId)
    ):
        raise AccountIdMissingError()
    return Target(owner_type=owner_type, identifier=identifier, value=query.identifierValue)


def _whole_number(raw: str | None, name: str, *, default: int) -> int:
    text = _text(raw)
    if text is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(text):
        raise LedgerInvalidInputError(detail=f"{name} must be a whole number, got {text!r}")
    return int(text)


def _parse_paging(query: LedgerQuery, config: OrgConfig) -> Paging:
    max_limit = config.integer("LEDGER_MAX_LIMIT")
    size = _whole_number(query.limit, "limit", default=min(DEFAULT_LIMIT, max_limit))
    if size < 1:
        raise LedgerInvalidInputError(detail=f"limit must be at least 1, got {query.limit!r}")
    if size > max_limit:
        raise LedgerLimitTooLargeError(limit=max_limit)
    page = _whole_number(query.offset, "offset", default=0)
    if page < 0:
        raise LedgerInvalidInputError(
            detail=f"offset (a page number) must be 0 or more, got {page}"
        )
    given = {
        name: value.upper()
        for name, value in _given(
            ("order", query.order), ("sortOrder", query.sortOrder), ("sort", query.sort)
        ).items()
    }
    for name, value in given.items():
        if value not in ("ASC", "DESC"):
            raise LedgerInvalidInputError(detail=f"{name} must be ASC or DESC, got {value!r}")
    if len(set(given.values())) > 1:
        raise LedgerInvalidInputError(detail="order, sortOrder and sort disagree")
    # The seed's sample lists the oldest event first.
    descending = next(iter(given.values()), "ASC") == "DESC"
    return Paging(page=page, size=size, descending=descending)


def _parse_flag(raw: str | None, name: str) -> bool:
    text = _text(raw)
    if text is None:
        return False
    if text.lower() not in ("true", "false"):
        raise LedgerInvalidInputError(detail=f"{name} must be true or false, got {text!r}")
    return text.lower() == "true"


def _parse_entry_filter(session: Session, org: OrgInfo, query: LedgerQuery) -> EntryFilter:
    program_id = None
    if _text(query.programId) is not None:
        program_id = _whole_number(query.programId, "programId", default=0)
    entry_type = _text(query.ledgerEntryType)
    if entry_type is not None:
        entry_type = entry_type.upper()
        if entry_type not in ENTRY_TYPES:
            raise LedgerEntryTypeInvalidError()
    category = None
    category_type = _text(query.pointCategoryType)
    if category_type is not None:
        category = CATEGORY_BY_TYPE.get(category_type.upper())
        if category is None:
            raise PointCategoryTypeInvalidError()
    return EntryFilter(
        program_id=program_id,
        till_ids=_parse_till_filter(session, org, query),
        entry_type=entry_type,
        category=category,
    )


def _parse_till_filter(
    session: Session, org: OrgInfo, query: LedgerQuery
) -> tuple[int, ...] | None:
    """The org's till ids that tillId, tillIds, storeCode or storeId name (only one may be set)."""
    given = _given(
        ("tillId", query.tillId),
        ("tillIds", query.tillIds),
        ("storeCode", query.storeCode),
        ("storeId", query.storeId),
    )
    if not given:
        return None
    if len(given) > 1:
        raise TillFilterConflictError()
    ((name, text),) = given.items()
    if name in ("tillId", "tillIds"):
        pieces = [text] if name == "tillId" else [p.strip() for p in text.split(",")]
        for piece in pieces:
            if not _WHOLE_NUMBER.fullmatch(piece) or piece.startswith("-"):
                raise TillIdFormatError(value=piece)
        wanted = {int(p) for p in pieces}
        known = set(
            session.execute(
                select(Till.id).where(Till.org_id == org.id, Till.id.in_(wanted))
            ).scalars()
        )
        unknown = [p for p in pieces if int(p) not in known]
        if unknown:
            raise TillIdsInvalidError(value=",".join(unknown))
        return tuple(sorted(known))
    if name == "storeCode":
        label = f"store code: {text}"
        if "\x00" in text:  # Postgres refuses NUL in a text bind; no store code holds one
            raise StoreTillsNotFoundError(detail=label)
        condition = Till.store_code == text
    else:
        if not _WHOLE_NUMBER.fullmatch(text):
            raise LedgerInvalidInputError(detail=f"storeId must be a whole number, got {text!r}")
        condition = Till.store_id == int(text)
        label = f"store id: {text}"
    tills = tuple(
        session.execute(
            select(Till.id).where(Till.org_id == org.id, condition).order_by(Till.id)
        ).scalars()
    )
    if not tills:
        raise StoreTillsNotFoundError(detail=label)
    return tills


def _parse_date(raw: str | None, org: OrgInfo, *, name: str, end_of_day: bool) -> datetime | None:
    """`YYYY-MM-DDThh:mm:ss` in the org's time zone (an explicit offset wins); a bare date
    means the start of that day, or its end for an end date."""
    text = _text(raw)
    if text is None:
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        if len(text) == 10:
            moment = datetime.combine(
                date.fromisoformat(text), time.max if end_of_day else time.min
            )
        else:
            moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=org_timezone(org))
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise LedgerInvalidInputError(
            detail=f"{name} must be a date in YYYY-MM-DDThh:mm:ss format, got {text!r}"
        ) from None


def _date_window(
    query: LedgerQuery, org: OrgInfo, config: OrgConfig, now: datetime
) -> tuple[datetime | None, datetime]:
    """(start, end) of getCustomerLedgerInfo; start None means the owner's whole history.

    Neither date given: the whole history up to now (the seed's "7 days before today" would hide
    most of a ledger; the newer docs also say the entire history is fetched). One date given: the
    seed's 7 days from or to it, or the full window once LEDGER_MAX_DATE_RANGE_DAYS is raised
    past the seed's 30 (the newer docs: "if only one is given, 90 days of data").
    """
    start = _parse_date(query.startDate, org, name="startDate", end_of_day=False)
    end = _parse_date(query.endDate, org, name="endDate", end_of_day=True)
    if start is None and end is None:
        return None, now
    max_days = config.integer("LEDGER_MAX_DATE_RANGE_DAYS")
    span = timedelta(days=SEED_ONE_DATE_SPAN_DAYS if max_days <= SEED_MAX_RANGE_DAYS else max_days)
    try:
        if start is None:
            assert end is not None
            start = end - span
        elif end is None:
            end = start + span
    except OverflowError:
        raise LedgerInvalidInputError(detail="startDate or endDate is out of range") from None
    if start > end:
        raise LedgerInvalidInputError(detail="startDate must not be after endDate")
    if end - start > timedelta(days=max_days):
        raise LedgerInvalidInputError(
            detail=f"startDate and endDate must not be more than {max_days} days apart"
        )
    return start, end


def _page_details(paging: Paging, total: int) -> dict[str, int]:
    return {
        "pageNumber": paging.page,
        "pageSize": paging.size,
        "totalEntries": total,
        "pageCount": math.ceil(total / paging.size),
    }


# --- finding the owner ------------------------------------------------------------------------


def _find_owner(session: Session, org: OrgInfo, target: Target) -> LedgerOwner:
    if target.owner_type == USERGROUP2:
        group = find_group(session, org, target.identifier, target.value)
        details: dict[str, Any] = {"userId": -group.id, "groupId": group.id}
        if group.external_id is not None:
            details["externalId"] = group.external_id
        details["entityType"] = USERGROUP2
        return LedgerOwner(
            owner=Owner(USERGROUP2, group.id), customer_id=-group.id, details=details
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
    details = {
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "userId": customer.id,
    }
    if external_id is not None:
        details["externalId"] = external_id
    details["entityType"] = CUSTOMER
    return LedgerOwner(owner=Owner(CUSTOMER, customer.id), customer_id=customer.id, details=details)


# --- queries ----------------------------------------------------------------------------------
#
# The statements are Core selects on the tables, built once per shape (which filters are set,
# which order) with bind parameters and run on the session's connection: a read pays for
# neither rebuilding the expression nor the ORM's result machinery.


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


EVENTS = _table(LedgerEvent)
ENTRIES = _table(LedgerEntry)
TILLS = _table(Till)
PROGRAMS = _table(Program)
BALANCES = _table(PointBalance)


def _entry_conditions(shape: FilterShape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if shape.program:
        conditions.append(ENTRIES.c.program_id == bindparam("program_id"))
    if shape.entry_type:
        conditions.append(ENTRIES.c.entry_type == bindparam("entry_type"))
    if shape.category:
        conditions.append(ENTRIES.c.category == bindparam("category"))
    return conditions


def _event_conditions(shape: FilterShape, *, since: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        EVENTS.c.owner_type == bindparam("owner_type"),
        EVENTS.c.owner_id == bindparam("owner_id"),
        EVENTS.c.created_at <= bindparam("end"),
    ]
    if since:
        conditions.append(EVENTS.c.created_at >= bindparam("start"))
    if shape.tills:
        conditions.append(EVENTS.c.till_id.in_(bindparam("till_ids", expanding=True)))
    entry_conditions = _entry_conditions(shape)
    if entry_conditions:
        conditions.append(
            exists().where(ENTRIES.c.event_id == EVENTS.c.id, and_(*entry_conditions))
        )
    return conditions


@lru_cache(maxsize=256)
def _page_statement(shape: FilterShape, *, since: bool, descending: bool) -> Select[Any]:
    """One page of events joined with their (matching) entries, one row per entry; every row
    also carries the number of matching events.

    The page is chosen on `ix_ledger_events_owner_created` alone (index-only when no till or
    entry filter is set), and only its events are then read with their till and entries.
    """
    order = (
        (EVENTS.c.created_at.desc(), EVENTS.c.id.desc())
        if descending
        else (EVENTS.c.created_at.asc(), EVENTS.c.id.asc())
    )
    page = (
        select(EVENTS.c.id, EVENTS.c.created_at, func.count().over().label("total"))
        .where(*_event_conditions(shape, since=since))
        .order_by(*order)
        .limit(bindparam("page_size"))
        .offset(bindparam("skip"))
        .subquery("page")
    )
    page_order = (
        (page.c.created_at.desc(), page.c.id.desc())
        if descending
        else (page.c.created_at.asc(), page.c.id.asc())
    )
    return (
        select(
            page.c.total,
            EVENTS.c.id,
            EVENTS.c.event_name,
            EVENTS.c.created_at,
            EVENTS.c.transaction_id,
            EVENTS.c.transaction_number,
            TILLS.c.code.label("till_code"),
            TILLS.c.store_name,
            TILLS.c.store_code,
            ENTRIES.c.entry_type,
            ENTRIES.c.points_milli,
            ENTRIES.c.category,
            ENTRIES.c.program_id,
            PROGRAMS.c.name.label("program_name"),
        )
        .select_from(
            page.join(EVENTS, EVENTS.c.id == page.c.id)
            .outerjoin(TILLS, TILLS.c.id == EVENTS.c.till_id)
            .outerjoin(ENTRIES, and_(ENTRIES.c.event_id == page.c.id, *_entry_conditions(shape)))
            .outerjoin(PROGRAMS, PROGRAMS.c.id == ENTRIES.c.program_id)
        )
        .order_by(*page_order, ENTRIES.c.id)
    )


@lru_cache(maxsize=1)
@lru_cache(maxsize=64)
def _count_statement(shape: FilterShape) -> Select[Any]:
    return select(func.count()).select_from(EVENTS).where(*_event_conditions(shape, since=False))


@lru_cache(maxsize=64)
def _closing_balances_statement(shape: FilterShape) -> Select[Any]:
    """(programId, category, programName, closing milli) for every key the owner has."""
    sums = select(
        ENTRIES.c.program_id,
        ENTRIES.c.category,
        func.sum(ENTRIES.c.points_milli).label("milli"),
    ).where(
        ENTRIES.c.owner_type == bindparam("owner_type"),
        ENTRIES.c.owner_id == bindparam("owner_id"),
        ENTRIES.c.created_at <= bindparam("end"),
        *_entry_conditions(shape),
    )
    if shape.tills:
        sums = sums.join(EVENTS, EVENTS.c.id == ENTRIES.c.event_id).where(
            EVENTS.c.till_id.in_(bindparam("till_ids", expanding=True))
        )
    summed = sums.group_by(ENTRIES.c.program_id, ENTRIES.c.category).subquery()
    keys = (
        select(BALANCES.c.program_id, BALANCES.c.category, PROGRAMS.c.name, summed.c.milli)
        .select_from(
            BALANCES.outerjoin(PROGRAMS, PROGRAMS.c.id == BALANCES.c.program_id).outerjoin(
                summed,
                and_(
                    summed.c.program_id == BALANCES.c.program_id,
                    summed.c.category == BALANCES.c.category,
                ),
            )
        )
        .where(
            BALANCES.c.owner_type == bindparam("owner_type"),
            BALANCES.c.owner_id == bindparam("owner_id"),
        )
    )
    if shape.program:
        keys = keys.where(BALANCES.c.program_id == bindparam("program_id"))
    if shape.category:
        keys = keys.where(BALANCES.c.category == bindparam("category"))
    return keys


@dataclass
class PageEvent:
    event: Any
    """The event's columns (the first row of its entries)."""
    entries: list[Any]


def _event_page(
    session: Session,
    owner: Owner,
    entry_filter: EntryFilter,
    start: datetime | None,
    end: datetime,
    paging: Paging,
) -> list[PageEvent]:
    statement = _page_statement(
        entry_filter.shape, since=start is not None, descending=paging.descending
    )
    params = {
        **entry_filter.params(),
        "owner_type": owner.type,
        "owner_id": owner.id,
        "end": end,
        "page_size": paging.size,
        "skip": paging.page * paging.size,
    }
    if start is not None:
        params["start"] = start
    events: list[PageEvent] = []
    for row in session.connection().execute(statement, params):
        if not events or events[-1].event.id != row.id:
            events.append(PageEvent(row, []))
        if row.entry_type is not None:
            events[-1].entries.append(row)
    return events


def _count_events(session: Session, owner: Owner, entry_filter: EntryFilter, end: datetime) -> int:
    params = {**entry_filter.params(), "owner_type": owner.type, "owner_id": owner.id, "end": end}
    return int(
        session.connection().execute(_count_statement(entry_filter.shape), params).scalar_one()
    )


def _closing_balances(
    session: Session, owner: Owner, entry_filter: EntryFilter, end: datetime
) -> list[Any]:
    params = {**entry_filter.params(), "owner_type": owner.type, "owner_id": owner.id, "end": end}
    rows = (
        session.connection().execute(_closing_balances_statement(entry_filter.shape), params).all()
    )
    category_rank = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(rows, key=lambda r: (r[0], category_rank.get(r[1], len(CATEGORIES)), r[1]))


# --- rendering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgTime:
    """The org's time zone, resolved once per response."""

    zone: tzinfo

    def legacy(self, moment: datetime) -> str:
        """Java's Timestamp form, "2022-02-14 18:30:59.0", as the samples show it."""
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S") + ".0"

    def iso(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).replace(microsecond=0).isoformat()


def _ledger_entry(
    event: Any, entries: list[Any], owner: LedgerOwner, time_zone: OrgTime
) -> dict[str, Any]:
    created = time_zone.legacy(event.created_at)
    created_iso = time_zone.iso(event.created_at)
    item: dict[str, Any] = {
        "eventLogId": event.id,
        "eventName": event.event_name,
        "customerId": owner.customer_id,
        "ledgerCreatedDate": created,
        "ledgerCreatedDateISO": created_iso,
        "entryDetails": [
            {
                "ledgerEntryType": e.entry_type,
                "points": format_points(abs(e.points_milli)),
                "pointsCategory": e.category,
                "programName": e.program_name or "",
                "programId": e.program_id,
            }
            for e in entries
        ],
        "netPointsOnEvent": format_points(sum(e.points_milli for e in entries)),
    }
    if event.event_name in TRANSACTION_EVENTS:
        # The emulator keeps no bills; the event id stands in for a missing transactionId.
        item["transactionDetails"] = {
            "transactionId": event.transaction_id or event.id,
            "transactionNumber": event.transaction_number or "",
            "date": created,
            "dateISO": created_iso,
        }
    item["store"] = event.store_name or ""
    item["storeCode"] = event.store_code or ""
    item["tillCode"] = event.till_code or ""
    return item
