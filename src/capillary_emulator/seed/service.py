"""Seed documents: parse and check them, load them in one transaction, clear what they wrote.

Checking lives in `seed/references.py`, writing an org in `seed/loader.py`. Points in a seed
are written through the ledger writer like any other movement, so a seeded database passes the
audit from the start; clearing removes ledger, lot and balance rows through the writer's bulk
path (`writer/bulk.py`).
"""

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from capillary_emulator import caches
from capillary_emulator.db import Base
from capillary_emulator.errors import SeedDocumentError
from capillary_emulator.models import (
    Customer,
    CustomerIdentifier,
    EmulatorState,
    Org,
    Redemption,
    RedemptionAllocation,
    UserGroup,
    UserGroupMember,
)
from capillary_emulator.seed.loader import load_org
from capillary_emulator.seed.references import check_references
from capillary_emulator.seed.schema import SeedDocument
from capillary_emulator.writer import bulk as ledger_bulk


def parse_seed(data: Any) -> SeedDocument:
    """Validate a decoded document; errors name the path of the bad field."""
    try:
        document = SeedDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise SeedDocumentError(path=path, problem=first["msg"]) from None
    check_references(document)
    return document


def parse_seed_text(raw: str) -> SeedDocument:
    try:
        data = yaml.safe_load(raw)  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise SeedDocumentError(path="(document)", problem=f"not YAML or JSON: {exc}") from None
    return parse_seed(data)


@lru_cache(maxsize=8)
def _read_seed_file(path: str, mtime_ns: int) -> SeedDocument:
    return parse_seed_text(Path(path).read_text(encoding="utf-8"))


def read_seed_file(path: Path) -> SeedDocument:
    """The parsed seed file, parsed once per process while the file is unchanged."""
    return _read_seed_file(str(path), path.stat().st_mtime_ns)


def load_seed(session: Session, document: SeedDocument, *, now: datetime) -> dict[str, Any]:
    """Write the document; raises SeedDocumentError (and writes nothing) on a conflict."""
    created: dict[str, Any] = {"orgs": []}
    for o, org in enumerate(document.orgs):
        created["orgs"].append(load_org(session, org, now=now, at=f"orgs.{o}"))
    caches.invalidate(session)
    return created


def clear_database(session: Session, *, org_id: int | None = None) -> None:
    """Remove every row (or one org's rows); the emulator_state row stays."""
    ledger_bulk.delete_rows(session, org_id=org_id)
    tables = [
        t
        for t in reversed(Base.metadata.sorted_tables)
        if t.name != EmulatorState.__tablename__ and t.name not in ledger_bulk.TABLE_NAMES
    ]
    if org_id is None:
        # DELETE rather than TRUNCATE: on the small tables of a test run it is several times
        # faster on Postgres; sequences are moved past the restored ids by the caller.
        for table in tables:
            session.execute(table.delete())
        return
    customer_ids = select(Customer.id).where(Customer.org_id == org_id).scalar_subquery()
    group_ids = select(UserGroup.id).where(UserGroup.org_id == org_id).scalar_subquery()
    session.execute(delete(UserGroupMember).where(UserGroupMember.group_id.in_(group_ids)))
    session.execute(
        delete(CustomerIdentifier).where(CustomerIdentifier.customer_id.in_(customer_ids))
    )
    redemption_ids = select(Redemption.id).where(Redemption.org_id == org_id).scalar_subquery()
    session.execute(
        delete(RedemptionAllocation).where(RedemptionAllocation.redemption_id.in_(redemption_ids))
    )
    for table in tables:
        if "org_id" in table.c and table.name not in ("orgs",):
            session.execute(table.delete().where(table.c.org_id == org_id))
    session.execute(delete(Org).where(Org.id == org_id))


def org_part(document: SeedDocument, org_id: int) -> SeedDocument | None:
    orgs = [o for o in document.orgs if o.orgId == org_id]
    return SeedDocument(orgs=orgs) if orgs else None
