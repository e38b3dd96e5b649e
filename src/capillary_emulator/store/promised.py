"""Promised points of a bill: the ledger events that carry the bill number for a customer and
their entries in the promised categories (what POST /v2/points/unlockPromisedPoints converts)."""

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from capillary_emulator.models import LedgerEntry, LedgerEvent
from capillary_emulator.points import MAIN
from capillary_emulator.store.sql import Db, Statement


@dataclass(frozen=True)
class BillEntry:
    event_id: int
    event_name: str
    program_id: int | None
    """None (and no category or points) for an event without promised entries."""
    category: str | None
    points_milli: int


BILL_ENTRIES = Statement(
    "promised_entries_of_bill",
    lambda: (
        select(
            LedgerEvent.id,
            LedgerEvent.event_name,
            LedgerEntry.program_id,
            LedgerEntry.category,
            LedgerEntry.points_milli,
        )
        .outerjoin(
            LedgerEntry,
            (LedgerEntry.event_id == LedgerEvent.id)
            # Every category but Main is promised (DelayedAccrual..., ExternalTriggerBased...).
            & (LedgerEntry.category != MAIN),
        )
        .where(
            LedgerEvent.org_id == bindparam("org_id"),
            LedgerEvent.owner_type == bindparam("owner_type"),
            LedgerEvent.owner_id == bindparam("owner_id"),
            LedgerEvent.transaction_number == bindparam("bill_number"),
        )
        .order_by(LedgerEvent.id, LedgerEntry.id)
    ),
)


def bill_entries(
    db: Db, *, org_id: int, owner_type: str, owner_id: int, bill_number: str
) -> list[BillEntry]:
    """Every event of the owner with that bill number, with its promised entries."""
    rows = db.rows(
        BILL_ENTRIES,
        org_id=org_id,
        owner_type=owner_type,
        owner_id=owner_id,
        bill_number=bill_number,
    )
    return [BillEntry(e, n, p, c, int(m or 0)) for e, n, p, c, m in rows]
