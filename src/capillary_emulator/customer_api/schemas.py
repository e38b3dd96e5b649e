"""Bodies and answers of the v2 customers API, in Capillary's casing."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
    identifiers: list[IdentifierIn] = Field(default_factory=list)
    source: lenient.Text = None
    fields: dict[str, Any] = Field(default_factory=dict)


class LoyaltyInfoIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    loyaltyType: lenient.Text = None


class CustomerBody(BaseModel):
    """POST /v2/customers and PUT /v2/customers: only the first profile is read."""

    model_config = ConfigDict(extra="ignore")

    profiles: list[ProfileIn] = Field(default_factory=list)
    loyaltyInfo: LoyaltyInfoIn = Field(default_factory=LoyaltyInfoIn)
    extendedFields: dict[str, Any] = Field(default_factory=dict)


class CustomerCreated(BaseModel):
    createdId: int
    warnings: list[StatusItem] = Field(default_factory=list)
    sideEffects: list[dict[str, Any]] = Field(default_factory=list)


class CustomerEntity(BaseModel):
    """GET /v2/customers/lookup: the userId only."""

    entity: int
    warnings: list[StatusItem] = Field(default_factory=list)


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
    warnings: list[StatusItem] = Field(default_factory=list)


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


class V11CustomerBody(BaseModel):
    """POST /v1.1/customer/add and /update: `{"root": {"customer": [{...}]}}` (one object is
    taken as a list of one); items are read by the service, so bad ones get v1.1's codes."""

    model_config = ConfigDict(extra="ignore")

    root: lenient.V11CustomerRoot = None


class V11ListStatus(BaseModel):
    success: str
    code: int
    message: str
    total: int
    success_count: int


class V11TransactionPoints(BaseModel):
    issued: str
    returned: str
    program_id: str
    expiry_date: str | None = None
    """Left out when the points never expire."""


class V11Transaction(BaseModel):
    id: str
    number: str
    type: str
    return_type: str
    amount: str
    gross_amount: str
    discount: str
    billing_time: str
    auto_update_time: str
    store: str
    store_code: str
    till_code: str
    returned_points_on_bill: str
    points: V11TransactionPoints


class V11Transactions(BaseModel):
    transaction: list[V11Transaction]


class V11TransactionsCustomer(BaseModel):
    """One customer's bills; only the value asked for and `item_status` when not found."""

    firstname: str | None = None
    lastname: str | None = None
    user_id: str | None = None
    mobile: str | None = None
    email: str | None = None
    external_id: str | None = None
    lifetime_points: float | None = None
    loyalty_points: float | None = None
    count: int | None = None
    start: str | None = None
    rows: str | None = None
    transactions: V11Transactions | None = None
    item_status: V11ItemStatus


class V11TransactionsResponse(BaseModel):
    status: V11ListStatus
    customer: V11TransactionsCustomer | list[V11TransactionsCustomer]


class V11TransactionsAnswer(BaseModel):
    """GET /v1.1/customer/transactions (format=xml: the same tree as XML)."""

    response: V11TransactionsResponse


class V11ProgramPoints(BaseModel):
    program_id: int
    points_redeemed: float | None = None
    points_reversed: float | None = None
    program_name: str


class V11Reversal(BaseModel):
    reversal_id: int
    reversal_code: str
    points_reversed: float
    reversal_time: str
    reversed_on_till_id: int | None = None
    reversal_breakup_by_program: list[V11ProgramPoints]


class V11CodeName(BaseModel):
    code: str
    name: str


class V11PointsRedemption(BaseModel):
    id: int
    redemption_id: str
    program_id: int
    points_redeemed: float
    transaction_number: str
    external_reference_number: str
    validation_code: str
    redeemed_time: str
    redeemed_at: str
    notes: str
    redeemed_store: V11CodeName
    redeemed_till: V11CodeName
    reversals: list[V11Reversal]
    redemption_breakup_by_program: list[V11ProgramPoints]


class V11PointsRedemptions(BaseModel):
    point: list[V11PointsRedemption]


class V11Coupons(BaseModel):
    coupon: list[str]
    """Always empty: coupons are not emulated."""


class V11Redemptions(BaseModel):
    coupons: V11Coupons
    points: V11PointsRedemptions


class V11RedemptionsCustomer(BaseModel):
    mobile: str | None = None
    email: str | None = None
    external_id: str | None = None
    firstname: str | None = None
    lastname: str | None = None
    user_id: int | None = None
    rows: str | None = None
    coupons_count: str | None = None
    points_count: str | None = None
    coupons_start_id: str | None = None
    points_start_id: str | None = None
    redemptions: V11Redemptions | None = None
    item_status: V11ItemStatus


class V11RedemptionsResponse(BaseModel):
    status: V11ListStatus
    customer: V11RedemptionsCustomer | list[V11RedemptionsCustomer]


class V11RedemptionsAnswer(BaseModel):
    """GET /v1.1/customer/redemptions (format=xml: the same tree as XML)."""

    response: V11RedemptionsResponse
