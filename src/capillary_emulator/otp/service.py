"""One-time codes: issued per customer and action, valid for the org's OTP_VALIDITY_SECONDS on
the emulator clock, single use, void after OTP_MAX_ATTEMPTS wrong tries. Codes are never logged;
tests read them from GET /_emulator/otps."""

import secrets
import string
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from capillary_emulator.errors import CapillaryError, InvalidValidationCodeError
from capillary_emulator.models import Customer, CustomerIdentifier, Org, Otp
from capillary_emulator.orgs import OrgConfig

CODE_ALPHABET = string.ascii_uppercase + string.digits
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _live_otp(
    session: Session, *, org: Org, customer_id: int, action: str, now: datetime
) -> Otp | None:
    """The newest code of this customer and action that can still be used."""
    max_attempts = OrgConfig(org.config).integer("OTP_MAX_ATTEMPTS")
    return session.execute(
        select(Otp)
        .where(
            Otp.org_id == org.id,
            Otp.customer_id == customer_id,
            Otp.action == action,
            Otp.used_at.is_(None),
            Otp.expires_at > now,
            Otp.failed_attempts < max_attempts,
        )
        .order_by(Otp.issued_at.desc(), Otp.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def issue_otp(
    session: Session,
    *,
    org: Org,
    customer: Customer,
    action: str,
    now: datetime,
    entity_type: str | None = None,
    entity_value: str | None = None,
) -> Otp:
    """A code for the customer and action; asking again while one is valid returns the same code."""
    existing = _live_otp(session, org=org, customer_id=customer.id, action=action, now=now)
    if existing is not None:
        return existing
    if entity_value is None:
        contacts = dict(
            session.execute(
                select(CustomerIdentifier.type, CustomerIdentifier.value).where(
                    CustomerIdentifier.customer_id == customer.id,
                    CustomerIdentifier.type.in_(("mobile", "email")),
                )
            ).all()
        )
        entity_type = "MOBILE" if "mobile" in contacts else "EMAIL"
        entity_value = contacts.get("mobile") or contacts.get("email", "")
    validity = OrgConfig(org.config).integer("OTP_VALIDITY_SECONDS")
    otp = Otp(
        org_id=org.id,
        customer_id=customer.id,
        action=action,
        code=new_code(),
        entity_type=entity_type or "MOBILE",
        entity_value=entity_value,
        issued_at=now,
        expires_at=now + timedelta(seconds=validity),
        failed_attempts=0,
    )
    session.add(otp)
    session.flush()
    return otp


def consume_otp(
    session: Session,
    *,
    org: Org,
    customer: Customer,
    action: str,
    code: object,
    now: datetime,
    error: type[CapillaryError] = InvalidValidationCodeError,
) -> Otp:
    """Check `code` against the customer's live code for `action` and mark it used.

    A missing, wrong, expired, used or someone else's code raises `error`. A wrong code counts as
    an attempt even though the request fails (the error keeps that change).
    """
    live = _live_otp(session, org=org, customer_id=customer.id, action=action, now=now)
    if live is None or not isinstance(code, str) or not code:
        raise error()
    if not secrets.compare_digest(live.code.upper(), code.strip().upper()):
        session.execute(
            update(Otp).where(Otp.id == live.id).values(failed_attempts=Otp.failed_attempts + 1)
        )
        failure = error()
        failure.keep_changes = True
        raise failure
    live.used_at = now
    session.flush()
    return live
