"""The audit: the invariants every state change must keep, checked over the whole database.

Ledger == balances == unspent lots per (owner, program, category), no negative balance or lot,
no ledger event without entries, transfers conserve points and match their journal, reversals
stay within their redemption. Read-only; the router runs it in one snapshot.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from capillary_emulator.models import (
    LedgerEntry,
    LedgerEvent,
    PointAward,
    PointBalance,
    PointsTransfer,
    Redemption,
    Reversal,
)

Violation = dict[str, Any]


def audit(session: Session) -> dict[str, Any]:
    violations = [
        *_balance_violations(session),
        *_lot_and_event_violations(session),
        *_transfer_violations(session),
        *_reversal_violations(session),
    ]
    return {"ok": not violations, "violations": violations}


def _sums_by_owner(session: Session, model: Any, value: InstrumentedAttribute[int]) -> dict:
    keys = (model.owner_type, model.owner_id, model.program_id, model.category)
    rows = session.execute(select(*keys, func.sum(value)).group_by(*keys))
    return {tuple(row[:4]): int(row[4] or 0) for row in rows}


def _balance_violations(session: Session) -> list[Violation]:
    ledger = _sums_by_owner(session, LedgerEntry, LedgerEntry.points_milli)
    balances = _sums_by_owner(session, PointBalance, PointBalance.points_milli)
    lots = _sums_by_owner(session, PointAward, PointAward.remaining_milli)
    violations: list[Violation] = []
    for key in sorted(set(ledger) | set(balances) | set(lots), key=str):
        in_ledger, in_balance, in_lots = ledger.get(key, 0), balances.get(key, 0), lots.get(key, 0)
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
    return violations


def _lot_and_event_violations(session: Session) -> list[Violation]:
    violations: list[Violation] = []
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
    return violations


def _transfer_violations(session: Session) -> list[Violation]:
    violations: list[Violation] = []
    transfer_entries = (
        select(LedgerEntry.org_id, func.sum(LedgerEntry.points_milli))
        .join(LedgerEvent, LedgerEvent.id == LedgerEntry.event_id)
        .where(LedgerEvent.event_name == "PointsTransfer")
        .group_by(LedgerEntry.org_id)
    )
    for org_id, total in session.execute(transfer_entries):
        if total:
            violations.append(
                {"rule": "transfers_conserve_points", "orgId": org_id, "net": int(total)}
            )
    credited: dict[int, int] = {
        org_id: total
        for org_id, total in session.execute(transfer_entries.where(LedgerEntry.points_milli > 0))
    }
    journal = select(PointsTransfer.org_id, func.sum(PointsTransfer.points_milli)).group_by(
        PointsTransfer.org_id
    )
    for org_id, total in session.execute(journal):
        in_ledger = int(credited.get(org_id) or 0)
        if in_ledger != int(total):
            violations.append(
                {
                    "rule": "transfer_journal_matches_ledger",
                    "orgId": org_id,
                    "transfers": int(total),
                    "ledger": in_ledger,
                }
            )
    return violations


def _reversal_violations(session: Session) -> list[Violation]:
    sums = select(Reversal.redemption_id, func.sum(Reversal.points_milli)).group_by(
        Reversal.redemption_id
    )
    reversed_sums: dict[int, int] = {key: total for key, total in session.execute(sums)}
    violations: list[Violation] = []
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
    return violations
