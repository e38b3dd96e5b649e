"""The customer an identifier names, with the contacts v1.1 repeats, in one statement.

For the redemption, reversal and OTP endpoints: the columns their rules need (status, loyalty
type), the customer's identifiers (one row each), and, where asked, the Main balance of one
program and whether any of the customer's lots are due to expire, so that a read that finds
nothing due needs no other statement.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from capillary_emulator.inputs import identifier_candidates, identifier_text, numeric_id
from capillary_emulator.models import (
    CUSTOMER,
    Customer,
    CustomerIdentifier,
    PointAward,
    PointBalance,
)
from capillary_emulator.store.sql import Db, Statement


@dataclass(frozen=True)
class FoundCustomer:
    id: int
    status: str
    loyalty_type: str
    contacts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Identifier type -> value (of several of one type, the last added)."""
    balance_program: int | None = None
    """The program whose balance the lookup read (None: it read none)."""
    main_milli: int = 0
    """That balance, in thousandths (0 without a balance row)."""
    expiry_due: bool = False
    """Whether any of the customer's lots (any program) has passed its expiry unswept."""


def identifier_holder() -> Any:
    """The id of the org's customer holding `value` or `alt_value` as identifier `kind`
    (the parameters `lookup_params` gives), as a scalar subquery."""
    return (
        select(CustomerIdentifier.customer_id)
        .where(
            CustomerIdentifier.org_id == bindparam("org_id"),
            CustomerIdentifier.type == bindparam("kind"),
            CustomerIdentifier.value.in_([bindparam("value"), bindparam("alt_value")]),
        )
        .limit(1)
        .scalar_subquery()
    )


def _lookup(by_id: bool, with_balance: bool) -> Select[Any]:
    contact = aliased(CustomerIdentifier)
    columns: list[Any] = [Customer.id, Customer.status, Customer.loyalty_type]
    columns += [contact.type, contact.value]
    if with_balance:
        columns.append(
            select(PointBalance.points_milli)
            .where(
                PointBalance.owner_type == CUSTOMER,
                PointBalance.owner_id == Customer.id,
                PointBalance.program_id == bindparam("program_id"),
                PointBalance.category == bindparam("category"),
            )
            .scalar_subquery()
        )
        columns.append(
            exists().where(
                PointAward.owner_type == CUSTOMER,
                PointAward.owner_id == Customer.id,
                PointAward.remaining_milli > 0,
                PointAward.expires_at.is_not(None),
                PointAward.expires_at <= bindparam("now"),
            )
        )
    query = select(*columns).outerjoin(contact, contact.customer_id == Customer.id)
    if by_id:
        query = query.where(
            Customer.id == bindparam("customer_id"), Customer.org_id == bindparam("org_id")
        )
    else:
        query = query.where(Customer.id == identifier_holder())
    return query.order_by(contact.id)


BY_IDENTIFIER = Statement("customer_by_identifier", lambda: _lookup(False, False))
BY_ID = Statement("customer_by_id", lambda: _lookup(True, False))
BY_IDENTIFIER_WITH_BALANCE = Statement(
    "customer_by_identifier_with_balance", lambda: _lookup(False, True)
)
BY_ID_WITH_BALANCE = Statement("customer_by_id_with_balance", lambda: _lookup(True, True))


def lookup_params(
    org_id: int, default_country_code: str, kind: str, value: object
) -> dict[str, Any] | None:
    """The parameters of the lookup, or None when `value` cannot name anyone.

    As `customers.service.find_customer`: mobile numbers match with or without the org's
    default country code; `id` is the numeric userId, within the org.
    """
    text = identifier_text(value)
    if text is None:
        return None
    if kind == "id":
        customer_id = numeric_id(text)
        return None if customer_id is None else {"org_id": org_id, "customer_id": customer_id}
    candidates = identifier_candidates(kind, text, default_country_code)
    return {"org_id": org_id, "kind": kind, "value": candidates[0], "alt_value": candidates[-1]}


def find_customer(
    db: Db,
    *,
    org_id: int,
    default_country_code: str,
    kind: str,
    value: object,
    balance_of: tuple[int, str, datetime] | None = None,
) -> FoundCustomer | None:
    """The org's customer holding that identifier, or None.

    `balance_of` = (program_id, category, now) also reads that balance and whether lots are due.
    """
    params = lookup_params(org_id, default_country_code, kind, value)
    if params is None:
        return None
    if balance_of is None:
        statement = BY_ID if kind == "id" else BY_IDENTIFIER
    else:
        statement = BY_ID_WITH_BALANCE if kind == "id" else BY_IDENTIFIER_WITH_BALANCE
        params.update(program_id=balance_of[0], category=balance_of[1], now=balance_of[2])
    rows = db.rows(statement, **params)
    if not rows:
        return None
    first = rows[0]
    contacts = MappingProxyType({r[3]: r[4] for r in rows if r[3] is not None})
    if balance_of is None:
        return FoundCustomer(first[0], first[1], first[2], contacts)
    return FoundCustomer(
        first[0], first[1], first[2], contacts, balance_of[0], first[5] or 0, bool(first[6])
    )
