"""POST /v2/points/unlockPromisedPoints: a bill's promised points become redeemable.

The customer's ledger events carrying the bill number (`transaction_number`) and the
`eventName` (and `eventLogId`, when given) hold the promised entries (DelayedAccrualPointCategory,
ExternalTriggerBasedPointCategory). What they credited, less what earlier unlocks of the bill
took, moves to Main through the ledger writer as one `DelayedAccrual` event: a debit of each
promised key and a credit of Main with the expiries of the lots it drew. The balances are
locked before what is left is read, so two unlocks of one bill never convert it twice.
"""

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from capillary_emulator.customers.service import find_customer_record, identifier_type
from capillary_emulator.earning.schemas import PointsUnlocked, UnlockAnswer, UnlockBody
from capillary_emulator.errors import (
    NoPromisedPointsError,
    UnlockBillNotFoundError,
    UnlockBillNumberMissingError,
    UnlockEntityTypeInvalidError,
    UnlockEventLogNotFoundError,
    UnlockEventNameNotFoundError,
    UnlockIdentifierMissingError,
)
from capillary_emulator.inputs import numeric_id
from capillary_emulator.models import CUSTOMER
from capillary_emulator.points import MAIN, MILLI
from capillary_emulator.store import promised as store
from capillary_emulator.store.promised import BillEntry
from capillary_emulator.store.sql import Db
from capillary_emulator.tenancy import Caller
from capillary_emulator.writer.core import (
    Credit,
    Debit,
    Key,
    Movement,
    Owner,
    lock_balances,
    write_points_event,
)

UNLOCK_EVENT = "DelayedAccrual"
"""The ledger event of an unlock (Capillary's name for promised points becoming due)."""


def _text(raw: object) -> str | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw.strip()


def _left(
    entries: list[BillEntry], event_name: str, event_id: int | None
) -> dict[tuple[int, str], int]:
    """Per (program, promised category): what the bill's matching events credited less what
    unlocks of the bill took."""
    left: dict[tuple[int, str], int] = defaultdict(int)
    for e in entries:
        if e.program_id is None or e.category is None:
            continue
        key = (e.program_id, e.category)
        matches = e.event_name == event_name and (event_id is None or e.event_id == event_id)
        if matches and e.points_milli > 0 or e.event_name == UNLOCK_EVENT and e.points_milli < 0:
            left[key] += e.points_milli
    return {k: v for k, v in left.items() if v > 0}


def unlock_promised_points(
    session: Session,
    *,
    caller: Caller,
    identifier_name: object,
    identifier_value: object,
    source: object,
    entity_type: object,
    body: UnlockBody,
    now: datetime,
) -> UnlockAnswer:
    if _text(identifier_name) is None or _text(identifier_value) is None or _text(source) is None:
        raise UnlockIdentifierMissingError()
    kind = _text(entity_type)
    if kind is not None and kind.upper() != "CUSTOMER":
        raise UnlockEntityTypeInvalidError()
    bill_number = _text(body.billNumber)
    if bill_number is None:
        raise UnlockBillNumberMissingError()
    event_name = _text(body.eventName)
    if event_name is None:
        raise UnlockEventNameNotFoundError()
    event_id = None
    if body.eventLogId is not None:
        event_id = numeric_id(body.eventLogId)
        if event_id is None:
            raise UnlockEventLogNotFoundError()
    customer = find_customer_record(
        session, caller.org, identifier_type(identifier_name), identifier_value
    )
    db = Db(session)

    def entries() -> list[BillEntry]:
        return store.bill_entries(
            db,
            org_id=caller.org_id,
            owner_type=CUSTOMER,
            owner_id=customer.id,
            bill_number=bill_number,
        )

    found = entries()
    if not found:
        raise UnlockBillNotFoundError()
    if event_id is not None and all(e.event_id != event_id for e in found):
        raise UnlockEventLogNotFoundError()
    if all(e.event_name != event_name for e in found):
        raise UnlockEventNameNotFoundError()
    owner = Owner(CUSTOMER, customer.id)
    keys: list[Key] = [(CUSTOMER, customer.id, p, c) for p, c in _left(found, event_name, event_id)]
    if not keys:
        raise NoPromisedPointsError()
    # Locked, then read again: an unlock that committed meanwhile is seen, never repeated.
    balances = lock_balances(
        session, org_id=caller.org_id, keys=[*keys, *((k[0], k[1], k[2], MAIN) for k in keys)]
    )
    movements: list[Movement] = []
    unlocked: dict[int, int] = defaultdict(int)
    for (program, category), milli in sorted(_left(entries(), event_name, event_id).items()):
        take = min(milli, balances.get((CUSTOMER, customer.id, program, category), 0))
        if take <= 0:
            continue
        debit = Debit(owner, program, category, take)
        movements += [debit, Credit(owner, program, MAIN, take, mirror=debit)]
        unlocked[program] += take
    if not movements:
        raise NoPromisedPointsError()
    write_points_event(
        session,
        org_id=caller.org_id,
        event_name=UNLOCK_EVENT,
        now=now,
        movements=movements,
        till_id=caller.till.id,
        transaction_number=bill_number,
    )
    return UnlockAnswer(
        pointsUnlocked=[
            PointsUnlocked(
                billNumber=bill_number,
                pointsUnlocked=milli // MILLI if milli % MILLI == 0 else milli / MILLI,
                programId=program,
            )
            for program, milli in sorted(unlocked.items())
        ]
    )
