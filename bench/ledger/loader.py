"""Bulk loader: customers with exactly ENTRIES_PER_CUSTOMER ledger entries each.

Rows go in through SQLAlchemy Core executemany INSERTs, a few hundred customers per
transaction. Every customer's ledger is generated in Python the way the one writer would have
written it: lots for credits, debits drawn from lots earliest expiry first, balances equal to
the sum of the entries. So `GET /_emulator/audit` stays ok at any size.
"""

import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Engine, Table, column, func, insert, select, text
from sqlalchemy import table as sa_table
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from capillary_emulator.models import (
    CUSTOMER,
    Customer,
    CustomerIdentifier,
    LedgerEntry,
    LedgerEvent,
    PointAward,
    PointBalance,
)
from capillary_emulator.points import DELAYED, MAIN, TRIGGER_BASED
from capillary_emulator.seed.service import load_seed, parse_seed
from capillary_emulator.writer.core import CREDIT, DEBIT, OPENING_BALANCE

ORG_ID = 990002
TILL_ID = 990002
TILL_CODE = "ledger.bench"
TILL_PASSWORD = "ledger123"
PROGRAM_MAIN = 990201
PROGRAM_PARTNER = 990202
FIRST_USER_ID = 950_000_000
ENTRIES_PER_CUSTOMER = 100
CUSTOMERS_PER_BATCH = 250
HISTORY = timedelta(days=730)
"""Each customer's ledger spans the two years before the load."""

Key = tuple[int, str]
"""(program_id, category) of one customer."""


def external_id(index: int) -> str:
    return f"lbench-{index}"


def org_document() -> dict[str, Any]:
    return {
        "orgs": [
            {
                "orgId": ORG_ID,
                "name": "Ledger Bench Org",
                "timezone": "+05:30",
                # The measured page is the first of the customer's whole two-year history, not
                # the seed's default window of the last 7 days.
                "config": {"LEDGER_DEFAULT_WHOLE_HISTORY": True},
                "tills": [
                    {
                        "tillId": TILL_ID,
                        "code": TILL_CODE,
                        "password": TILL_PASSWORD,
                        "storeName": "Ledger Bench Store",
                        "storeCode": "ledger.bench.store",
                    }
                ],
                "programs": [
                    {"programId": PROGRAM_MAIN, "name": "LedgerBenchMain", "default": True},
                    {"programId": PROGRAM_PARTNER, "name": "LedgerBenchPartner"},
                ],
            }
        ]
    }


def create_org(engine: Engine, now: datetime) -> None:
    with Session(engine) as session, session.begin():
        load_seed(session, parse_seed(org_document()), now=now)


@dataclass
class Lot:
    milli: int
    remaining: int
    event: int
    """Index of the crediting event in the template."""
    awarded: timedelta
    """When, after the customer's registration."""
    expires_after: timedelta | None


@dataclass(frozen=True)
class TemplateEvent:
    offset: timedelta
    """Time after the customer's registration."""
    name: str
    bill: int | None
    entries: tuple[tuple[Key, str, int], ...]
    """(key, entry type, signed milli)."""


@dataclass(frozen=True)
class Template:
    """One customer's ledger without its owner and dates: customers share a few templates."""

    events: tuple[TemplateEvent, ...]
    lots: tuple[tuple[Key, Lot], ...]
    balances: tuple[tuple[Key, int], ...]


SHORT_EXPIRY = timedelta(days=120)
LONG_EXPIRY = timedelta(days=1095)
LAST_AWARD = timedelta(days=600)
SETTLED = timedelta(days=720)
"""Every short-lived lot has expired (and been debited) by this offset, a day before the load."""


