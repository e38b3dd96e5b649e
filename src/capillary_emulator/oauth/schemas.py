"""Wire shapes of POST /v3/oauth/token/generate (v3 answers `errors: null` on success)."""

from pydantic import BaseModel

from capillary_emulator import lenient


class AccessToken(BaseModel):
    accessToken: str
    ttlSeconds: int


class TokenAnswer(BaseModel):
    data: AccessToken
    errors: None = None


class TokenRequest(BaseModel):
    """Lenient, so that a missing or non-text key is Capillary's refusal, not a 422."""

    key: lenient.Text = None
    secret: lenient.Text = None
