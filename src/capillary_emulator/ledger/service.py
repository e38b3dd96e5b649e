"""Ledger reads: closing balances and per-event entries of a customer or a user group.

Both reads first expire the owner's due points (through the one writer), so no answer ever
shows points that have already expired; the owner lookup says whether any are due, so a read
with nothing to expire writes nothing. Parsing lives in `query`, the owner lookup in `owners`,
the SQL in `store.ledger`, the answer items in `render`.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import org_timezone
from capillary_emulator.envelope import StatusItem
from capillary_emulator.errors import LedgerInvalidInputError, LedgerNoEntriesError
from capillary_emulator.ledger import render
from capillary_emulator.ledger.owners import LedgerOwner, find_owner
from capillary_emulator.ledger.query import Target, date_window, parse_date, read_request
from capillary_emulator.ledger.schemas import (
    CustomerLedgerBalance,
    CustomerLedgerInfo,
    LedgerQuery,
)
from capillary_emulator.orgs import OrgConfig
from capillary_emulator.store.ledger import LedgerSlice, closing_balances, event_page
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import OrgInfo
from capillary_emulator.writer.expiry import expire_due_points


def customer_ledger_balance(
    session: Session, *, org: OrgInfo, config: OrgConfig, query: LedgerQuery, now: datetime
) -> CustomerLedgerBalance:
    """Closing balance of every (program, category) the owner has, as of `endDate`."""
    db = Db(session)
    request = read_request(db, org, config, query)
    # No concepts are modelled, so includeTillConceptEvents adds nothing here.
    end = parse_date(query.endDate, org, name="endDate", end_of_day=True) or now
    owner = _owner_as_of(session, db, org, request.target, now)

    ledger = LedgerSlice(owner.owner.type, owner.owner.id, request.entry_filter, end)
    total, rows = closing_balances(db, ledger)
    return CustomerLedgerBalance(
        customerDetails=owner.details,
        ledgerDetails=render.balance_details(request.paging, total, rows),
        warnings=[StatusItem(**w.item()) for w in owner.warnings],
    )


def customer_ledger_info(
    session: Session, *, org: OrgInfo, config: OrgConfig, query: LedgerQuery, now: datetime
) -> CustomerLedgerInfo:
    """One page of the owner's ledger, one item per event."""
    db = Db(session)
    request = read_request(db, org, config, query)
    if request.concept_events and request.entry_filter.program_id is None:
        raise LedgerInvalidInputError(
            detail="includeTillConceptEvents=true needs programId (invalid input combination)"
        )
    start, end = date_window(query, org, config, now)
    owner = _owner_as_of(session, db, org, request.target, now)

    paging = request.paging
    events = event_page(
        db,
        LedgerSlice(owner.owner.type, owner.owner.id, request.entry_filter, end),
        start=start,
        page=paging.page,
        size=paging.size,
        descending=paging.descending,
    )
    if not events:
        raise LedgerNoEntriesError()
    time_zone = render.OrgTime(org_timezone(org))
    return CustomerLedgerInfo(
        customerDetails=owner.details,
        ledgerDetails=render.page_details(paging, events[0].event.total),
        ledgerEntries=[render.ledger_entry(event, owner, time_zone) for event in events],
        warnings=[StatusItem(**w.item()) for w in owner.warnings],
    )


def _owner_as_of(
    session: Session, db: Db, org: OrgInfo, target: Target, now: datetime
) -> LedgerOwner:
    """The named owner, with its points due by `now` expired before anything is read."""
    owner = find_owner(db, org, target, now)
    if owner.points_due:
        expire_due_points(session, org_id=org.id, now=now, owners=[owner.owner])
    return owner
