"""Query parameters and answers of the two ledger endpoints, with Capillary's exact casing.

The query is a `query_string.QueryModel`: raw strings, read from the query string by the router.
"""

from typing import Any

from pydantic import BaseModel, Field

from capillary_emulator.envelope import StatusItem
from capillary_emulator.query_string import QueryModel


class LedgerQuery(QueryModel):
    DOC_REQUIRED = frozenset({"identifierName", "identifierValue", "source"})

    identifierName: str | None = None
    identifierValue: str | None = None
    source: str | None = None
    accountId: str | None = None
    acountId: str | None = Field(
        None, description="The seed document's spelling of accountId; both are accepted."
    )
    type: str | None = Field(None, description="CUSTOMER (default) or USERGROUP2.")
    tillId: str | None = None
    tillIds: str | None = Field(None, description="Comma-separated till ids.")
    storeCode: str | None = None
    storeId: str | None = None
    programId: str | None = None
    limit: str | None = None
    offset: str | None = Field(None, description="A page number, not a row offset.")
    startDate: str | None = Field(
        None, description="YYYY-MM-DDThh:mm:ss (getCustomerLedgerInfo only)."
    )
    endDate: str | None = Field(None, description="YYYY-MM-DDThh:mm:ss.")
    includeTillConceptEvents: str | None = None
    ledgerEntryType: str | None = Field(None, description="CREDIT, DEBIT or OPENING_BALANCE.")
    pointCategoryType: str | None = Field(None, description="REGULAR, PROMISED or TRIGGER_BASED.")
    order: str | None = Field(
        None,
        description="ASC (default) or DESC on the event date; `sortOrder` and `sort` are older "
        "spellings.",
    )
    sortOrder: str | None = None
    sort: str | None = None


# --- answers ----------------------------------------------------------------------------------
#
# Field order is key order on the wire.


def _is_none(value: object) -> bool:
    return value is None


def _absent_when_none() -> Any:
    """Capillary leaves these keys out rather than sending null; every other key is always sent
    (so the route needs no response_model_exclude_none, which would drop them all)."""
    return Field(default=None, exclude_if=_is_none)


class CustomerDetails(BaseModel):
    """`customerDetails`: a customer (names, userId) or a group (userId = -groupId, groupId)."""

    firstName: str | None = _absent_when_none()
    """A customer's only."""
    lastName: str | None = _absent_when_none()
    """A customer's only."""
    userId: int
    groupId: int | None = _absent_when_none()
    """A group's only."""
    externalId: str | None = _absent_when_none()
    entityType: str
    """CUSTOMER or USERGROUP2."""


class PageDetails(BaseModel):
    pageNumber: int
    pageSize: int
    totalEntries: int
    """Events matching the filters, on every page."""
    pageCount: int


class ClosingBalance(BaseModel):
    pointsCategory: str
    programName: str
    programId: int
    closingBalance: str
    """Points with three decimals, as of endDate."""


class BalanceLedgerDetails(PageDetails):
    ledgerClosingBalance: list[ClosingBalance]


class CustomerLedgerBalance(BaseModel):
    """The answer of getCustomerLedgerBalance."""

    customerDetails: CustomerDetails
    ledgerDetails: BalanceLedgerDetails
    warnings: list[StatusItem] = Field(default_factory=list)


class EntryDetail(BaseModel):
    ledgerEntryType: str
    points: str
    """Unsigned, with three decimals: the entry type says which way the points moved."""
    pointsCategory: str
    programName: str
    programId: int


class TransactionDetails(BaseModel):
    transactionId: int
    transactionNumber: str
    date: str
    """Java's Timestamp form in the org's time zone, "2022-02-14 18:30:59.0"."""
    dateISO: str
    amount: float | None = _absent_when_none()
    """The bill's net amount; left out where the emulator knows none."""


class LedgerEntryItem(BaseModel):
    """One event of the owner's ledger with its entries."""

    eventLogId: int
    eventName: str
    customerId: int
    """The userId, or minus the groupId for a group (as Capillary)."""
    ledgerCreatedDate: str
    """Java's Timestamp form in the org's time zone, "2022-02-14 18:30:59.0"."""
    ledgerCreatedDateISO: str
    entryDetails: list[EntryDetail]
    netPointsOnEvent: str
    """Signed, with three decimals."""
    transactionDetails: TransactionDetails | None = _absent_when_none()
    """Only on bill events (TransactionAdd, TransactionUpdate, ReturnBill)."""
    store: str
    storeCode: str
    tillCode: str


class CustomerLedgerInfo(BaseModel):
    """The answer of getCustomerLedgerInfo."""

    customerDetails: CustomerDetails
    ledgerDetails: PageDetails
    ledgerEntries: list[LedgerEntryItem]
    warnings: list[StatusItem] = Field(default_factory=list)
