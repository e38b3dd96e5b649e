"""Bodies and answers of POST /v2/transactions (and bulk) and GET /v2/earning/{id}."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from capillary_emulator import lenient
from capillary_emulator.envelope import StatusItem


class TransactionBody(BaseModel):
    """One bill; bulk items carry the customer's identifier inline."""

    model_config = ConfigDict(extra="ignore")

    type: lenient.Text = "REGULAR"
    billNumber: lenient.Text = None
    billAmount: lenient.Points = None
    billingDate: lenient.Text = None
    identifierName: lenient.Text = None
    identifierValue: lenient.Text = None


class SideEffect(BaseModel):
    entityType: str = "USER"
    rawAwardedPoints: float
    awardedPoints: int
    type: str = "points"


class CustomerInfo(BaseModel):
    firstName: str
    lastName: str


class TransactionAdded(BaseModel):
    createdId: int
    warnings: list[StatusItem] = Field(default_factory=list)
    errors: list[StatusItem] = Field(default_factory=list)
    sideEffects: list[SideEffect] = Field(default_factory=list)
    loyaltyDetails: list[dict[str, Any]] = Field(default_factory=list)
    customerInfo: CustomerInfo


class BulkResult(BaseModel):
    billNumber: str
    id: int | None = None
    sideEffects: list[SideEffect] = Field(default_factory=list)


class BulkItem(BaseModel):
    result: BulkResult
    errors: list[StatusItem] = Field(default_factory=list)
    warnings: list[StatusItem] = Field(default_factory=list)


class BulkAnswer(BaseModel):
    response: list[BulkItem]


class Earning(BaseModel):
    """GET /v2/earning/{createdId}: the bill and what it earned."""

    id: int
    customerId: int
    type: str
    billNumber: str
    billAmount: float
    billingDate: str
    programId: int
    awardedPoints: int
    eventLogId: int | None = None
    warnings: list[StatusItem] = Field(default_factory=list)


class UnlockBody(BaseModel):
    """POST /v2/points/unlockPromisedPoints: the bill whose promised points become Main."""

    model_config = ConfigDict(extra="ignore")

    eventName: lenient.Text = None
    billNumber: lenient.Text = None
    eventLogId: lenient.Whole = None
    lineItemIds: list[lenient.Whole] = Field(default_factory=list)
    itemCodes: list[lenient.Text] = Field(default_factory=list)
    billDate: lenient.Text = None
    sourceStoreId: lenient.Whole = None
    sourceTillId: lenient.Whole = None
    sourceProgramId: lenient.Whole = None


class PointsUnlocked(BaseModel):
    billNumber: str
    pointsUnlocked: int | float
    """Whole points as an integer."""
    programId: int


class UnlockAnswer(BaseModel):
    pointsUnlocked: list[PointsUnlocked]
    warnings: list[StatusItem] = Field(default_factory=list)
