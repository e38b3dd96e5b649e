"""Query parameters and answers of the two ledger endpoints, with Capillary's exact casing.

Every query field is a raw string so that a malformed number or date reaches the service, which
answers with a Capillary code instead of FastAPI's 422. The router validates the query string
with `from_query` rather than FastAPI's per-field query model: the same result at a fraction
of the cost on a hot read path (bench/README.md, "Ledger at scale").
"""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from capillary_emulator.envelope import StatusItem


class LedgerQuery(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    identifierName: str | None = None
    identifierValue: str | None = None
    source: str | None = None
    accountId: str | None = None
    acountId: str | None = None
    """The seed document's spelling of accountId; both are accepted."""
    type: str | None = None
    """CUSTOMER (default) or USERGROUP2."""
    tillId: str | None = None
    tillIds: str | None = None
    """Comma-separated till ids."""
    storeCode: str | None = None
    storeId: str | None = None
    programId: str | None = None
    limit: str | None = None
    offset: str | None = None
    """A page number, not a row offset."""
    startDate: str | None = None
    """YYYY-MM-DDThh:mm:ss (getCustomerLedgerInfo only)."""
    endDate: str | None = None
    """YYYY-MM-DDThh:mm:ss."""
    includeTillConceptEvents: str | None = None
    ledgerEntryType: str | None = None
    """CREDIT, DEBIT or OPENING_BALANCE."""
    pointCategoryType: str | None = None
    """REGULAR, PROMISED or TRIGGER_BASED."""
    order: str | None = None
    """ASC (default) or DESC on the event date; `sortOrder` and `sort` are older spellings."""
    sortOrder: str | None = None
    sort: str | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "LedgerQuery":
        """Unknown parameters are ignored; a repeated one keeps its last value."""
        return cls.model_validate(
            {name: params[name] for name in cls.model_fields if name in params}
        )

    @classmethod
    def openapi_parameters(cls) -> list[dict[str, Any]]:
        required = {"identifierName", "identifierValue", "source"}
        return [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": {"type": "string"},
                **({"description": field.description} if field.description else {}),
            }
            for name, field in cls.model_fields.items()
        ]


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
    warnings: list[StatusItem] = []


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
    warnings: list[StatusItem] = []
