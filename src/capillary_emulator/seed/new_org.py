"""A fresh, isolated org in one call (POST /_emulator/orgs) and its removal (DELETE).

The body is an org of the seed-document format whose ids may be left out: the org, its till,
OAuth client, programs, groups and redemptions get ids after the highest the database holds,
customers without a `userId` get theirs from the planner, and a points entry without a
`programId` goes to the org's default program. What is not given comes from the demo org
(its config keys, timezone and country code) and one default program. The org is then checked,
planned and written by the seed loader, the ledger rows through the writer's bulk path.
"""

import base64
import hashlib
import secrets
import string
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from capillary_emulator import caches
from capillary_emulator.config import DEMO_SEED_FILE
from capillary_emulator.errors import ControlRequestError, OrgNotFoundError
from capillary_emulator.seed.loader import load_seed
from capillary_emulator.seed.service import clear_database, parse_seed, read_seed_file
from capillary_emulator.store import bulk as store_bulk

ALLOWED = frozenset(
    {"name", "config", "timezone", "defaultCountryCode", "programs", "customers", "userGroups",
     "redemptions"}
)  # fmt: skip
_REDEMPTION_ALPHABET = string.ascii_letters + string.digits


def create_org(session: Session, body: Any, *, now: datetime) -> dict[str, Any]:
    """Write the org described by `body` (a dict, may be empty); what POST /_emulator/orgs
    answers. Raises SeedDocumentError or ControlRequestError, having written nothing."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ControlRequestError(detail="the body must be a JSON object")
    unknown = set(body) - ALLOWED
    if unknown:
        raise ControlRequestError(detail=f"unknown fields {sorted(unknown)}; use {sorted(ALLOWED)}")
    # Taken first: on Postgres it locks the state row, so that concurrent creations take
    # their ids one after the other.
    caches.invalidate(session)
    highest = store_bulk.highest_ids(session)
    document, password = _document(body, highest)
    parsed = parse_seed({"orgs": [document]})
    org = parsed.orgs[0]
    created = load_seed(session, parsed, now=now)["orgs"][0]
    till = org.tills[0]
    client = org.oauthClients[0]
    credentials = f"{till.code}:{hashlib.md5(password.encode()).hexdigest()}"
    default = next((p for p in org.programs if p.default), org.programs[0])
    return {
        "orgId": org.orgId,
        "programId": default.programId,
        "tillCode": till.code,
        "password": password,
        "authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
        "oauth": {"key": client.key, "secret": client.secret},
        "programs": [
            {"programId": p.programId, "name": p.name, "default": p is default}
            for p in org.programs
        ],
        "customers": [
            {"userId": user_id, "identifiers": dict(customer.identifiers)}
            for user_id, customer in zip(created["customers"], org.customers, strict=True)
        ],
        "userGroups": [
            {"groupId": g.groupId, "externalId": g.externalId, "name": g.name}
            for g in org.userGroups
        ],
        "redemptions": [r.redemptionId for r in org.redemptions],
    }


def delete_org(session: Session, org_id: int) -> None:
    """Remove the org and every row of it; its credentials stop working at once."""
    if not store_bulk.existing_org(session, org_id):
        raise OrgNotFoundError(org_id=org_id)
    clear_database(session, org_id=org_id)
    caches.invalidate(session)


def _document(body: dict[str, Any], highest: store_bulk.HighestIds) -> tuple[dict[str, Any], str]:
    """The seed-document org for `body`, every id filled in, and the till's password."""
    demo = read_seed_file(DEMO_SEED_FILE).orgs[0]
    org_id = highest.org + 1
    programs = _list(body, "programs") or [{"name": "Default", "default": True}]
    next_program = highest.program
    filled_programs = []
    for program in programs:
        if not isinstance(program, dict):
            raise ControlRequestError(detail="programs: each must be an object")
        if "programId" not in program:
            next_program += 1
            program = {**program, "programId": next_program}
        filled_programs.append(program)
    default_program = next(
        (p for p in filled_programs if p.get("default") is True), filled_programs[0]
    )["programId"]

    def with_program(points: Any) -> Any:
        if not isinstance(points, list):
            return points  # the seed schema says what is wrong with it
        return [{"programId": default_program, **p} if isinstance(p, dict) else p for p in points]

    customers = [
        {**c, "points": with_program(c.get("points", []))} if isinstance(c, dict) else c
        for c in _list(body, "customers")
    ]
    groups = []
    next_group = highest.group
    for group in _list(body, "userGroups"):
        if isinstance(group, dict):
            if "groupId" not in group:
                next_group += 1
                group = {**group, "groupId": next_group}
            group = {**group, "points": with_program(group.get("points", []))}
        groups.append(group)
    redemptions = [
        {"programId": default_program, "redemptionId": _redemption_id(), **r}
        if isinstance(r, dict)
        else r
        for r in _list(body, "redemptions")
    ]
    password = secrets.token_hex(8)
    till_code = f"capemu.org{org_id}.till"
    config = body.get("config", {})
    if not isinstance(config, dict):
        raise ControlRequestError(detail="config must be an object")
    document = {
        "orgId": org_id,
        "name": body.get("name", f"Test org {org_id}"),
        "timezone": body.get("timezone", demo.timezone),
        "defaultCountryCode": body.get("defaultCountryCode", demo.defaultCountryCode),
        "config": {**demo.config, **config},
        "tills": [
            {"tillId": highest.till + 1, "code": till_code, "password": password,
             "storeName": f"Test store {org_id}", "storeCode": f"capemu.store{org_id}"}
        ],
        "oauthClients": [
            {"key": f"capemu-org{org_id}-{secrets.token_hex(4)}",
             "secret": secrets.token_urlsafe(16), "tillCode": till_code}
        ],
        "programs": filled_programs,
        "customers": customers,
        "userGroups": groups,
        "redemptions": redemptions,
    }  # fmt: skip
    return document, password


def _list(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key, [])
    if not isinstance(value, list):
        raise ControlRequestError(detail=f"{key} must be a list")
    return value


def _redemption_id() -> str:
    return "".join(secrets.choice(_REDEMPTION_ALPHABET) for _ in range(6))
