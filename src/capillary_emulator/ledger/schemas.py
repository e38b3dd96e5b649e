"""Query parameters of the two ledger endpoints, with Capillary's exact casing.

Every field is a raw string so that a malformed number or date reaches the service, which
answers with a Capillary code instead of FastAPI's 422. The router validates the query string
with `from_query` rather than FastAPI's per-field query model: the same result at a fraction
of the cost on a hot read path (bench/README.md, "Ledger at scale").
"""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict


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
