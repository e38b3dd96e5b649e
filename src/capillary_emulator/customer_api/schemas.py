"""Bodies and answers of the v2 customers API, in Capillary's casing."""

from typing import Any

from pydantic import BaseModel, ConfigDict

from capillary_emulator import lenient
from capillary_emulator.customers.schemas import CustomerObject
from capillary_emulator.envelope import StatusItem


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: lenient.Text = None
    value: lenient.Text = None


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    firstName: lenient.Text = None
    lastName: lenient.Text = None
    identifiers: list[IdentifierIn] = []
    source: lenient.Text = None
    fields: dict[str, Any] = {}


class LoyaltyInfoIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    loyaltyType: lenient.Text = None


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


class V11ItemStatus(BaseModel):
    success: str
    code: int
    message: str


class V11PointsSummary(BaseModel):
    program_id: int
    loyaltyPoints: float
    lifetimePoints: float
    redeemed: float
    expired: float
    returned: float
    adjusted: float


class V11PointsSummaries(BaseModel):
    points_summary: list[V11PointsSummary]


class V11Till(BaseModel):
    code: str


class V11Customer(BaseModel):
    """One item of GET /v1.1/customer/get: the customer, or only the value asked for and an
    `item_status` of 1012 when it names no one (the other keys are then left out)."""

    user_id: int | None = None
    firstname: str | None = None
    lastname: str | None = None
    mobile: str | None = None
    email: str | None = None
    external_id: str | None = None
    id: str | None = None
    loyalty_points: float | None = None
    lifetime_points: float | None = None
    lifetime_purchases: float | None = None
    type: str | None = None
    source: str | None = None
    registered_on: str | None = None
    updated_on: str | None = None
    registered_till: V11Till | None = None
    points_summaries: V11PointsSummaries | None = None
    item_status: V11ItemStatus


class V11Status(BaseModel):
    success: str
    code: int
    message: str
    total: int
    success_count: int


class V11Customers(BaseModel):
    customer: list[V11Customer]


class V11CustomerResponse(BaseModel):
    status: V11Status
    customers: V11Customers


class V11CustomerGetAnswer(BaseModel):
    """The documented shape of GET /v1.1/customer/get (format=json; format=xml answers the same
    tree as XML)."""

    response: V11CustomerResponse
