"""Wire shapes of POST /v2/points/reverse (note the casing: `pointsToBeReversed`)."""

from typing import Any

from pydantic import BaseModel


class ReverseRequest(BaseModel):
    """Every field lenient, so that the service answers bad input with Capillary's codes."""

    redemptionId: Any = None
    pointsToBeReversed: Any = None
    identifier: Any = None
