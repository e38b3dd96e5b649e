"""Wire shapes both transfer families take and answer with, in Capillary's exact casing.

Request fields are lenient (`Any`) so that a wrong value gets Capillary's code from the service
instead of a validation error. In responses, field order is key order on the wire; keys
Capillary leaves out (the other side's customer or group object, the breakup of a history
record) are excluded when None, not rendered as null.
"""

from typing import Any

from pydantic import BaseModel, Field

from capillary_emulator import lenient
from capillary_emulator.customers.schemas import CustomerRef, TransferParty


def _absent(value: object) -> bool:
    return value is None


class TransferBody(BaseModel):
    """What every transfer body carries: the amount, the program and the notes."""

    pointsTobeTransferred: lenient.Points = None
    pointsToBeTransferred: lenient.Points = None
    """The newer docs spell it with a capital B in places; every request sample uses `Tobe`."""
    programId: lenient.Whole = None
    notes: lenient.Text = None

    @property
    def points(self) -> Any:
        if self.pointsTobeTransferred is not None:
            return self.pointsTobeTransferred
        return self.pointsToBeTransferred


class FleetGroupUser(BaseModel):
    userId: int
    groupId: int
    defaultGroup: bool
    active: bool
    primaryMember: bool


class GroupObject(BaseModel):
    """`transferredFromUserGroup2` / `transferredToUserGroup2`."""

    id: int
    externalId: str | None
    groupName: str
    groupStatus: str
    fleetGroupUsers: list[FleetGroupUser]
    createdBy: int | None
    createdOn: str
    maxGroupSize: int
    lifeTimePurchases: int | float
    """An int when whole (the seed's samples print `0`), else a float."""


class GroupRef(BaseModel):
    """A group side whose group no longer exists: only its id."""

    id: int


class ProgramBreakup(BaseModel):
    """One item of `pointsTransferBreakupByEarningPrograms`."""

    programId: int
    deductedPoints: float
    programCurrentPoints: int


class TransferRecord(BaseModel):
    """The record of GET/POST /v2/points/transfer and POST /v2/points/userGroup2/transfer."""

    toEntityId: int
    toEntityType: str
    fromEntityId: int
    fromEntityType: str
    pointsTransferDate: str
    pointsTransferDateISO: str
    pointsTransferred: float
    transferId: int
    transferType: str
    """DEDUCTION when the viewer sent the points, ADDITION when it received them."""
    transferredFrom: TransferParty | CustomerRef | None = Field(default=None, exclude_if=_absent)
    transferredFromUserGroup2: GroupObject | GroupRef | None = Field(
        default=None, exclude_if=_absent
    )
    transferredTo: TransferParty | CustomerRef | None = Field(default=None, exclude_if=_absent)
    transferredToUserGroup2: GroupObject | GroupRef | None = Field(default=None, exclude_if=_absent)
    notes: str | None
    programName: str
    pointsTransferBreakupByEarningPrograms: list[ProgramBreakup] | None = Field(
        default=None, exclude_if=_absent
    )
    """Present in the answer to a transfer, absent from history records."""
