"""Wire shapes of POST /v2/points/reverse (note the casing: `pointsToBeReversed`).

The answer is a flat object with its `warnings`, not the transfer family's `data` envelope;
a reversal refused by the org's switch (905) answers a shorter one, without `customerId`,
`orgId` and `reversalId`.
"""

from pydantic import BaseModel, Field

from capillary_emulator import lenient
from capillary_emulator.envelope import StatusItem


class ReverseRequest(BaseModel):
    """Every field lenient, so that the service answers bad input with Capillary's codes."""

    redemptionId: lenient.Text = None
    pointsToBeReversed: lenient.Points = None
    pointsTobeReversed: lenient.Points = None
    """The transfer family's casing, a likely slip: refused rather than read as "reverse all"."""
    identifier: lenient.CustomerIdentifier = None


class IdentifierEcho(BaseModel):
    """The request's `identifier`, echoed as it was sent."""

    type: lenient.Text
    value: lenient.Text


class PointsReversedDetails(BaseModel):
    available: float
    """Points restored to lots that are still valid."""
    expired: float
    """Points whose lots have expired since the redemption: reversed, not restored."""


class ReversalAnswer(BaseModel):
    redemptionId: str
    pointsToBeReversed: float
    orgId: int
    identifier: IdentifierEcho | None
    customerId: int
    pointsReversed: float
    pointsReversedDetails: PointsReversedDetails
    reversalId: str
    warnings: list[StatusItem] = Field(default_factory=list)


class ReversalDisabledAnswer(BaseModel):
    """No `orgId` and no `reversalId`: clients read a positive `orgId` as "reversed"."""

    redemptionId: str | int | None
    pointsToBeReversed: float | None
    identifier: IdentifierEcho | None
    pointsReversed: float = 0.0
    pointsReversedDetails: PointsReversedDetails = PointsReversedDetails(available=0, expired=0)
    warnings: list[StatusItem]
