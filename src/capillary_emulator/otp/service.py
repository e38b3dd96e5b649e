"""One-time codes: issued per customer and action, valid for the org's OTP_VALIDITY_SECONDS on
the emulator clock, single use, void after OTP_MAX_ATTEMPTS wrong tries. Codes are never logged;
tests read them from GET /_emulator/otps."""

import secrets
import string
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from capillary_emulator.errors import (
    CapillaryError,
    InvalidConfigurationError,
    InvalidValidationCodeError,
    OtpInvalidActionError,
    OtpInvalidChannelError,
    OtpInvalidEntityTypeError,
    OtpInvalidEntityValueError,
    OtpInvalidOrExpiredError,
    OtpMissingError,
    OtpRateLimitError,
)
from capillary_emulator.inputs import config_integer, mobile_candidates, storable
from capillary_emulator.orgs import OrgConfig
from capillary_emulator.otp.schemas import (
    GenerateOtpBody,
    OtpCreated,
    OtpRequest,
    OtpValidated,
    ValidateOtpBody,
)
from capillary_emulator.store import otp as store
from capillary_emulator.store.customer_lookup import FoundCustomer, find_customer
from capillary_emulator.store.otp import OtpCode
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import OrgInfo

CODE_ALPHABET = string.ascii_uppercase + string.digits
CODE_LENGTH = 6


class HasId(Protocol):
    """Whoever a code is for: a customer row or a found customer, only its id is used."""

    @property
    def id(self) -> int: ...


POINTS_TRANSFER = "POINTSTRANSFER"
REGISTRATION = "REGISTRATION"
ACTIONS = frozenset(
    {
        "COUPON",
        "POINTS",
        REGISTRATION,
        "USERGROUP",
        "SUBSCRIPTION",
        "GENERIC",
        POINTS_TRANSFER,
        "CUSTOMER_STATUS_UPDATE",
        "CUSTOMER_IDENTIFIER_CHANGE",
        "CUSTOMER_ISSUE_LINK_CARD",
    }
)
"""The `action` values of /v2/otp/generate and /v2/otp/validate."""
ENTITY_TYPES = {"MOBILE": "mobile", "EMAIL": "email"}
"""`entityType` -> the customer identifier it names."""
CHANNEL_TYPES = frozenset({"EMAIL", "SMS", "MOBILE", "PHONE", "BOTH"})


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _live_otp(
    db: Db,
    *,
    org: OrgInfo,
    customer_id: int | None,
    action: str,
    now: datetime,
    entity: tuple[str, str] | None = None,
) -> OtpCode | None:
    """The newest code of this customer (or, unbound, of this entity) for the action that can
    still be used."""
    return store.live_code(
        db,
        org_id=org.id,
        action=action,
        now=now,
        max_attempts=OrgConfig(org.config).integer("OTP_MAX_ATTEMPTS"),
        customer_id=customer_id,
        entity=entity,
    )


def issue_otp(
    session: Session,
    *,
    org: OrgInfo,
    customer: HasId | None,
    action: str,
    now: datetime,
    entity_type: str | None = None,
    entity_value: str | None = None,
    contacts: Mapping[str, str] | None = None,
) -> OtpCode:
    """A code for the customer and action; asking again while one is valid returns the same code.

    Without a customer (a REGISTRATION code for someone not yet registered) the code is bound
    to the entity (`entity_type`, `entity_value`) instead. Without an entity the code goes to
    the customer's mobile (else email): `contacts` when the caller has read them already.
    """
    db = Db(session)
    customer_id = customer.id if customer is not None else None
    entity = (entity_type, entity_value) if entity_type and entity_value else None
    existing = _live_otp(
        db, org=org, customer_id=customer_id, action=action, now=now, entity=entity
    )
    if existing is not None:
        return existing
    if entity_value is None and customer is not None:
        if contacts is None:
            contacts = store.contacts(db, customer.id)
        entity_type = "MOBILE" if "mobile" in contacts else "EMAIL"
        entity_value = contacts.get("mobile") or contacts.get("email", "")
    _check_rate_limit(
        db,
        org=org,
        customer_id=customer_id,
        entity=(entity_type or "MOBILE", entity_value or ""),
        now=now,
    )
    validity = OrgConfig(org.config).integer("OTP_VALIDITY_SECONDS")
    code = fixed_code(org, customer_id, action) or new_code()
    otp_id = store.insert_code(
        db,
        org_id=org.id,
        customer_id=customer_id,
        action=action,
        code=code,
        entity_type=entity_type or "MOBILE",
        entity_value=entity_value or "",
        issued_at=now,
        expires_at=now + timedelta(seconds=validity),
        used_at=None,
        failed_attempts=0,
    )
    return OtpCode(otp_id, code)


def fixed_code(org: OrgInfo, customer_id: int | None, action: str) -> str | None:
    """The org's `OTP_FIXED_CODES` entry for the customer and action: a code that is issued
    whenever one is asked for, and again as soon as it is used (the demo's sample code);
    entries are `{userId, action, code}`. Anything else in the key is Capillary's 888."""
    entries = org.config.get("OTP_FIXED_CODES") or []
    if not isinstance(entries, list):
        raise InvalidConfigurationError()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            raise InvalidConfigurationError()
        if entry.get("userId") == customer_id and str(entry.get("action", "")).upper() == action:
            return str(entry["code"])
    return None


RATE_LIMIT_KEYS = ("OTP_MAX_COUNT", "OTP_TIME_OUT")


