"""Wire shapes of the customer transfer family, in Capillary's exact casing.

The transfer record both families answer with is `transfer_core.schemas.TransferRecord`.
"""

from pydantic import BaseModel, Field

from capillary_emulator import lenient
from capillary_emulator.customers.schemas import CustomerObject
from capillary_emulator.query_string import QueryModel
from capillary_emulator.transfer_core.schemas import TransferBody


class CustomerTransferBody(TransferBody):
    """The body of isTransferrable, issuePointsTransferOtp and transfer."""

    groupProgramTransfer: lenient.Flag = None
    fromCustomerIdentifier: lenient.CustomerIdentifier = None
    toCustomerIdentifier: lenient.CustomerIdentifier = None
    issueOtp: lenient.Flag = None
    code: lenient.Text = None
    """The OTP the transfer's check sent (when the org asks for one)."""


class Transferrable(BaseModel):
    """data[0] of isTransferrable and issuePointsTransferOtp."""

    pointsTobeTransferred: int
    """Whole points (the seed's sample echoes the int 10)."""
    transferFrom: CustomerObject
    transferTo: CustomerObject
    transferrable: bool


class TransferHistoryQuery(QueryModel):
    """The query of GET /v2/points/transfer; every value is checked by the service."""

    identifierName: str | None = None
    identifierValue: str | None = None
    source: str | None = None
    accountId: str | None = None
    programId: str | None = None
    userEntityType: str | None = Field(None, description="CUSTOMER (default) or USERGROUP2.")
