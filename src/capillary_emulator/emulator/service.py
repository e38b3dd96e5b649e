"""The control plane's rules: clock, OTP inbox, audit."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from capillary_emulator import clock
from capillary_emulator.customers.service import find_customer, identifier_type
from capillary_emulator.errors import ControlRequestError, CustomerNotFoundError
from capillary_emulator.ledger.expiry import expire_due_points
from capillary_emulator.models import (
    LedgerEntry,
    LedgerEvent,
    Org,
    Otp,
    PointAward,
    PointBalance,
    PointsTransfer,
    Redemption,
    Reversal,
)
from capillary_emulator.seed.service import load_seed, parse_seed
from capillary_emulator.tenancy import OrgInfo


def add_seed(session: Session, document: Any, *, now: datetime) -> dict[str, Any]:
    """Load a seed document next to what is there (all or nothing)."""
    created = load_seed(session, parse_seed(document), now=now)
    if session.get_bind().dialect.name == "postgresql":
        # A large seed leaves the planner without statistics until autovacuum gets to it, and it
        # would scan whole tables meanwhile.
        session.execute(text("ANALYZE"))
    return created


def clock_body(reading: clock.ClockReading) -> dict[str, Any]:
    return {"now": reading.now.isoformat(), "frozen": reading.frozen}


def change_clock(session: Session, command: dict[str, Any]) -> clock.ClockReading:
    """Apply one of {"set": iso}, {"advance": duration}, {"freeze": bool}; expire what is due."""
    given = [k for k in ("set", "advance", "freeze") if k in command]
    if len(given) != 1 or set(command) - {"set", "advance", "freeze"}:
        raise ControlRequestError(detail='send exactly one of "set", "advance" or "freeze"')
    key = given[0]
    value = command[key]
    try:
        if key == "set":
            reading = clock.set_time(session, clock.parse_instant(str(value)))
        elif key == "advance":
            reading = clock.advance(session, clock.parse_duration(str(value)))
        else:
            if not isinstance(value, bool):
                raise ValueError("freeze takes true or false")
            reading = clock.freeze(session, value)
    except ValueError as exc:
        raise ControlRequestError(detail=f"{key}: {exc}") from None
    expire_all(session, reading.now)
    return reading


def expire_all(session: Session, now: datetime) -> int:
    total = 0
    for org_id in session.execute(select(Org.id).order_by(Org.id)).scalars():
        total += expire_due_points(session, org_id=org_id, now=now)
    return total


def list_otps(
    session: Session,
    *,
    org_id: int | None,
    identifier_type_name: str | None,
    identifier_value: str | None,
    now: datetime,
) -> list[dict[str, Any]]:
    query = select(Otp).order_by(Otp.issued_at.desc(), Otp.id.desc())
    if org_id is not None:
        query = query.where(Otp.org_id == org_id)
    if identifier_value is not None:
        if identifier_type_name is None:
            raise ControlRequestError(detail="identifierValue needs identifierType")
        kind = identifier_type(identifier_type_name)
        orgs = session.execute(
            select(Org).where(Org.id == org_id) if org_id is not None else select(Org)
        ).scalars()
        customer_ids = []
        for org in orgs:
            try:
                customer_ids.append(
                    find_customer(session, OrgInfo.from_row(org), kind, identifier_value).id
                )
            except CustomerNotFoundError:
                continue
        query = query.where(Otp.customer_id.in_(customer_ids))
    return [
        {
            "id": otp.id,
            "orgId": otp.org_id,
            "code": otp.code,
            "action": otp.action,
            "userId": otp.customer_id,
            "entityType": otp.entity_type,
            "entityValue": otp.entity_value,
            "issuedAt": otp.issued_at.isoformat(),
            "expiresAt": otp.expires_at.isoformat(),
            "used": otp.used_at is not None,
            "expired": otp.expires_at <= now,
            "failedAttempts": otp.failed_attempts,
        }
        for otp in session.execute(query).scalars()
    ]


def audit(session: Session) -> dict[str, Any]:
    """Ledger == balances == unspent lots, no negative balance, every journal consistent."""
    violations: list[dict[str, Any]] = []
    key_cols = (
        LedgerEntry.owner_type,
        LedgerEntry.owner_id,
        LedgerEntry.program_id,
        LedgerEntry.category,
    )
    ledger: dict[Any, int] = {
        tuple(row[:4]): row[4]
        for row in session.execute(
            select(*key_cols, func.sum(LedgerEntry.points_milli)).group_by(*key_cols)
        )
    }
    balances: dict[Any, int] = {
        (b.owner_type, b.owner_id, b.program_id, b.category): b.points_milli
        for b in session.execute(select(PointBalance)).scalars()
    }
    lot_cols = (
        PointAward.owner_type,
        PointAward.owner_id,
        PointAward.program_id,
        PointAward.category,
    )
    lots: dict[Any, int] = {
        tuple(row[:4]): row[4]
        for row in session.execute(
            select(*lot_cols, func.sum(PointAward.remaining_milli)).group_by(*lot_cols)
        )
    }
    for key in sorted(set(ledger) | set(balances) | set(lots), key=str):
        in_ledger = int(ledger.get(key) or 0)
        in_balance = balances.get(key, 0)
        in_lots = int(lots.get(key) or 0)
        where = {"ownerType": key[0], "ownerId": key[1], "programId": key[2], "category": key[3]}
        if in_ledger != in_balance:
            violations.append(
                {
                    "rule": "ledger_equals_balance",
                    **where,
                    "ledger": in_ledger,
                    "balance": in_balance,
                }
            )
        if in_lots != in_balance:
            violations.append(
                {"rule": "lots_equal_balance", **where, "lots": in_lots, "balance": in_balance}
            )
        if in_balance < 0:
            violations.append({"rule": "no_negative_balance", **where, "balance": in_balance})
    negative_lots = session.execute(
        select(func.count()).select_from(PointAward).where(PointAward.remaining_milli < 0)
    ).scalar_one()
    if negative_lots:
        violations.append({"rule": "no_negative_lot", "count": negative_lots})
    empty_events = session.execute(
        select(func.count())
        .select_from(LedgerEvent)
        .where(~select(LedgerEntry.id).where(LedgerEntry.event_id == LedgerEvent.id).exists())
    ).scalar_one()
    if empty_events:
        violations.append({"rule": "event_has_entries", "count": empty_events})
    for org_id, total in session.execute(
        select(LedgerEntry.org_id, func.sum(LedgerEntry.points_milli))
        .join(LedgerEvent, LedgerEvent.id == LedgerEntry.event_id)
        .where(LedgerEvent.event_name == "PointsTransfer")
        .group_by(LedgerEntry.org_id)
    ):
        if total:
            violations.append(
                {"rule": "transfers_conserve_points", "orgId": org_id, "net": int(total)}
            )
    transferred = session.execute(
        select(PointsTransfer.org_id, func.sum(PointsTransfer.points_milli)).group_by(
            PointsTransfer.org_id
        )
    ).all()
    for org_id, total in transferred:
        credited = session.execute(
            select(func.coalesce(func.sum(LedgerEntry.points_milli), 0))
            .join(LedgerEvent, LedgerEvent.id == LedgerEntry.event_id)
            .where(
                LedgerEvent.event_name == "PointsTransfer",
                LedgerEntry.org_id == org_id,
                LedgerEntry.points_milli > 0,
            )
        ).scalar_one()
        if int(credited) != int(total):
            violations.append(
                {
                    "rule": "transfer_journal_matches_ledger",
                    "orgId": org_id,
                    "transfers": int(total),
                    "ledger": int(credited),
                }
            )
    reversed_sums = dict(
        session.execute(
            select(Reversal.redemption_id, func.sum(Reversal.points_milli)).group_by(
                Reversal.redemption_id
            )
        ).all()
    )
    for redemption in session.execute(select(Redemption)).scalars():
        reversed_total = int(reversed_sums.get(redemption.id) or 0)
        if reversed_total != redemption.reversed_milli or reversed_total > redemption.points_milli:
            violations.append(
                {
                    "rule": "reversals_within_redemption",
                    "redemptionId": redemption.code,
                    "redeemed": redemption.points_milli,
                    "reversed": reversed_total,
                }
            )
    return {"ok": not violations, "violations": violations}