def _check_rate_limit(
    db: Db, *, org: OrgInfo, customer_id: int | None, entity: tuple[str, str], now: datetime
) -> None:
    """429 when the customer (or the entity) was issued OTP_MAX_COUNT codes, any action, in
    the last OTP_TIME_OUT minutes of the emulator clock. Off while the org sets neither key."""
    config = OrgConfig(org.config)
    if not any(config.is_set(key) for key in RATE_LIMIT_KEYS):
        return
    count, minutes = (config_integer(config, key) for key in RATE_LIMIT_KEYS)
    if count <= 0 or minutes <= 0:
        return
    since = now - timedelta(minutes=minutes)
    issued = store.issued_since(
        db, org_id=org.id, since=since, customer_id=customer_id, entity=entity
    )
    if issued >= count:
        raise OtpRateLimitError(count=count, minutes=minutes)


def _code_text(code: object) -> str | None:
    if isinstance(code, bool) or not isinstance(code, str | int):
        return None
    text = str(code).strip()
    return text or None


def consume_otp(
    session: Session,
    *,
    org: OrgInfo,
    customer: HasId,
    action: str,
    code: object,
    now: datetime,
    error: type[CapillaryError] = InvalidValidationCodeError,
    before_use: Callable[[], None] | None = None,
) -> OtpCode:
    """Check `code` against the customer's live code for `action` and mark it used.

    A missing, wrong, expired, used or someone else's code raises `error`. A wrong code counts as
    an attempt even though the request fails (the error keeps that change), and it is the only
    write before the code is used up: `before_use` runs once the code is known right, so that
    whatever it refuses leaves the code unused without a savepoint.
    """
    db = Db(session)
    live = _live_otp(db, org=org, customer_id=customer.id, action=action, now=now)
    text = _code_text(code)
    if live is None or text is None:
        raise error()
    if not secrets.compare_digest(live.code.upper(), text.upper()):
        store.count_wrong_attempt(db, live.id)
        failure = error()
        failure.keep_changes = True
        raise failure
    if before_use is not None:
        before_use()
    if not store.claim(db, live.id, now):
        raise error()
    if fixed_code(org, customer.id, action) == live.code:
        store.reissue(db, live.id, now)
    return live


def _action(raw: object) -> str:
    action = raw.strip().upper() if isinstance(raw, str) else None
    if action not in ACTIONS:
        raise OtpInvalidActionError()
    return action


def _request_of(
    db: Db, *, org: OrgInfo, body: OtpRequest
) -> tuple[str, FoundCustomer | None, tuple[str, str]]:
    """The action, the customer and the stored entity both OTP endpoints are asked about."""
    action = _action(body.action)
    customer, entity = _entity(
        db, org=org, entity_type=body.entityType, entity_value=body.entityValue, action=action
    )
    return action, customer, entity


def _entity(
    db: Db, *, org: OrgInfo, entity_type: object, entity_value: object, action: str
) -> tuple[FoundCustomer | None, tuple[str, str]]:
    """The customer the entity names, and the entity in its stored form.

    Only a REGISTRATION code may be for someone who is not a customer yet.
    """
    kind = ENTITY_TYPES.get(entity_type.strip().upper()) if isinstance(entity_type, str) else None
    if kind is None:
        raise OtpInvalidEntityTypeError()
    if isinstance(entity_value, bool) or not isinstance(entity_value, str | int):
        raise OtpInvalidEntityValueError()
    value = str(entity_value).strip()
    if not value or not storable(value):
        raise OtpInvalidEntityValueError()
    customer = find_customer(
        db, org_id=org.id, default_country_code=org.default_country_code, kind=kind, value=value
    )
    if customer is None and action != REGISTRATION:
        raise OtpInvalidEntityValueError()
    if kind == "mobile":
        value = mobile_candidates(value, org.default_country_code)[-1]
    return customer, (kind.upper(), value)


def generate_otp(
    session: Session, *, org: OrgInfo, body: GenerateOtpBody, now: datetime
) -> OtpCreated:
    """POST /v2/otp/generate: the entity's live code for the action, or a new one."""
    checked_action, customer, entity = _request_of(Db(session), org=org, body=body)
    _check_channels(body.channels)
    otp = issue_otp(
        session,
        org=org,
        customer=customer,
        action=checked_action,
        now=now,
        entity_type=entity[0],
        entity_value=entity[1],
    )
    return OtpCreated(createdId=otp.id)


def _check_channels(channels: object) -> None:
    if not isinstance(channels, list) or not channels:
        raise OtpInvalidChannelError()
    for channel in channels:
        kind: Any = channel.get("type") if isinstance(channel, dict) else None
        if not isinstance(kind, str) or kind.strip().upper() not in CHANNEL_TYPES:
            raise OtpInvalidChannelError()


def validate_otp(
    session: Session, *, org: OrgInfo, body: ValidateOtpBody, now: datetime
) -> OtpValidated:
    """POST /v2/otp/validate: True uses the code up; a wrong code counts as an attempt.

    605 when the entity has no live code for the action at all (never issued, expired, used or
    void after OTP_MAX_ATTEMPTS wrong tries).
    """
    db = Db(session)
    checked_action, customer, entity = _request_of(db, org=org, body=body)
    text = _code_text(body.code)
    if text is None:
        raise OtpMissingError()
    live = _live_otp(
        db,
        org=org,
        customer_id=customer.id if customer is not None else None,
        action=checked_action,
        now=now,
        entity=entity,
    )
    if live is None:
        raise OtpInvalidOrExpiredError()
    if not secrets.compare_digest(live.code.upper(), text.upper()):
        store.count_wrong_attempt(db, live.id)
        return OtpValidated(entity=False)
    return OtpValidated(entity=store.claim(db, live.id, now))
