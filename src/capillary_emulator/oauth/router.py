"""POST /v3/oauth/token/generate: key and secret -> an access token for X-CAP-API-OAUTH-TOKEN."""

from fastapi import APIRouter

from capillary_emulator import clock
from capillary_emulator.context import SessionDep
from capillary_emulator.oauth import service
from capillary_emulator.oauth.schemas import TokenAnswer, TokenRequest

router = APIRouter(tags=["oauth"])


@router.post("/v3/oauth/token/generate")
async def generate_token(session: SessionDep, body: TokenRequest) -> TokenAnswer:
    # No caller yet (the token is what makes one), hence no request context: the request's
    # one commit is written here.
    answer = service.generate_token(
        session, key=body.key, secret=body.secret, now=clock.now(session)
    )
    session.commit()
    return answer