def make_template(variant: int) -> Template | None:
    """A registration, then awards, redemptions and expiries, as the writer would have written
    them; None unless that comes to exactly ENTRIES_PER_CUSTOMER entries."""
    rng = random.Random(variant)
    events: list[TemplateEvent] = []
    lots: dict[Key, list[Lot]] = defaultdict(list)
    balance: dict[Key, int] = defaultdict(int)
    offset = timedelta(0)
    count = 0

    def add_event(
        name: str,
        movements: list[tuple[Key, str, int]],
        bill: int | None,
        at: timedelta,
        short_expiry: bool = True,
    ) -> None:
        nonlocal count
        for key, entry_type, milli in movements:
            balance[key] += milli
            if entry_type == CREDIT:
                expiry = rng.choice((SHORT_EXPIRY, LONG_EXPIRY, None, None))
                if expiry == SHORT_EXPIRY and not short_expiry:
                    expiry = LONG_EXPIRY
                lots[key].append(Lot(milli, milli, len(events), at, expiry))
            elif entry_type == DEBIT and name != "PointsExpiry":
                _draw(lots[key], -milli)
        events.append(TemplateEvent(at, name, bill, tuple(movements)))
        count += len(movements)

    def expire_until(moment: timedelta) -> None:
        """One PointsExpiry event per expiry instant, as the writer's expiry does."""
        due: dict[timedelta, dict[Key, int]] = defaultdict(lambda: defaultdict(int))
        for key, key_lots in lots.items():
            for lot in key_lots:
                if (
                    lot.expires_after
                    and lot.remaining
                    and lot.awarded + lot.expires_after <= moment
                ):
                    due[lot.awarded + lot.expires_after][key] += lot.remaining
                    lot.remaining = 0
        for instant, per_key in sorted(due.items()):
            debits = [(key, DEBIT, -milli) for key, milli in sorted(per_key.items())]
            add_event("PointsExpiry", debits, None, instant)

    def pending_expiries() -> int:
        """Entries the expiries still to come before SETTLED will write."""
        return len(
            {
                (lot.awarded + lot.expires_after, key)
                for key, key_lots in lots.items()
                for lot in key_lots
                if lot.expires_after
                and lot.remaining
                and lot.awarded + lot.expires_after <= SETTLED
            }
        )

    opening = [(PROGRAM_MAIN, MAIN), (PROGRAM_MAIN, DELAYED), (PROGRAM_MAIN, TRIGGER_BASED)]
    add_event("CustomerRegistration", [(k, OPENING_BALANCE, 0) for k in opening], None, offset)
    main = (PROGRAM_MAIN, MAIN)
    bills = 0
    while (room := ENTRIES_PER_CUSTOMER - count - pending_expiries()) > 0:
        offset += HISTORY / 100 * rng.uniform(0.5, 1.0)
        expire_until(offset)
        if rng.random() < 0.2 and balance[main] >= 1000:
            points = min(balance[main], rng.randrange(1, 60) * 1000)
            add_event("PointsRedemption", [(main, DEBIT, -points)], None, offset)
            continue
        bills += 1
        movements = [(main, CREDIT, rng.randrange(10, 500) * 1000 + rng.choice((0, 500)))]
        if room >= 2 and rng.random() < 0.4:
            movements.append(((PROGRAM_PARTNER, MAIN), CREDIT, rng.randrange(1, 100) * 1000))
        if room >= 3 and rng.random() < 0.15:
            movements.append(((PROGRAM_MAIN, DELAYED), CREDIT, rng.randrange(1, 50) * 1000))
        # Near the end, a short-lived lot would add an expiry entry past the hundred.
        add_event("TransactionAdd", movements, bills, offset, short_expiry=room > 6)
    expire_until(SETTLED)
    if count != ENTRIES_PER_CUSTOMER or offset > LAST_AWARD:
        return None
    return Template(
        events=tuple(events),
        lots=tuple((key, lot) for key, key_lots in sorted(lots.items()) for lot in key_lots),
        balances=tuple(sorted(balance.items())),
    )


def _templates(count: int) -> tuple[Template, ...]:
    made = (make_template(variant) for variant in range(count * 50))
    found = tuple(islice((t for t in made if t is not None), count))
    assert len(found) == count, "too few ledger templates of exactly 100 entries"
    return found


def _draw(lots: list[Lot], milli: int) -> None:
    """Spend from the lots as the writer does: earliest expiry first, no expiry last."""
    order = sorted(
        lots,
        key=lambda lot: (
            lot.expires_after is None,
            lot.awarded + lot.expires_after if lot.expires_after is not None else ZERO,
            lot.awarded,
            lot.event,
        ),
    )
    for lot in order:
        take = min(lot.remaining, milli)
        lot.remaining -= take
        milli -= take
        if milli == 0:
            return
    raise AssertionError("a generated debit exceeds the balance")


ZERO = timedelta(0)
TEMPLATES = _templates(16)


