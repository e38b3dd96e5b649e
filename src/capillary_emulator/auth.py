"""Basic (till code + md5 of the password) and OAuth token resolution -> org and till.

Every call here reads the database (one statement: the till, its org and the org's programs);
`caches.WorkerCaches` keeps what it resolves per worker.
"""

import base64
import binascii
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy.orm import Session

from capillary_emulator import clock
from capillary_emulator.errors import AuthenticationFailedError, OAuthTokenFailedError
from capillary_emulator.store import auth as store
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller, OrgInfo, ProgramInfo, TillInfo

OAUTH_HEADER = "x-cap-api-oauth-token"


def authenticate_until(
    session: Session, *, authorization: str | None, oauth_token: str | None, now: datetime
) -> tuple[Caller, datetime | None]:
    """The caller, and for a token when it stops working (None for Basic: until invalidated)."""
    if oauth_token:
        found = store.caller_of_token(Db(session), oauth_token)
        if found is None or found.expires_at is None or found.expires_at <= _org_now(found, now):
            raise AuthenticationFailedError()
    elif authorization:
        code, password_md5 = _basic_credentials(authorization)
        found = store.caller_of_till(Db(session), code)
        if found is None or not secrets.compare_digest(found.password_md5, password_md5):
            raise AuthenticationFailedError()
    else:
        raise AuthenticationFailedError()
    return _caller(found), found.expires_at


def caller_of_till_code(session: Session, code: str) -> Caller | None:
    """The caller a till acts as, without credentials (the emulator's own writes)."""
    found = store.caller_of_till(Db(session), code)
    return None if found is None else _caller(found)


def _org_now(found: store.CallerRows, now: datetime) -> datetime:
    """`now` (the global clock) as the credential's org reads it (its own clock when set)."""
    org, reading = found.org, clock.ClockReading(now, False)
    return clock.org_reading(reading, org["clock_offset_us"], org["clock_frozen_at"]).now


def _basic_credentials(authorization: str) -> tuple[str, str]:
    """(till code, lower-case md5 of the password) from a Basic header; 401 when malformed."""
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
    return code, password_md5.lower()


def _caller(found: store.CallerRows) -> Caller:
    programs = {p["id"]: ProgramInfo(**p) for p in found.programs}
    return Caller(
        org=OrgInfo(**found.org),
        till=TillInfo(**found.till),
        programs=MappingProxyType(programs),
    )


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    ttl_seconds: int


def issue_oauth_token(session: Session, *, key: str, secret: str, now: datetime) -> IssuedToken:
    db = Db(session)
    client = store.oauth_client(db, key)
    if client is None or not secrets.compare_digest(client.secret, secret):
        raise OAuthTokenFailedError()
    reading = clock.ClockReading(now, False)
    now = clock.org_reading(reading, client.clock_offset_us, client.clock_frozen_at).now
    # Capillary issues an RS256 JWT; clients treat it as opaque, so an opaque random token
    # with the same lifetime semantics is enough and needs no key material.
    token = "capemu." + secrets.token_urlsafe(32)
    store.insert_token(
        db,
        token=token,
        org_id=client.org_id,
        till_id=client.till_id,
        issued_at=now,
        expires_at=now + timedelta(seconds=client.ttl_seconds),
    )
    return IssuedToken(access_token=token, ttl_seconds=client.ttl_seconds)
