"""Writing planned orgs (`seed/plan.py`): clashes with the database found first, then one
`executemany` per table, org-local ids mapped to ids reserved in bulk.

Everything is checked before the first write, so a document that fails writes nothing; the
ledger tables go through the ledger writer's bulk path.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator.db import Base, UTCDateTime
from capillary_emulator.errors import SeedDocumentError
from capillary_emulator.models import Customer, OAuthClient, Org, Program, Till, UserGroup
from capillary_emulator.seed.plan import LOCAL_IDS, OrgRows, next_user_id, plan_org
from capillary_emulator.seed.schema import OrgSeed, SeedDocument
from capillary_emulator.store import bulk as store_bulk
from capillary_emulator.store.bulk import TableRows
from capillary_emulator.writer import bulk as ledger_bulk

INSERT_ORDER = [
    t.name for t in Base.metadata.sorted_tables if t.name not in ledger_bulk.TABLE_NAMES
]
"""Every other table before the ledger's, parents before children."""

Moved = dict[str, list[tuple[int, ...]]]
"""Per table and row, the indexes of the time cells that move with the load time."""


class _Taken:
    """What the earlier orgs of the document being loaded take (the database does not hold it
    yet, but it will)."""

    def __init__(self) -> None:
        self.values: dict[str, set[Any]] = {}

    def add(self, name: str, values: list[Any]) -> None:
        self.values.setdefault(name, set()).update(values)


def plan_document(
    session: Session | None, document: SeedDocument, *, now: datetime
) -> list[OrgRows]:
    """Every org of the document planned against the database (None: an empty one); raises
    SeedDocumentError (and has written nothing) when one clashes with what the emulator holds
    or cannot be loaded."""
    max_user_id = store_bulk.max_customer_id(session) if session is not None else 0
    taken = _Taken()
    plans = []
    for o, org in enumerate(document.orgs):
        at = f"orgs.{o}"
        check_conflicts(session, org, at, taken)
        plan = plan_org(org, now=now, at=at, max_user_id=max_user_id)
        customer_ids = plan.created["customers"]
        taken.add("customers", customer_ids)
        max_user_id = max([max_user_id, *customer_ids])
        plans.append(plan)
    return plans


def check_conflicts(
    session: Session | None, org: OrgSeed, at: str, taken: _Taken | None = None
) -> None:
    """Raises SeedDocumentError when an id or code of the org is taken, in the database or by
    an earlier org of the same document."""
    checks: list[tuple[str, Any, list[Any], str]] = [
        ("orgs", Org.id, [org.orgId], "orgId"),
        ("till ids", Till.id, [t.tillId for t in org.tills], "tills"),
        ("till codes", Till.code, [t.code for t in org.tills], "tills"),
        ("programs", Program.id, [p.programId for p in org.programs], "programs"),
        ("oauth", OAuthClient.key, [c.key for c in org.oauthClients], "oauthClients"),
        ("customers", Customer.id, [c.userId for c in org.customers if c.userId], "customers"),
        ("groups", UserGroup.id, [g.groupId for g in org.userGroups], "userGroups"),
    ]
    for name, column, values, path in checks:
        if not values:
            continue
        clashes = store_bulk.existing(session, column, values) if session is not None else []
        if taken is not None:
            clashes.extend(v for v in values if v in taken.values.get(name, ()))
        if clashes:
            raise SeedDocumentError(
                path=f"{at}.{path}", problem=f"{min(clashes)!r} already exists in the emulator"
            )
        if taken is not None:
            taken.add(name, values)


def reload_org(
    session: Session,
    org: OrgSeed,
    planned: OrgRows,
    moved: Moved,
    *,
    now: datetime,
    shift: timedelta,
) -> None:
    """Load an org of the seed file again (its rows are gone), as loading it now would: from
    its snapshot rows, ids after those the database holds, unless customers without a userId
    would now get other ids than the snapshot gave them."""
    check_conflicts(session, org, "orgs.0")
    first_generated = None
    max_user_id = 0
    if any(c.userId is None for c in org.customers):
        max_user_id = store_bulk.max_customer_id(session)
        first_generated = next_user_id(org, max_user_id)
    if planned.first_generated_user_id != first_generated:
        write_orgs(session, [plan_org(org, now=now, at="orgs.0", max_user_id=max_user_id)])
    else:
        write_orgs(session, [planned], moved=[moved], shift=shift)


