"""Reading a ledger request: who it names, which page, which entries and which dates.

Every malformed value is refused here with its Capillary code, before the owner is looked up
or anything is expired, so a refused read leaves the ledger as it was.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from capillary_emulator.customers.service import SOURCES, identifier_type, org_timezone
from capillary_emulator.errors import (
    AccountIdMissingError,
    InvalidIdentifierError,
    InvalidSourceError,
    LedgerEntryTypeInvalidError,
    LedgerInvalidInputError,
    LedgerLimitTooLargeError,
    PointCategoryTypeInvalidError,
    StoreTillsNotFoundError,
    TillFilterConflictError,
    TillIdFormatError,
    TillIdsInvalidError,
)
from capillary_emulator.inputs import config_flag, numeric_id
from capillary_emulator.ledger.schemas import LedgerQuery
from capillary_emulator.models import CUSTOMER, USERGROUP2
from capillary_emulator.orgs import OrgConfig
from capillary_emulator.points import DELAYED, MAIN, TRIGGER_BASED
from capillary_emulator.store.ledger import EntryFilter, org_tills
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import OrgInfo
from capillary_emulator.transfer_core.groups import group_identifier_type
from capillary_emulator.writer.core import CREDIT, DEBIT, OPENING_BALANCE

CUSTOMER_IDENTIFIERS = {"mobile", "email", "externalId", "cardnumber", "cardExternalId", "id"}
MULTI_ACCOUNT_SOURCES = {"WECHAT", "FACEBOOK", "MOBILE_APP", "LINE"}
ENTRY_TYPES = (CREDIT, DEBIT, OPENING_BALANCE)
CATEGORY_BY_TYPE = {"REGULAR": MAIN, "PROMISED": DELAYED, "TRIGGER_BASED": TRIGGER_BASED}

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
"""Signed, unlike an id: a negative limit or offset gets its own message, a negative storeId or
programId simply matches nothing. At most 18 digits, so a BIGINT bind cannot overflow."""


@dataclass(frozen=True)
class Target:
    """Who the request names, before it is looked up."""

    owner_type: str
    """CUSTOMER or USERGROUP2."""
    entity_type: str
    """What `customerDetails.entityType` answers: CUSTOMER, USERGROUP2, or FLEET when the
    request names the group a fleet (the seed's word for it)."""
    identifier: str
    """The canonical identifier type: `mobile`, `externalId`, a group's `groupId` ..."""
    value: str | None
    """As sent: the lookup, not the parser, decides which values can name no one."""


@dataclass(frozen=True)
class Paging:
    page: int
    """From 0; Capillary's `offset` counts pages, not rows."""
    size: int
    """Events (not entries) a page, Capillary's `limit`."""
    descending: bool


@dataclass(frozen=True)
class LedgerRequest:
    """What both reads take from the query, checked in the order Capillary reports problems."""

    target: Target
    paging: Paging
    entry_filter: EntryFilter
    concept_events: bool
    """includeTillConceptEvents; no concepts are modelled, so it only constrains the request."""


def read_request(db: Db, org: OrgInfo, config: OrgConfig, query: LedgerQuery) -> LedgerRequest:
    return LedgerRequest(
        target=_parse_target(query),
        paging=_parse_paging(query, config),
        entry_filter=_parse_entry_filter(db, org, query),
        concept_events=_parse_flag(query.includeTillConceptEvents, "includeTillConceptEvents"),
    )


def _text(raw: str | None) -> str | None:
    """A parameter's value without surrounding blanks; None when absent or empty."""
    text = raw.strip() if raw is not None else ""
    return text or None


def _given(*params: tuple[str, str | None]) -> dict[str, str]:
    """The (name, value) pairs that are present, by name."""
    return {name: text for name, raw in params if (text := _text(raw)) is not None}


FLEET = "FLEET"
"""The seed's name for a group (`entityType`: CUSTOMER or FLEET); the newer docs say USERGROUP2."""


def _parse_target(query: LedgerQuery) -> Target:
    entity_type = (query.type or CUSTOMER).strip().upper() or CUSTOMER
    if entity_type not in (CUSTOMER, USERGROUP2, FLEET):
        raise LedgerInvalidInputError(
            detail=f"type must be CUSTOMER, FLEET or USERGROUP2, not {query.type!r}"
        )
    owner_type = USERGROUP2 if entity_type == FLEET else entity_type
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
    return Target(
        owner_type=owner_type,
        entity_type=entity_type,
        identifier=identifier,
        value=query.identifierValue,
    )


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
    """Stricter than `inputs.is_true`: the ledger refuses anything but true or false."""
    text = _text(raw)
    if text is None:
        return False
    if text.lower() not in ("true", "false"):
        raise LedgerInvalidInputError(detail=f"{name} must be true or false, got {text!r}")
    return text.lower() == "true"


def _parse_entry_filter(db: Db, org: OrgInfo, query: LedgerQuery) -> EntryFilter:
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
        till_ids=_parse_till_filter(db, org, query),
        entry_type=entry_type,
        category=category,
    )


def _parse_till_filter(db: Db, org: OrgInfo, query: LedgerQuery) -> tuple[int, ...] | None:
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
        return _known_tills(db, org, pieces)
    if name == "storeCode":
        label = f"store code: {text}"
        tills = tuple(till_id for till_id, code, _ in org_tills(db, org.id) if code == text)
    else:
        if not _WHOLE_NUMBER.fullmatch(text):
            raise LedgerInvalidInputError(detail=f"storeId must be a whole number, got {text!r}")
        label = f"store id: {text}"
        tills = tuple(till_id for till_id, _, store in org_tills(db, org.id) if store == int(text))
    if not tills:
        raise StoreTillsNotFoundError(detail=label)
    return tills


def _known_tills(db: Db, org: OrgInfo, pieces: list[str]) -> tuple[int, ...]:
    """The org's tills among the given ids; every piece must be an id and name one of them."""
    wanted: dict[str, int] = {}
    for piece in pieces:
        till_id = numeric_id(piece)
        if till_id is None:
            raise TillIdFormatError(value=piece)
        wanted[piece] = till_id
    known = {row[0] for row in org_tills(db, org.id)} & set(wanted.values())
    unknown = [p for p in pieces if wanted[p] not in known]
    if unknown:
        raise TillIdsInvalidError(value=",".join(unknown))
    return tuple(sorted(known))


def parse_date(raw: str | None, org: OrgInfo, *, name: str, end_of_day: bool) -> datetime | None:
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


def date_window(
    query: LedgerQuery, org: OrgInfo, config: OrgConfig, now: datetime
) -> tuple[datetime | None, datetime]:
    """(start, end) of getCustomerLedgerInfo; start None means the owner's whole history.

    Neither date given: the seed's default, the 7 days up to now ("7 days before the endDate or
    the current date"); org key LEDGER_DEFAULT_WHOLE_HISTORY switches to the newer docs' whole
    history. One date given: the seed's 7 days from or to it, or the full window once
    LEDGER_MAX_DATE_RANGE_DAYS is raised past the seed's 30 (the newer docs: "if only one is
    given, 90 days of data").
    """
    start = parse_date(query.startDate, org, name="startDate", end_of_day=False)
    end = parse_date(query.endDate, org, name="endDate", end_of_day=True)
    if start is None and end is None:
        if config_flag(config, "LEDGER_DEFAULT_WHOLE_HISTORY"):
            return None, now
        return now - timedelta(days=SEED_ONE_DATE_SPAN_DAYS), now
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
