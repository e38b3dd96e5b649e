"""Wire shapes of the customer transfer family, in Capillary's exact casing.

Every field is lenient (`Any`) so that a wrong value gets Capillary's code from the service
instead of a validation error.
"""

from typing import Any

from pydantic import BaseModel


class CustomerTransferBody(BaseModel):
    """The body of isTransferrable, issuePointsTransferOtp and transfer."""

    pointsTobeTransferred: Any = None
    pointsToBeTransferred: Any = None
    """The newer docs' table spells it with a capital B; every sample uses `Tobe`."""
    groupProgramTransfer: Any = None
    programId: Any = None
    notes: Any = None
    fromCustomerIdentifier: Any = None
    toCustomerIdentifier: Any = None
    issueOtp: Any = None
    code: Any = None

    @property
    def points(self) -> Any:
        if self.pointsTobeTransferred is not None:
            return self.pointsTobeTransferred
        return self.pointsToBeTransferred
