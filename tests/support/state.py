"""Reading the stored state, each read in a short transaction of the app's own session factory
(on SQLite an open transaction would hold the write lock the app needs)."""

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from capillary_emulator.models import (
    LedgerEntry,
    LedgerEvent,
    Otp,
    PointAward,
    PointBalance,
    PointsTransfer,
    Redemption,
    RedemptionAllocation,
    Reversal,
)


def _count(model: Any) -> Callable[[Session], int]:
    return lambda session: session.execute(select(func.count(model.id))).scalar_one()


def _rows(model: Any, *columns: str) -> Callable[[Session], list[tuple[Any, ...]]]:
    def read(session: Session) -> list[tuple[Any, ...]]:
        rows = session.execute(select(model)).scalars()
        return sorted(tuple(getattr(row, c) for c in columns) for row in rows)

    return read


STATE_PARTS: dict[str, Callable[[Session], Any]] = {
    "balances": _rows(
        PointBalance, "owner_type", "owner_id", "program_id", "category", "points_milli"
    ),
    "lots": _rows(PointAward, "id", "remaining_milli"),
    "ledger_events": _count(LedgerEvent),
    "ledger_entries": _count(LedgerEntry),
    "redemptions": _rows(Redemption, "code", "points_milli", "reversed_milli"),
    "allocations": _count(RedemptionAllocation),
    "allocation_reversals": _rows(RedemptionAllocation, "id", "reversed_milli"),
    "reversals": _count(Reversal),
    "transfers": _count(PointsTransfer),
    "otps": _rows(Otp, "id", "code", "used_at", "failed_attempts"),
}
"""What `snapshot` can read, by name: sorted rows of the columns named, or a row count."""


def snapshot(client: Any, parts: Iterable[str]) -> dict[str, Any]:
    """The named parts of STATE_PARTS: compare two to see that a request left them untouched."""
    with client.app.state.session_factory() as session:
        return {part: STATE_PARTS[part](session) for part in parts}


def main_points(client: Any, owner_id: int, program_id: int, owner_type: str = "CUSTOMER") -> int:
    """The owner's Main balance in the program, in thousandths (0 without a balance row)."""
    with client.app.state.session_factory() as session:
        value = session.execute(
            select(PointBalance.points_milli).where(
                PointBalance.owner_type == owner_type,
                PointBalance.owner_id == owner_id,
                PointBalance.program_id == program_id,
                PointBalance.category == "Main",
            )
        ).scalar_one_or_none()
        return int(value or 0)
