"""Wire shapes of /v2/otp: every field lenient so that the service answers with Capillary's code."""

from typing import Any

from pydantic import BaseModel


class GenerateOtpBody(BaseModel):
    entityType: Any = None
    entityValue: Any = None
    action: Any = None
    template: Any = None
    emailTemplate: Any = None
    channels: Any = None


class ValidateOtpBody(BaseModel):
    entityType: Any = None
    entityValue: Any = None
    action: Any = None
    code: Any = None
