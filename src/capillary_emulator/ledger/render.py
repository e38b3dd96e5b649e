"""Turning the ledger rows into Capillary's answer items: dates in the org's zone, points as
strings with three decimals."""

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo

from capillary_emulator.ledger.owners import LedgerOwner
from capillary_emulator.ledger.query import Paging
from capillary_emulator.ledger.schemas import (
    BalanceLedgerDetails,
    ClosingBalance,
    EntryDetail,
    LedgerEntryItem,
    PageDetails,
    TransactionDetails,
)
from capillary_emulator.points import CATEGORIES, as_float, format_points
from capillary_emulator.store.ledger import ClosingRow, PageEvent

TRANSACTION_EVENTS = frozenset({"TransactionAdd", "TransactionUpdate", "ReturnBill"})
"""Events that carry `transactionDetails` (the seed's sample leaves it off other events)."""


@dataclass(frozen=True)
class OrgTime:
    """The org's time zone, resolved once per response."""

    zone: tzinfo

    def legacy(self, moment: datetime) -> str:
        """Java's Timestamp form, "2022-02-14 18:30:59.0", as the samples show it."""
        local = moment.astimezone(self.zone).replace(microsecond=0, tzinfo=None)
        return local.isoformat(" ") + ".0"  # isoformat: strftime costs ~10 us a call

    def iso(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).replace(microsecond=0).isoformat()


def page_details(paging: Paging, total: int) -> PageDetails:
    return PageDetails(
        pageNumber=paging.page,
        pageSize=paging.size,
        totalEntries=total,
        pageCount=math.ceil(total / paging.size),
    )


def balance_details(paging: Paging, total: int, rows: list[ClosingRow]) -> BalanceLedgerDetails:
    """`ledgerDetails` of getCustomerLedgerBalance: the page numbers, then the balances by
    program, then category (in the order of `points.CATEGORIES`)."""
    category_rank = {c: i for i, c in enumerate(CATEGORIES)}
    ordered = sorted(
        rows,
        key=lambda r: (r.program_id, category_rank.get(r.category, len(CATEGORIES)), r.category),
    )
    return BalanceLedgerDetails(
        pageNumber=paging.page,
        pageSize=paging.size,
        totalEntries=total,
        pageCount=math.ceil(total / paging.size),
        ledgerClosingBalance=[_closing_balance(row) for row in ordered],
    )


def _closing_balance(row: ClosingRow) -> ClosingBalance:
    return ClosingBalance(
        pointsCategory=row.category,
        programName=row.program_name or "",
        programId=row.program_id,
        closingBalance=format_points(int(row.milli or 0)),
    )


def ledger_entry(page_event: PageEvent, owner: LedgerOwner, time_zone: OrgTime) -> LedgerEntryItem:
    event, entries = page_event.event, page_event.entries
    created = time_zone.legacy(event.created_at)
    created_iso = time_zone.iso(event.created_at)
    transaction = None
    if event.event_name in TRANSACTION_EVENTS or event.transaction_number:
        # A bill's event, or points redeemed on a bill. Without a stored bill id the event id
        # stands in for the transactionId.
        amount = event.transaction_amount_milli
        transaction = TransactionDetails(
            transactionId=event.transaction_id or event.id,
            transactionNumber=event.transaction_number or "",
            date=created,
            dateISO=created_iso,
            amount=None if amount is None else as_float(amount),
        )
    return LedgerEntryItem(
        eventLogId=event.id,
        eventName=event.event_name,
        customerId=owner.customer_id,
        ledgerCreatedDate=created,
        ledgerCreatedDateISO=created_iso,
        entryDetails=[
            EntryDetail(
                ledgerEntryType=e.entry_type or "",
                points=format_points(abs(e.points_milli)),
                pointsCategory=e.category,
                programName=e.program_name or "",
                programId=e.program_id,
            )
            for e in entries
        ],
        netPointsOnEvent=format_points(sum(e.points_milli for e in entries)),
        transactionDetails=transaction,
        store=event.store_name or "",
        storeCode=event.store_code or "",
        tillCode=event.till_code or "",
    )
