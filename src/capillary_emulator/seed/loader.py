"""Loading a document: every org checked against the database and planned (`seed/plan.py`)
before the first write, then written a table at a time (`seed/rows.py`), the ledger's tables
through the ledger writer's bulk path. A document that fails writes nothing.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator import caches
from capillary_emulator.errors import SeedDocumentError
from capillary_emulator.models import Customer, OAuthClient, Org, Program, Till, UserGroup
from capillary_emulator.seed import rows
from capillary_emulator.seed.plan import OrgRows, Progress, plan_org
from capillary_emulator.seed.schema import OrgSeed, SeedDocument
from capillary_emulator.store import bulk as store_bulk


class _Taken:
    """What the earlier orgs of the document being loaded take (the database does not hold it
    yet, but it will)."""

    def __init__(self) -> None:
        self.values: dict[str, set[Any]] = {}

    def add(self, name: str, values: list[Any]) -> None:
        self.values.setdefault(name, set()).update(values)


def plan_document(
    session: Session | None,
    document: SeedDocument,
    *,
    now: datetime,
    progress: Progress | None = None,
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
        plan = plan_org(org, now=now, at=at, max_user_id=max_user_id, progress=progress)
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


def write_orgs(session: Session, plans: list[OrgRows], progress: Progress | None = None) -> None:
    """Insert freshly planned orgs, ids after those the database holds. `plans` is emptied
    once its rows are encoded: a large document's planned rows are not held through the
    write beside their encoded copy."""
    prepared = rows.prepare(plans, session.get_bind().dialect)
    plans.clear()
    rows.write(session, prepared, restart=False, progress=progress)


def load_seed(
    session: Session,
    document: SeedDocument,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Check, plan and write the document (what POST /_emulator/seed answers); raises
    SeedDocumentError, having written nothing, on a conflict. Every worker drops its cached
    callers once this commits (`caches.invalidate`)."""
    plans = plan_document(session, document, now=now, progress=progress)
    del document  # its models are not needed once planned (nor held through the write)
    created = {"orgs": [plan.created for plan in plans]}
    write_orgs(session, plans, progress)
    caches.invalidate(session)
    return created
