"""Credentials: the till behind Basic auth or an OAuth token, with its org and programs in the
same statement, and the OAuth clients that issue tokens."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.sql import Select

from capillary_emulator.models import OAuthClient, OAuthToken, Org, Program, Till
from capillary_emulator.store.sql import Db, Row, Statement

_CALLER_COLUMNS = (
    Till.id,
    Till.org_id,
    Till.code,
    Till.password_md5,
    Till.store_id,
    Till.store_name,
    Till.store_code,
    Org.id,
    Org.name,
    Org.timezone,
    Org.default_country_code,
    Org.config,
    Org.clock_offset_us,
    Org.clock_frozen_at,
    Program.id,
    Program.name,
    Program.is_default,
)
"""Till, org and (one row per program, NULLs when there is none) the org's programs."""


def _till_by_code() -> Select[Any]:
    return (
        select(*_CALLER_COLUMNS)
        .select_from(Till)
        .join(Org, Org.id == Till.org_id)
        .outerjoin(Program, Program.org_id == Org.id)
        .where(Till.code == bindparam("code"))
        .order_by(Program.id)
    )


def _token_caller() -> Select[Any]:
    return (
        select(*_CALLER_COLUMNS, OAuthToken.expires_at)
        .select_from(OAuthToken)
        .join(Till, Till.id == OAuthToken.till_id)
        .join(Org, Org.id == OAuthToken.org_id)
        .outerjoin(Program, Program.org_id == Org.id)
        .where(OAuthToken.token == bindparam("token"))
        .order_by(Program.id)
    )


TILL_BY_CODE = Statement("till_by_code", _till_by_code)
TOKEN_CALLER = Statement("token_caller", _token_caller)
CLIENT_BY_KEY = Statement(
    "oauth_client_by_key",
    lambda: (
        select(
            OAuthClient.org_id,
            OAuthClient.till_id,
            OAuthClient.secret,
            OAuthClient.ttl_seconds,
            Org.clock_offset_us,
            Org.clock_frozen_at,
        )
        .join(Org, Org.id == OAuthClient.org_id)
        .where(OAuthClient.key == bindparam("key"))
    ),
)


def _insert_token() -> Any:
    table = OAuthToken.__table__
    assert isinstance(table, Table)
    return insert(table).values({c.name: bindparam(c.name) for c in table.columns}).inline()


INSERT_TOKEN = Statement("insert_oauth_token", _insert_token)


@dataclass(frozen=True)
class CallerRows:
    """What a credential resolves to, as the plain values `tenancy` builds its caller from."""

    till: dict[str, Any]
    org: dict[str, Any]
    password_md5: str
    programs: tuple[dict[str, Any], ...]
    expires_at: datetime | None = None
    """For a token: when it stops working, on the emulator clock."""


_TILL = ("id", "org_id", "code", "password_md5", "store_id", "store_name", "store_code")
_ORG = (
    "id",
    "name",
    "timezone",
    "default_country_code",
    "config",
    "clock_offset_us",
    "clock_frozen_at",
)


def _caller(rows: Sequence[Row], expires_at: datetime | None = None) -> CallerRows | None:
    if not rows:
        return None
    till = dict(zip(_TILL, rows[0][:7], strict=True))
    org = dict(zip(_ORG, rows[0][7:14], strict=True))
    config = org["config"]
    # SQLite hands JSON columns back as text; psycopg decodes them itself.
    org["config"] = json.loads(config) if isinstance(config, str) else config
    programs = tuple(
        {"id": r[14], "org_id": org["id"], "name": r[15], "is_default": bool(r[16])}
        for r in rows
        if r[14] is not None
    )
    password = till.pop("password_md5")
    return CallerRows(till, org, password, programs, expires_at)


def caller_of_till(db: Db, code: str) -> CallerRows | None:
    return _caller(db.rows(TILL_BY_CODE, code=code))


def caller_of_token(db: Db, token: str) -> CallerRows | None:
    rows = db.rows(TOKEN_CALLER, token=token)
    return _caller(rows, rows[0][-1]) if rows else None


@dataclass(frozen=True)
class ClientRow:
    org_id: int
    till_id: int
    secret: str
    ttl_seconds: int
    clock_offset_us: int | None = None
    """The client's org's own clock (None: it reads the global one)."""
    clock_frozen_at: datetime | None = None


def oauth_client(db: Db, key: str) -> ClientRow | None:
    row = db.first(CLIENT_BY_KEY, key=key)
    return None if row is None else ClientRow(*row)


def insert_token(
    db: Db, *, token: str, org_id: int, till_id: int, issued_at: datetime, expires_at: datetime
) -> None:
    db.execute(
        INSERT_TOKEN,
        token=token,
        org_id=org_id,
        till_id=till_id,
        issued_at=issued_at,
        expires_at=expires_at,
    )
