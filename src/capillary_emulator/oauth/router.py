"""POST /v3/oauth/token/generate: key and secret -> an access token for X-CAP-API-OAUTH-TOKEN."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from capillary_emulator import clock
from capillary_emulator.auth import issue_oauth_token
from capillary_emulator.context import SessionDep
from capillary_emulator.errors import OAuthTokenFailedError

router = APIRouter(tags=["oauth"])


class TokenRequest(BaseModel):
    key: Any = None
    secret: Any = None


@router.post("/v3/oauth/token/generate")
async def generate_token(session: SessionDep, body: TokenRequest) -> dict[str, Any]:
    if not isinstance(body.key, str) or not isinstance(body.secret, str):
        raise OAuthTokenFailedError()
    issued = issue_oauth_token(session, key=body.key, secret=body.secret, now=clock.now(session))
    session.commit()
    return {
        "data": {"accessToken": issued.access_token, "ttlSeconds": issued.ttl_seconds},
        "errors": None,
    }
