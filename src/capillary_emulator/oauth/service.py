"""Issuing OAuth access tokens for a client's key and secret."""

from datetime import datetime

from sqlalchemy.orm import Session

from capillary_emulator.auth import issue_oauth_token
from capillary_emulator.errors import OAuthTokenFailedError
from capillary_emulator.inputs import storable
from capillary_emulator.oauth.schemas import AccessToken, TokenAnswer


def generate_token(session: Session, *, key: object, secret: object, now: datetime) -> TokenAnswer:
    """A token for X-CAP-API-OAUTH-TOKEN; any key or secret that is not text is refused."""
    if not (
        isinstance(key, str) and isinstance(secret, str) and storable(key) and storable(secret)
    ):
        raise OAuthTokenFailedError()
    issued = issue_oauth_token(session, key=key, secret=secret, now=now)
    return TokenAnswer(
        data=AccessToken(accessToken=issued.access_token, ttlSeconds=issued.ttl_seconds)
    )
