"""Basic (till code + md5 of the password) and OAuth token resolution -> org and till.

Every call here reads the database; `caches.WorkerCaches` keeps what it resolves per worker.
"""

import base64
import binascii
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from capillary_emulator.errors import AuthenticationFailedError, OAuthTokenFailedError
from capillary_emulator.models import OAuthClient, OAuthToken, Org, Program, Till
from capillary_emulator.tenancy import Caller, OrgInfo, ProgramInfo, TillInfo

OAUTH_HEADER = "x-cap-api-oauth-token"


def authenticate(
    session: Session, *, authorization: str | None, oauth_token: str | None, now: datetime
) -> Caller:
    if oauth_token:
        caller = _from_token(session, oauth_token, now)
    elif authorization:
        caller = _from_basic(session, authorization)
    else:
        raise AuthenticationFailedError()
    programs = session.execute(select(Program).where(Program.org_id == caller.org.id)).scalars()
    return replace(
        caller, programs=MappingProxyType({p.id: ProgramInfo.from_row(p) for p in programs})
    )


def _from_basic(session: Session, authorization: str) -> Caller:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise AuthenticationFailedError()
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailedError() from None
    code, sep, password_md5 = decoded.partition(":")
    if not sep:
        raise AuthenticationFailedError()
    row = session.execute(
        select(Till, Org).join(Org, Org.id == Till.org_id).where(Till.code == code)
    ).first()
    if row is None or not secrets.compare_digest(row[0].password_md5, password_md5.lower()):
        raise AuthenticationFailedError()
    return Caller(org=OrgInfo.from_row(row[1]), till=TillInfo.from_row(row[0]))


def _from_token(session: Session, token: str, now: datetime) -> Caller:
    row = session.execute(
        select(OAuthToken.expires_at, Till, Org)
        .join(Till, Till.id == OAuthToken.till_id)
        .join(Org, Org.id == OAuthToken.org_id)
        .where(OAuthToken.token == token)
    ).first()
    if row is None or row[0] <= now:
        raise AuthenticationFailedError()
    return Caller(org=OrgInfo.from_row(row[2]), till=TillInfo.from_row(row[1]))


def token_expiry(session: Session, token: str) -> datetime | None:
    """When a token stops working, on the emulator clock (the caller cache keeps it that long)."""
    return session.execute(
        select(OAuthToken.expires_at).where(OAuthToken.token == token)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    ttl_seconds: int


def issue_oauth_token(session: Session, *, key: str, secret: str, now: datetime) -> IssuedToken:
    client = session.execute(select(OAuthClient).where(OAuthClient.key == key)).scalar_one_or_none()
    if client is None or not secrets.compare_digest(client.secret, secret):
        raise OAuthTokenFailedError()
    # Capillary issues an RS256 JWT; clients treat it as opaque, so an opaque random token
    # with the same lifetime semantics is enough and needs no key material.
    token = "capemu." + secrets.token_urlsafe(32)
    session.add(
        OAuthToken(
            token=token,
            org_id=client.org_id,
            till_id=client.till_id,
            issued_at=now,
            expires_at=now + timedelta(seconds=client.ttl_seconds),
        )
    )
    return IssuedToken(access_token=token, ttl_seconds=client.ttl_seconds)
