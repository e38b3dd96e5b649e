"""Ledger reads: closing balances and per-event entries of a customer or a user group.

Both reads first expire the owner's due points (through the one writer), so no answer ever
shows points that have already expired. Parsing lives in `query`, the owner lookup in
`owners`, the SQL in `statements`, the answer items in `render`.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import org_timezone
from capillary_emulator.errors import LedgerInvalidInputError, LedgerNoEntriesError
from capillary_emulator.ledger import render, statements
from capillary_emulator.ledger.owners import LedgerOwner, find_owner
from capillary_emulator.ledger.query import Target, date_window, parse_date, read_request
from capillary_emulator.ledger.schemas import (
    CustomerLedgerBalance,
    CustomerLedgerInfo,
    LedgerQuery,
)
from capillary_emulator.orgs import OrgConfig
from capillary_emulator.tenancy import OrgInfo
from capillary_emulator.writer.expiry import expire_due_points


def customer_ledger_balance(
    session: Session, *, org: OrgInfo, config: OrgConfig, query: LedgerQuery, now: datetime
) -> CustomerLedgerBalance:
    """Closing balance of every (program, category) the owner has, as of `endDate`."""
    request = read_request(session, org, config, query)
    # No concepts are modelled, so includeTillConceptEvents adds nothing here.
    end = parse_date(query.endDate, org, name="endDate", end_of_day=True) or now
    owner = _owner_as_of(session, org, request.target, now)

    entry_filter = request.entry_filter
    rows = statements.closing_balances(session, owner.owner, entry_filter, end)
    total = statements.count_events(session, owner.owner, entry_filter, end)
    return CustomerLedgerBalance(
        customerDetails=owner.details,
        ledgerDetails=render.balance_details(request.paging, total, rows),
    )


def customer_ledger_info(
    session: Session, *, org: OrgInfo, config: OrgConfig, query: LedgerQuery, now: datetime
) -> CustomerLedgerInfo:
    """One page of the owner's ledger, one item per event."""
    request = read_request(session, org, config, query)
    if request.concept_events and request.entry_filter.program_id is None:
        raise LedgerInvalidInputError(
            detail="includeTillConceptEvents=true needs programId (invalid input combination)"
        )
    start, end = date_window(query, org, config, now)
    owner = _owner_as_of(session, org, request.target, now)

    events = statements.event_page(
        session, owner.owner, request.entry_filter, start, end, request.paging
    )
    if not events:
        raise LedgerNoEntriesError()
    time_zone = render.OrgTime(org_timezone(org))
    return CustomerLedgerInfo(
        customerDetails=owner.details,
        ledgerDetails=render.page_details(request.paging, events[0].event.total),
        ledgerEntries=[render.ledger_entry(event, owner, time_zone) for event in events],
    )


def _owner_as_of(session: Session, org: OrgInfo, target: Target, now: datetime) -> LedgerOwner:
    """The named owner, with its points due by `now` expired before anything is read."""
    owner = find_owner(session, org, target)
    expire_due_points(session, org_id=org.id, now=now, owners=[owner.owner])
    return owner
