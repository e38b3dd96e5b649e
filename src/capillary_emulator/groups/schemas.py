"""Wire shapes of the group (USERGROUP2) transfer family, in Capillary's exact casing.

Every field is lenient (`Any`) so that a wrong value gets Capillary's code from the service
instead of a validation error.
"""

from typing import Any

from pydantic import BaseModel


class GroupTransferBody(BaseModel):
    """The body of userGroup2/isTransferrable and userGroup2/transfer."""

    pointsTobeTransferred: Any = None
    pointsToBeTransferred: Any = None
    """The newer docs' group response spells it with a capital B; every request uses `Tobe`."""
    notes: Any = None
    programId: Any = None
    transferredBy: Any = None
    """`{identifierType, identifierValue, source, accountId}` of the acting customer."""
    fromEntity: Any = None
    """`{type, identifierType, identifierValue, source, accountId}`; type CUSTOMER or USERGROUP2."""
    toEntity: Any = None

    @property
    def points(self) -> Any:
        if self.pointsTobeTransferred is not None:
            return self.pointsTobeTransferred
        return self.pointsToBeTransferred
