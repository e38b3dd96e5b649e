"""The demo supplement (`data/demo-supplement.yaml`): what the demo needs beyond the demo seed
document, which must stay byte-identical to the shared reference document.

After the demo document is restored (first start, full reset, reset of the demo org), and only
when the configured seed file holds the demo document's bytes: the supplement's `config` is
merged into its org's config, and its `transfers` are made through the transfer core, so
through the one ledger writer, at the times and with the ids given.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from capillary_emulator import caches
from capillary_emulator.auth import caller_of_till_code
from capillary_emulator.config import DEMO_SEED_FILE
from capillary_emulator.models import Customer, Org
from capillary_emulator.points import MAIN, to_milli
from capillary_emulator.store.bulk import advance_sequences
from capillary_emulator.store.sql import Db
from capillary_emulator.store.transfers import transfer_id_taken
from capillary_emulator.tenancy import Caller
from capillary_emulator.transfer_core.movement import move_points
from capillary_emulator.writer.core import Credit, Owner, write_points_event

SUPPLEMENT_FILE = DEMO_SEED_FILE.with_name("demo-supplement.yaml")


@dataclass(frozen=True)
class DemoTransfer:
    transfer_id: int
    source: Owner
    target: Owner
    transferred_by: int | None
    program_id: int
    points_milli: int
    notes: str
    at: datetime
    till_code: str


@dataclass(frozen=True)
class DemoAward:
    owner: Owner
    program_id: int
    points_milli: int
    event: str
    transaction_number: str | None
    at: datetime
    till_code: str


@dataclass(frozen=True)
class ProfileTimes:
    user_id: int
    created_at: datetime | None
    modified_at: datetime | None


@dataclass(frozen=True)
class Supplement:
    org_id: int
    config: dict[str, Any]
    profiles: tuple[ProfileTimes, ...]
    awards: tuple[DemoAward, ...]
    transfers: tuple[DemoTransfer, ...]


def _owner(raw: dict[str, Any]) -> Owner:
    return Owner(str(raw["type"]), int(raw["id"]))


@cache
def supplement() -> Supplement:
    document = yaml.safe_load(SUPPLEMENT_FILE.read_text(encoding="utf-8"))
    transfers = tuple(
        DemoTransfer(
            transfer_id=int(t["transferId"]),
            source=_owner(t["from"]),
            target=_owner(t["to"]),
            transferred_by=t.get("transferredBy"),
            program_id=int(t["programId"]),
            points_milli=to_milli(t["points"]),
            notes=str(t.get("notes", "")),
            at=datetime.fromisoformat(str(t["at"])),
            till_code=str(t["tillCode"]),
        )
        for t in document.get("transfers", [])
    )
    awards = tuple(
        DemoAward(
            owner=_owner(a["owner"]),
            program_id=int(a["programId"]),
            points_milli=to_milli(a["points"]),
            event=str(a.get("event", "TransactionAdd")),
            transaction_number=a.get("transactionNumber"),
            at=datetime.fromisoformat(str(a["at"])),
            till_code=str(a["tillCode"]),
        )
        for a in document.get("awards", [])
    )
    profiles = tuple(
        ProfileTimes(int(p["userId"]), _time(p.get("createdAt")), _time(p.get("modifiedAt")))
        for p in document.get("profiles", [])
    )
    return Supplement(
        int(document["orgId"]), dict(document.get("config", {})), profiles, awards, transfers
    )


def _time(raw: object) -> datetime | None:
    return None if raw is None else datetime.fromisoformat(str(raw))


@cache
def _digest(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_demo_seed(seed_file: Path) -> bool:
    """Whether the seed file holds the demo document (its bytes, wherever it lives)."""
    try:
        return _digest(seed_file, seed_file.stat().st_mtime_ns) == _digest(
            DEMO_SEED_FILE, DEMO_SEED_FILE.stat().st_mtime_ns
        )
    except OSError:
        return False


def _caller(session: Session, till_code: str) -> Caller:
    caller = caller_of_till_code(session, till_code)
    if caller is None:
        raise RuntimeError(f"demo supplement: the demo seed has no till {till_code!r}")
    return caller


def apply_demo_supplement(session: Session, seed_file: Path, *, org_id: int | None = None) -> None:
    """Add the supplement to a just-restored demo document (`org_id`: only that org was)."""
    added = supplement()
    if not is_demo_seed(seed_file) or org_id not in (None, added.org_id):
        return
    org = session.get(Org, added.org_id)
    if org is None:
        return
    org.config = {**org.config, **added.config}
    for times in added.profiles:
        customer = session.get(Customer, times.user_id)
        if customer is None:
            raise RuntimeError(f"demo supplement: the demo seed has no customer {times.user_id}")
        customer.created_at = times.created_at or customer.created_at
        customer.modified_at = times.modified_at or customer.modified_at
    session.flush()
    caches.invalidate(session)
    for award in added.awards:
        write_points_event(
            session,
            org_id=added.org_id,
            event_name=award.event,
            now=award.at,
            movements=[Credit(award.owner, award.program_id, MAIN, award.points_milli)],
            till_id=_caller(session, award.till_code).till.id,
            transaction_number=award.transaction_number,
        )
    for transfer in added.transfers:
        caller = _caller(session, transfer.till_code)
        move_points(
            session,
            caller=caller,
            now=transfer.at,
            source=transfer.source,
            target=transfer.target,
            program=caller.programs[transfer.program_id],
            points_milli=transfer.points_milli,
            notes=transfer.notes,
            transferred_by=transfer.transferred_by,
            # Another org may hold the id already (the demo org reset alone on a busy server).
            transfer_id=None
            if transfer_id_taken(Db(session), transfer.transfer_id)
            else transfer.transfer_id,
        )
    if session.get_bind().dialect.name == "postgresql":
        advance_sequences(session)
