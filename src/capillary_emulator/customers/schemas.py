"""The customer shapes Capillary's transfer responses embed, in its exact casing."""

from typing import Any

from pydantic import BaseModel, Field


class TransferParty(BaseModel):
    """`transferredFrom` / `transferredTo`: the short customer shape of transfer records."""

    userId: int
    firstName: str
    lastName: str


class CustomerRef(BaseModel):
    """A customer side whose customer no longer exists: only its id."""

    userId: int


class Actor(BaseModel):
    """Who created or modified the profile: always the till that registered it."""

    id: int
    code: str
    name: str
    type: str


class Attribution(BaseModel):
    createDate: str
    createdBy: Actor
    modifiedBy: Actor
    modifiedDate: str


class Identifier(BaseModel):
    type: str
    value: str


class CommChannelMeta(BaseModel):
    residence: bool = False
    office: bool = False


class CommChannel(BaseModel):
    type: str
    value: str
    primary: bool = True
    verified: bool = False
    meta: CommChannelMeta = Field(default_factory=CommChannelMeta)
    attributes: dict[str, Any] = Field(default_factory=dict)


class Profile(BaseModel):
    firstName: str
    lastName: str
    attribution: Attribution
    fields: dict[str, Any] = Field(default_factory=dict)
    identifiers: list[Identifier]
    commChannels: list[CommChannel]
    source: str
    userId: int
    accountId: str
    conflictingProfileList: list[dict[str, Any]] = Field(default_factory=list)
    autoUpdateTime: str


class LoyaltyInfo(BaseModel):
    loyaltyType: str
    attributionV2: Attribution


class CustomerObject(BaseModel):
    """The full v2 customer object (`transferFrom` / `transferTo` of isTransferrable)."""

    id: int
    profiles: list[Profile]
    loyaltyInfo: LoyaltyInfo
    segments: dict[str, Any] = Field(default_factory=dict)
    extendedFields: dict[str, Any] = Field(default_factory=dict)
