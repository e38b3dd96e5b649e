"""Injected faults: the list every worker caches, and the count of a counted fault's uses."""

from sqlalchemy import bindparam, select, update

from capillary_emulator.models import EmulatorFault
from capillary_emulator.store.sql import Db, Row, Statement

_FAULTS = Statement(
    "faults",
    lambda: select(
        EmulatorFault.id,
        EmulatorFault.method,
        EmulatorFault.path,
        EmulatorFault.http_status,
        EmulatorFault.code,
        EmulatorFault.message,
        EmulatorFault.remaining,
        EmulatorFault.delay_ms,
        EmulatorFault.org_id,
        EmulatorFault.warning,
    ).order_by(EmulatorFault.id),
)
_USE_FAULT = Statement(
    "use_fault",
    lambda: (
        update(EmulatorFault)
        .where(EmulatorFault.id == bindparam("fault_id"), EmulatorFault.remaining > 0)
        .values(remaining=EmulatorFault.remaining - 1)
    ),
)


def faults(db: Db) -> list[Row]:
    """Every fault, oldest first, in `caches.Fault`'s field order."""
    return db.rows(_FAULTS)


def use_fault(db: Db, fault_id: int) -> bool:
    """Count one use of a counted fault; False when none was left."""
    return db.execute(_USE_FAULT, fault_id=fault_id) > 0
