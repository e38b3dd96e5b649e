"""The seed file as a snapshot: its orgs planned once per process for an empty database, and
prepared once per dialect, so that seeding a fresh database and resetting write prepared rows
(a few statements a table) instead of loading the document again.

Restoring at a later moment moves only the times the document sets relative to the load time
("-P2D", or "now" by default): the document is planned twice, a moment apart, and the cells that
differ are the moving ones. Absolute times ("2021-10-07T15:42:02+05:30") stay as written. That
equals loading the document then, row for row and id for id.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from capillary_emulator import clock
from capillary_emulator.db import UTCDateTime
from capillary_emulator.seed import rows
from capillary_emulator.seed.loader import check_conflicts, plan_document, write_orgs
from capillary_emulator.seed.plan import OrgRows, next_user_id, plan_org
from capillary_emulator.seed.rows import Moved, Prepared
from capillary_emulator.seed.schema import SeedDocument
from capillary_emulator.seed.service import read_seed_file
from capillary_emulator.store import bulk as store_bulk

_PROBE = timedelta(seconds=1)


@dataclass
class SeedSnapshot:
    document: SeedDocument
    taken_at: datetime
    orgs: tuple[OrgRows, ...]
    moved: tuple[Moved, ...]
    """Per org, table and row, the time cells that move with the load time."""
    _prepared: dict[tuple[str, int | None], Prepared] = field(default_factory=dict)

    def prepared(self, dialect: Dialect, index: int | None = None) -> Prepared:
        """Every org's rows (index None: ids as a fresh database gives them), or one org's."""
        key = (dialect.name, index)
        found = self._prepared.get(key)
        if found is None:
            if index is None:
                found = rows.prepare(self.orgs, dialect, self.moved)
            else:
                found = rows.prepare([self.orgs[index]], dialect, [self.moved[index]])
            self._prepared[key] = found
        return found


@lru_cache(maxsize=4)
def _snapshot(path: str, mtime_ns: int) -> SeedSnapshot:
    document = read_seed_file(Path(path))
    taken_at = clock.system_now()
    orgs = plan_document(None, document, now=taken_at)
    later = plan_document(None, document, now=taken_at + _PROBE)
    moved = tuple(_moving_cells(org, other) for org, other in zip(orgs, later, strict=True))
    return SeedSnapshot(document, taken_at, tuple(orgs), moved)


def _moving_cells(planned: OrgRows, later: OrgRows) -> Moved:
    moved: Moved = {}
    for table_rows, other in zip(planned.tables, later.tables, strict=True):
        target = store_bulk.table(table_rows.table)
        times = [
            i for i, c in enumerate(table_rows.columns) if isinstance(target.c[c].type, UTCDateTime)
        ]
        moved[table_rows.table] = [
            tuple(i for i in times if row[i] != after[i])
            for row, after in zip(table_rows.rows, other.rows, strict=True)
        ]
    return moved


def snapshot_of(seed_file: Path) -> SeedSnapshot:
    read_seed_file(seed_file)  # parsed once per process; a missing or bad file fails here
    return _snapshot(str(seed_file), seed_file.stat().st_mtime_ns)


def restore_seed(session: Session, seed_file: Path, *, now: datetime) -> None:
    """Write the seed file into an empty database as if it were loaded at `now`."""
    snapshot = snapshot_of(seed_file)
    prepared = snapshot.prepared(session.get_bind().dialect)
    rows.write(session, prepared, restart=True, shift=now - snapshot.taken_at)


def restore_org(session: Session, seed_file: Path, org_id: int, *, now: datetime) -> None:
    """Load the seed file's org again (its rows are gone), as loading it at `now` would: ids
    after those the database holds. From the snapshot's rows, unless customers without a
    userId would now get other ids than the snapshot gave them."""
    snapshot = snapshot_of(seed_file)
    for index, org in enumerate(snapshot.document.orgs):
        if org.orgId != org_id:
            continue
        check_conflicts(session, org, "orgs.0")
        first_generated = None
        max_user_id = 0
        if any(c.userId is None for c in org.customers):
            max_user_id = store_bulk.max_customer_id(session)
            first_generated = next_user_id(org, max_user_id)
        if snapshot.orgs[index].first_generated_user_id != first_generated:
            write_orgs(session, [plan_org(org, now=now, at="orgs.0", max_user_id=max_user_id)])
            return
        prepared = snapshot.prepared(session.get_bind().dialect, index)
        rows.write(session, prepared, restart=False, shift=now - snapshot.taken_at)
