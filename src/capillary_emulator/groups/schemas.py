"""Wire shapes of the group (USERGROUP2) transfer family, in Capillary's exact casing.

The transfer record both families answer with is `transfer_core.schemas.TransferRecord`.
"""

from pydantic import BaseModel

from capillary_emulator import lenient
from capillary_emulator.transfer_core.schemas import TransferBody


class GroupTransferBody(TransferBody):
    """The body of userGroup2/isTransferrable and userGroup2/transfer."""

    transferredBy: lenient.ActingCustomer = None
    """`{identifierType, identifierValue, source, accountId}` of the acting customer."""
    fromEntity: lenient.TransferEntity = None
    """`{type, identifierType, identifierValue, source, accountId}`; type CUSTOMER or USERGROUP2."""
    toEntity: lenient.TransferEntity = None


class GroupTransferrable(BaseModel):
    """data[0] of userGroup2/isTransferrable. Every failure is an error, so a successful
    answer is always `transferrable: true`."""

    pointsTobeTransferred: float
    """A float, as the seed's sample renders it (10.5 asked, 10.0 answered)."""
    transferrable: bool
