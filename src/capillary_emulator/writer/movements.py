"""What callers hand the ledger writer and get back: owners, debits, credits, posted events.

Plain values, no database: `writer/core.py` re-exports them, so callers import them from
there.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from capillary_emulator.errors import CapillaryError, InsufficientCurrentPointsError

CREDIT = "CREDIT"
DEBIT = "DEBIT"
OPENING_BALANCE = "OPENING_BALANCE"

Key = tuple[str, int, int, str]
"""(owner_type, owner_id, program_id, category)."""


@dataclass(frozen=True, order=True)
class Owner:
    type: str
    """CUSTOMER or USERGROUP2."""
    id: int


@dataclass(frozen=True)
class Lot:
    award_id: int
    points_milli: int
    expires_at: datetime | None


@dataclass(eq=False)
class Debit:
    owner: Owner
    program_id: int
    category: str
    points_milli: int
    """Thousandths of a point to take; must be positive."""
    insufficient: type[CapillaryError] = InsufficientCurrentPointsError
    """The error raised when the balance does not cover the debit."""
    drawn: list[Lot] = field(default_factory=list)
    """Filled by the writer: the lots the debit drew from."""

    @property
    def key(self) -> Key:
        return (self.owner.type, self.owner.id, self.program_id, self.category)


@dataclass(eq=False)
class Credit:
    owner: Owner
    program_id: int
    category: str
    points_milli: int
    """Thousandths of a point to add; zero is allowed for OPENING_BALANCE entries."""
    expires_at: datetime | None = None
    entry_type: str = CREDIT
    mirror: Debit | None = None
    """Credit lots with the same expiries as the lots this debit drew (a transfer)."""
    restore: Sequence[tuple[int, int]] = ()
    """(award_id, milli) pairs put back into existing lots instead of a new lot (a reversal)."""

    @property
    def key(self) -> Key:
        return (self.owner.type, self.owner.id, self.program_id, self.category)


Movement = Debit | Credit


@dataclass
class PostedEvent:
    event_ids: dict[Owner, int]
    """The ledger event written for each owner."""
    balances: dict[Key, int]
    """Balance of every touched key after the event, in thousandths."""
    expired: int = 0
    """Thousandths of a point expired on the way (a PointsExpiry event was written)."""
