"""Wire shapes of /v2/otp: every field lenient so that the service answers with Capillary's code."""

from typing import Any

from pydantic import BaseModel

from capillary_emulator.envelope import StatusItem


class OtpRequest(BaseModel):
    """What both endpoints are asked about: whose code, for which action."""

    entityType: Any = None
    entityValue: Any = None
    action: Any = None


class GenerateOtpBody(OtpRequest):
    template: Any = None
    emailTemplate: Any = None
    channels: Any = None


class ValidateOtpBody(OtpRequest):
    code: Any = None


class OtpCreated(BaseModel):
    """POST /v2/otp/generate's answer: the id of the code (the code itself is never echoed)."""

    createdId: int
    warnings: list[StatusItem] = []


class OtpValidated(BaseModel):
    """POST /v2/otp/validate's answer: `entity` says whether the code was right."""

    entity: bool
    warnings: list[StatusItem] = []