def moving_cells(planned: OrgRows, later: OrgRows) -> Moved:
    """Per table and row, the time cells that differ between the org planned at two moments:
    those the document sets relative to the load time."""
    moved: Moved = {}
    for rows, other in zip(planned.tables, later.tables, strict=True):
        target = store_bulk.table(rows.table)
        times = [i for i, c in enumerate(rows.columns) if isinstance(target.c[c].type, UTCDateTime)]
        moved[rows.table] = [
            tuple(i for i in times if row[i] != after[i])
            for row, after in zip(rows.rows, other.rows, strict=True)
        ]
    return moved


def write_orgs(
    session: Session,
    plans: Sequence[OrgRows],
    *,
    restart: bool = False,
    moved: Sequence[Moved] | None = None,
    shift: timedelta = timedelta(0),
) -> None:
    """Insert the planned orgs, every table in one statement.

    `restart`: the database is empty, so ids restart at 1 (on Postgres the sequences are moved
    past them afterwards). `moved` and `shift`: snapshot rows, whose moving time cells are
    shifted by `shift`.
    """
    counts: dict[str, int] = {}
    for plan in plans:
        for rows in plan.tables:
            if rows.table in LOCAL_IDS:
                counts[rows.table] = counts.get(rows.table, 0) + len(rows.rows)
    ids = {
        name: store_bulk.reserve_ids(session, name, count, restart=restart)
        for name, count in counts.items()
    }
    merged: dict[str, TableRows] = {}
    offsets = dict.fromkeys(counts, 0)
    for p, plan in enumerate(plans):
        maps = {name: ids[name][offsets[name] :] for name in ids}
        for rows in plan.tables:
            shifted = _shifted(rows, moved[p].get(rows.table) if moved else None, shift)
            local = _to_real_ids(shifted, maps)
            target = merged.setdefault(rows.table, TableRows(rows.table, rows.columns, []))
            target.rows.extend(local.rows)
        for rows in plan.tables:
            if rows.table in offsets:
                offsets[rows.table] += len(rows.rows)
    encode_time = store_bulk.time_encoder(session.get_bind().dialect)
    for name in INSERT_ORDER:
        if name in merged:
            store_bulk.insert_rows(session, merged[name], encode_time)
    ledger_bulk.insert_rows(session, merged, encode_time)
    if restart and session.get_bind().dialect.name == "postgresql":
        store_bulk.advance_sequences(session)


def _shifted(rows: TableRows, moved: list[tuple[int, ...]] | None, shift: timedelta) -> TableRows:
    if not moved or not shift:
        return rows
    out = []
    for row, cells in zip(rows.rows, moved, strict=True):
        if cells:
            values = list(row)
            for index in cells:
                values[index] += shift
            row = tuple(values)
        out.append(row)
    return TableRows(rows.table, rows.columns, out)


def _to_real_ids(rows: TableRows, maps: dict[str, Sequence[int]]) -> TableRows:
    """Org-local ids replaced by the reserved ones (`maps[table][local]`)."""
    references = LOCAL_IDS.get(rows.table)
    if not references:
        return rows
    mapped: list[tuple[int, Callable[[int], int]]] = []
    for column, target in references.items():
        ids = maps.get(target)
        if ids is None or _is_identity(ids):
            continue
        mapped.append((rows.columns.index(column), ids.__getitem__))
    if not mapped:
        return rows
    out = []
    for row in rows.rows:
        values = list(row)
        for index, real in mapped:
            if values[index] is not None:
                values[index] = real(values[index])
        out.append(tuple(values))
    return TableRows(rows.table, rows.columns, out)


def _is_identity(ids: Sequence[int]) -> bool:
    return isinstance(ids, range) and ids.start == 0 and ids.step == 1


def load_document(session: Session, document: SeedDocument, *, now: datetime) -> dict[str, Any]:
    """Check, plan and write the document; what POST /_emulator/seed answers."""
    plans = plan_document(session, document, now=now)
    write_orgs(session, plans)
    return {"orgs": [plan.created for plan in plans]}
