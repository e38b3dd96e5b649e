"""Wire shapes of /v2/otp: every field lenient so that the service answers with Capillary's code."""

from pydantic import BaseModel, Field

from capillary_emulator import lenient
from capillary_emulator.envelope import StatusItem


class OtpRequest(BaseModel):
    """What both endpoints are asked about: whose code, for which action."""

    entityType: lenient.Text = None
    """MOBILE or EMAIL."""
    entityValue: lenient.Text = None
    action: lenient.Text = None
    """What the code is for, e.g. POINTS_TRANSFER."""


class GenerateOtpBody(OtpRequest):
    template: lenient.Text = None
    emailTemplate: lenient.Text = None
    channels: lenient.TextList = None


class ValidateOtpBody(OtpRequest):
    code: lenient.Text = None


class OtpCreated(BaseModel):
    """POST /v2/otp/generate's answer: the id of the code (the code itself is never echoed)."""

    createdId: int
    warnings: list[StatusItem] = Field(default_factory=list)


class OtpValidated(BaseModel):
    """POST /v2/otp/validate's answer: `entity` says whether the code was right."""

    entity: bool
    warnings: list[StatusItem] = Field(default_factory=list)
