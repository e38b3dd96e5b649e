"""Bodies and answers of the v2 customers API, in Capillary's casing."""

from typing import Any

from pydantic import BaseModel, ConfigDict

from capillary_emulator.customers.schemas import CustomerObject
from capillary_emulator.envelope import StatusItem


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Any = None
    value: Any = None


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    firstName: Any = None
    lastName: Any = None
    identifiers: list[IdentifierIn] = []
    source: Any = None
    fields: dict[str, Any] = {}


class LoyaltyInfoIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    loyaltyType: Any = None


class CustomerBody(BaseModel):
    """POST /v2/customers and PUT /v2/customers: only the first profile is read."""

    model_config = ConfigDict(extra="ignore")

    profiles: list[ProfileIn] = []
    loyaltyInfo: LoyaltyInfoIn = LoyaltyInfoIn()
    extendedFields: dict[str, Any] = {}


class CustomerCreated(BaseModel):
    createdId: int
    warnings: list[StatusItem] = []
    sideEffects: list[dict[str, Any]] = []


class CustomerEntity(BaseModel):
    """GET /v2/customers/lookup: the userId only."""

    entity: int
    warnings: list[StatusItem] = []


class LoyaltyProgramDetail(BaseModel):
    programId: int
    loyaltyPoints: float
    lifetimePoints: float
    redeemed: float
    expired: float
    returned: float
    adjusted: float
    promisedPoints: float


class CustomerDetails(CustomerObject):
    """GET /v2/customers/{id} and /lookup/customerDetails: the customer object, the embeds."""

    loyaltyProgramDetails: list[LoyaltyProgramDetail] | None = None
    warnings: list[StatusItem] = []
