"""One-time codes: the live code of a customer (or of an entity not yet a customer), issuing,
counting a wrong attempt, and the single-use claim."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, literal_column, null, select, update
from sqlalchemy.sql import Select

from capillary_emulator.models import CustomerIdentifier, Otp
from capillary_emulator.store.sql import Db, Statement


def _otps() -> Table:
    table = Otp.__table__
    assert isinstance(table, Table)
    return table


def _live(*owner: Any) -> Select[int, str]:
    """The newest code for the action that can still be used."""
    return (
        select(Otp.id, Otp.code)
        .where(
            Otp.org_id == bindparam("org_id"),
            Otp.action == bindparam("action"),
            Otp.used_at.is_(None),
            Otp.expires_at > bindparam("now"),
            Otp.failed_attempts < bindparam("max_attempts"),
            *owner,
        )
        .order_by(Otp.issued_at.desc(), Otp.id.desc())
        .limit(1)
    )


LIVE_OF_CUSTOMER = Statement(
    "live_otp_of_customer", lambda: _live(Otp.customer_id == bindparam("customer_id"))
)


def _of_entity() -> tuple[Any, ...]:
    """A code bound to an entity (not yet a customer) rather than a customer."""
    return (
        Otp.customer_id.is_(None),
        Otp.entity_type == bindparam("entity_type"),
        Otp.entity_value == bindparam("entity_value"),
    )


LIVE_OF_ENTITY = Statement("live_otp_of_entity", lambda: _live(*_of_entity()))


def _issued_since(*owner: Any) -> Select[int]:
    return select(func.count(Otp.id)).where(
        Otp.org_id == bindparam("org_id"), Otp.issued_at > bindparam("since"), *owner
    )


ISSUED_TO_CUSTOMER = Statement(
    "otps_issued_to_customer",
    lambda: _issued_since(Otp.customer_id == bindparam("customer_id")),
)
ISSUED_TO_ENTITY = Statement("otps_issued_to_entity", lambda: _issued_since(*_of_entity()))
INSERT = Statement(
    "insert_otp",
    lambda: (
        insert(_otps())
        .values({c.name: bindparam(c.name) for c in _otps().columns if not c.primary_key})
        .returning(_otps().c.id)
    ),
)
COUNT_WRONG_ATTEMPT = Statement(
    "count_wrong_otp_attempt",
    lambda: (
        update(_otps())
        .where(Otp.id == bindparam("otp_id"))
        .values(failed_attempts=Otp.failed_attempts + 1)
    ),
)
CLAIM = Statement(
    "claim_otp",
    lambda: (
        update(_otps())
        .where(Otp.id == bindparam("otp_id"), Otp.used_at.is_(None))
        .values(used_at=bindparam("used_at"))
    ),
)


def _reissue() -> Any:
    """A copy of a used code, issued now, unused, valid until the used one's expiry."""
    kept = ("org_id", "customer_id", "action", "code", "entity_type", "entity_value", "expires_at")
    otp = _otps()
    return insert(otp).from_select(
        [*kept, "issued_at", "used_at", "failed_attempts"],
        select(
            *(otp.c[name] for name in kept),
            bindparam("now", type_=otp.c.issued_at.type),
            null(),
            literal_column("0"),
        ).where(otp.c.id == bindparam("otp_id")),
    )


REISSUE = Statement("reissue_otp", _reissue)


@dataclass(frozen=True)
class OtpCode:
    id: int
    code: str


def live_code(
    db: Db,
    *,
    org_id: int,
    action: str,
    now: datetime,
    max_attempts: int,
    customer_id: int | None,
    entity: tuple[str, str] | None = None,
) -> OtpCode | None:
    """The live code of the customer, or (without one) of the entity; None when there is none."""
    common = {"org_id": org_id, "action": action, "now": now, "max_attempts": max_attempts}
    if customer_id is not None:
        row = db.first(LIVE_OF_CUSTOMER, **common, customer_id=customer_id)
    elif entity is not None:
        row = db.first(LIVE_OF_ENTITY, **common, entity_type=entity[0], entity_value=entity[1])
    else:
        return None
    return None if row is None else OtpCode(*row)


def issued_since(
    db: Db, *, org_id: int, since: datetime, customer_id: int | None, entity: tuple[str, str]
) -> int:
    """Codes issued after `since` (every action) to the customer, or (without one) to the
    entity."""
    if customer_id is not None:
        return int(
            db.scalar(ISSUED_TO_CUSTOMER, org_id=org_id, since=since, customer_id=customer_id)
        )
    return int(
        db.scalar(
            ISSUED_TO_ENTITY,
            org_id=org_id,
            since=since,
            entity_type=entity[0],
            entity_value=entity[1],
        )
    )


def insert_code(db: Db, **values: Any) -> int:
    """The new code's id; `values` holds every column but the id."""
    return int(db.scalar(INSERT, **values))


def count_wrong_attempt(db: Db, otp_id: int) -> None:
    db.execute(COUNT_WRONG_ATTEMPT, otp_id=otp_id)


def claim(db: Db, otp_id: int, now: datetime) -> bool:
    """Mark the code used unless a concurrent request already did (single use on Postgres too:
    the second UPDATE waits for the first to commit, then finds `used_at` set)."""
    return db.execute(CLAIM, otp_id=otp_id, used_at=now) > 0


def reissue(db: Db, otp_id: int, now: datetime) -> None:
    """Issue a used code again, as it was, until its own expiry (a fixed code survives use)."""
    db.execute(REISSUE, otp_id=otp_id, now=now)


def _contacts() -> Select[str, str]:
    return (
        select(CustomerIdentifier.type, CustomerIdentifier.value)
        .where(
            CustomerIdentifier.customer_id == bindparam("customer_id"),
            CustomerIdentifier.type.in_([bindparam("mobile"), bindparam("email")]),
        )
        .order_by(CustomerIdentifier.id)
    )


CONTACTS = Statement("otp_contacts", _contacts)


def contacts(db: Db, customer_id: int) -> dict[str, str]:
    """The customer's mobile and email identifiers (of several of one type, the last added)."""
    rows = db.rows(CONTACTS, customer_id=customer_id, mobile="mobile", email="email")
    return {kind: value for kind, value in rows}