@dataclass
class Rows:
    """Rows of a batch of customers, ready for executemany."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    lots: list[dict[str, Any]] = field(default_factory=list)
    balances: list[dict[str, Any]] = field(default_factory=list)


Stamp = Callable[[datetime], Any]


def add_customer(rows: Rows, index: int, first_event_id: int, now: datetime, stamp: Stamp) -> int:
    """Append one customer's rows; returns how many events it has."""
    template = TEMPLATES[index % len(TEMPLATES)]
    owner_id = FIRST_USER_ID + index
    start = now - HISTORY + timedelta(minutes=index % 1440)
    moments = [start + e.offset for e in template.events]
    stamps = [stamp(m) for m in moments]
    rows.customers.append(
        {
            "id": owner_id,
            "org_id": ORG_ID,
            "first_name": f"Ledger{index}",
            "last_name": "Bench",
            "source": "INSTORE",
            "account_id": "",
            "status": "ACTIVE",
            "loyalty_type": "loyalty",
            "merged_into_id": None,
            "lifetime_purchases": 0,
            "created_at": stamps[0],
            "modified_at": stamps[0],
            "created_by_till_id": TILL_ID,
        }
    )
    rows.identifiers.append(
        {
            "org_id": ORG_ID,
            "customer_id": owner_id,
            "type": "externalId",
            "value": external_id(index),
        }
    )
    for i, e in enumerate(template.events):
        event_id = first_event_id + i
        rows.events.append(
            {
                "id": event_id,
                "org_id": ORG_ID,
                "owner_type": CUSTOMER,
                "owner_id": owner_id,
                "event_name": e.name,
                "created_at": stamps[i],
                "till_id": TILL_ID,
                "transaction_id": None,
                "transaction_number": f"lb-{index}-{e.bill}" if e.bill else None,
                "notes": None,
            }
        )
        rows.entries.extend(
            {
                "event_id": event_id,
                "org_id": ORG_ID,
                "owner_type": CUSTOMER,
                "owner_id": owner_id,
                "program_id": key[0],
                "category": key[1],
                "entry_type": entry_type,
                "points_milli": milli,
                "created_at": stamps[i],
            }
            for key, entry_type, milli in e.entries
        )
    rows.lots.extend(
        {
            "org_id": ORG_ID,
            "owner_type": CUSTOMER,
            "owner_id": owner_id,
            "program_id": key[0],
            "category": key[1],
            "points_milli": lot.milli,
            "remaining_milli": lot.remaining,
            "awarded_at": stamps[lot.event],
            "expires_at": stamp(moments[lot.event] + lot.expires_after)
            if lot.expires_after
            else None,
            "ledger_event_id": first_event_id + lot.event,
        }
        for key, lot in template.lots
    )
    rows.balances.extend(
        {
            "owner_type": CUSTOMER,
            "owner_id": owner_id,
            "program_id": key[0],
            "category": key[1],
            "org_id": ORG_ID,
            "points_milli": milli,
        }
        for key, milli in template.balances
    )
    return len(template.events)


def stamp_for(engine: Engine) -> Stamp:
    """Dates as the UTCDateTime columns store them: naive UTC (SQLite: SQLAlchemy's text form)."""
    if engine.dialect.name == "sqlite":
        return lambda moment: moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return lambda moment: moment.astimezone(UTC).replace(tzinfo=None)


def bare_table(model: Any) -> TableClause:
    """The model's table with untyped columns: the loader hands over values as stored, so
    a million rows skip a million calls of the column types' bind processors."""
    table = model.__table__
    assert isinstance(table, Table)
    return sa_table(table.name, *(column(c.name) for c in table.columns))


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label
        self.started = time.perf_counter()
        self.done = 0

    def advance(self, amount: int) -> None:
        self.done += amount
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed else 0
        sys.stderr.write(
            f"\r  {self.label} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done:,}/{self.total:,} entries, {elapsed:5.1f} s, {rate:,.0f}/s "
        )
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _batches(start: int, stop: int) -> Iterator[range]:
    for first in range(start, stop, CUSTOMERS_PER_BATCH):
        yield range(first, min(first + CUSTOMERS_PER_BATCH, stop))


def load_customers(engine: Engine, *, start: int, stop: int, now: datetime, label: str) -> float:
    """Add customers [start, stop) with their ledgers; returns the seconds it took."""
    started = time.perf_counter()
    progress = Progress((stop - start) * ENTRIES_PER_CUSTOMER, label)
    stamp = stamp_for(engine)
    tables = [
        ("customers", bare_table(Customer)),
        ("identifiers", bare_table(CustomerIdentifier)),
        ("events", bare_table(LedgerEvent)),
        ("entries", bare_table(LedgerEntry)),
        ("lots", bare_table(PointAward)),
        ("balances", bare_table(PointBalance)),
    ]
    with engine.connect() as connection:
        next_event_id = (connection.execute(select(func.max(LedgerEvent.id))).scalar() or 0) + 1
    for batch in _batches(start, stop):
        rows = Rows()
        for index in batch:
            next_event_id += add_customer(rows, index, next_event_id, now, stamp)
        with engine.begin() as connection:
            for name, table in tables:
                connection.execute(insert(table), getattr(rows, name))
        progress.advance(len(rows.entries))
    if engine.dialect.name == "postgresql":
        # Events were given explicit ids: move the sequence past them for the writer.
        with engine.begin() as connection:
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('ledger_events', 'id'), "
                    "(SELECT max(id) FROM ledger_events))"
                )
            )
    return time.perf_counter() - started


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load (both databases plan by them)."""
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def ledger_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(LedgerEntry)).scalar_one())
