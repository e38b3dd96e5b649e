"""One checked org of a seed document as the rows loading it writes, without the database.

The order fixes every generated id, as loading row by row did: the org and its setup (tills,
programs, OAuth clients), customers with their identifiers and OTPs, the customers'
registrations and awards, user groups with theirs, then redemptions. Ids of autoincrement
tables count from 1 within the org (`LOCAL_IDS`); the loader maps them to real ids when it
writes. Points are posted through the ledger writer's `BulkLedger`, so a seeded database
passes the audit from the start.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from capillary_emulator.clock import parse_duration, parse_instant
from capillary_emulator.errors import InsufficientCurrentPointsError, SeedDocumentError
from capillary_emulator.inputs import stored_identifier
from capillary_emulator.models import CUSTOMER, USERGROUP2
from capillary_emulator.points import CATEGORIES, MAIN, to_milli
from capillary_emulator.seed.schema import AwardSeed, OrgSeed
from capillary_emulator.store.bulk import Row, TableRows
from capillary_emulator.writer.bulk import BulkLedger
from capillary_emulator.writer.core import Debit, Owner

LOCAL_IDS: dict[str, dict[str, str]] = {
    "oauth_clients": {"id": "oauth_clients"},
    "customer_identifiers": {"id": "customer_identifiers"},
    "otps": {"id": "otps"},
    "redemptions": {"id": "redemptions", "ledger_event_id": "ledger_events"},
    "redemption_allocations": {
        "id": "redemption_allocations",
        "redemption_id": "redemptions",
        "award_id": "point_awards",
    },
    "ledger_events": {"id": "ledger_events"},
    "ledger_entries": {"id": "ledger_entries", "event_id": "ledger_events"},
    "point_awards": {"id": "point_awards", "ledger_event_id": "ledger_events"},
}
"""Per table, the columns holding org-local ids, and the table each id belongs to."""

CUSTOMER_COLUMNS = (
    "id", "org_id", "first_name", "last_name", "source", "account_id", "status", "loyalty_type",
    "merged_into_id", "lifetime_purchases", "created_at", "modified_at", "created_by_till_id",
)  # fmt: skip
IDENTIFIER_COLUMNS = ("id", "org_id", "customer_id", "type", "value")
OTP_COLUMNS = (
    "id", "org_id", "customer_id", "action", "code", "entity_type", "entity_value", "issued_at",
    "expires_at", "used_at", "failed_attempts",
)  # fmt: skip
GROUP_COLUMNS = (
    "id", "org_id", "external_id", "name", "status", "created_by", "created_on",
    "lifetime_purchases", "max_group_size",
)  # fmt: skip
MEMBER_COLUMNS = (
    "group_id", "customer_id", "position", "primary_member", "default_group", "active",
    "allow_points_transfer",
)  # fmt: skip
REDEMPTION_COLUMNS = (
    "id", "org_id", "code", "customer_id", "program_id", "points_milli", "reversed_milli",
    "transaction_number", "external_reference_number", "validation_code", "purpose", "notes",
    "till_id", "redeemed_at", "ledger_event_id",
)  # fmt: skip
ALLOCATION_COLUMNS = ("id", "redemption_id", "award_id", "points_milli", "reversed_milli")


Progress = Callable[[str, int, int], None]
"""Told (stage, done, total) as a large load goes: "planning" customers, "writing" rows."""

PROGRESS_EVERY = 500
"""Customers planned between two reports."""


@dataclass
class OrgRows:
    """An org's rows, table by table in insert order, with org-local ids (`LOCAL_IDS`)."""

    org_id: int
    tables: list[TableRows]
    created: dict[str, Any]
    """What POST /_emulator/seed answers for the org."""
    first_generated_user_id: int | None
    """The id given to the first customer without a userId (None when all have one): it
    depends on what the database held, so rows planned for another state are not reusable."""


@lru_cache(maxsize=256)
def _duration(text: str) -> timedelta:
    return parse_duration(text)


def _moment(value: str, now: datetime) -> datetime:
    if value.lstrip("+-").startswith("P"):
        return now + _duration(value)
    return parse_instant(value)


def default_program_id(org: OrgSeed) -> int:
    return next((p for p in org.programs if p.default), org.programs[0]).programId


def next_user_id(org: OrgSeed, after: int) -> int:
    """The id of the org's first customer without a userId, when the database's highest is
    `after`."""
    return max([after + 1] + [c.userId + 1 for c in org.customers if c.userId])


class _Planner:
    def __init__(
        self,
        org: OrgSeed,
        *,
        now: datetime,
        at: str,
        max_user_id: int,
        progress: Progress | None = None,
    ) -> None:
        self.org = org
        self.progress = progress
        self.now = now
        self.at = at
        self.till_id = org.tills[0].tillId
        self.ledger = BulkLedger()
        self.next_user_id = next_user_id(org, max_user_id)
        self.tables: list[TableRows] = []
        self._times: dict[str, datetime] = {}

    def when(self, value: str | None, default: datetime | None = None) -> datetime:
        """A document time at this load: absolute, or relative to `now`."""
        if value is None:
            return default if default is not None else self.now
        found = self._times.get(value)
        if found is None:
            found = self._times[value] = _moment(value, self.now)
        return found

    def add(self, table: str, columns: tuple[str, ...], rows: list[Row]) -> None:
        self.tables.append(TableRows(table, columns, rows))

    def plan(self) -> OrgRows:
        org = self.org
        first_generated = (
            self.next_user_id if any(c.userId is None for c in org.customers) else None
        )
        self._setup()
        customer_ids = self._customers()
        self._groups()
        self._redemptions()
        self.tables.extend(self.ledger.table_rows())
        created = {
            "orgId": org.orgId,
            "tills": [t.tillId for t in org.tills],
            "programs": [p.programId for p in org.programs],
            "customers": customer_ids,
            "userGroups": [g.groupId for g in org.userGroups],
            "redemptions": [r.redemptionId for r in org.redemptions],
        }
        return OrgRows(org.orgId, self.tables, created, first_generated)

    def _setup(self) -> None:
        """The org, its tills, programs and OAuth clients."""
        org = self.org
        self.add(
            "orgs",
            ("id", "name", "timezone", "default_country_code", "config"),
            [(org.orgId, org.name, org.timezone, org.defaultCountryCode, dict(org.config))],
        )
        self.add(
            "tills",
            ("id", "org_id", "code", "password_md5", "store_id", "store_name", "store_code"),
            [
                (t.tillId, org.orgId, t.code, hashlib.md5(t.password.encode()).hexdigest(),
                 t.storeId, t.storeName, t.storeCode)
                for t in org.tills
            ],
        )  # fmt: skip
        default = default_program_id(org)
        self.add(
            "programs",
            ("id", "org_id", "name", "is_default"),
            [(p.programId, org.orgId, p.name, p.programId == default) for p in org.programs],
        )
        tills = {t.code: t.tillId for t in org.tills}
        self.add(
            "oauth_clients",
            ("id", "org_id", "key", "secret", "till_id", "ttl_seconds"),
            [
                (i, org.orgId, c.key, c.secret, tills[c.tillCode], c.ttlSeconds)
                for i, c in enumerate(org.oauthClients, start=1)
            ],
        )

    def _customers(self) -> list[int]:
        """Customers with their identifiers and OTPs, then each one's registration (opening
        balances) and awards; returns their ids."""
        org, now = self.org, self.now
        customers: list[Row] = []
        identifiers: list[Row] = []
        otps: list[Row] = []
        registrations: list[tuple[datetime, int, list[AwardSeed]]] = []
        validity = timedelta(seconds=int(org.config.get("OTP_VALIDITY_SECONDS", 900)))
        for c, seed in enumerate(org.customers):
            if self.progress is not None and c % PROGRESS_EVERY == 0:
                self.progress("planning", c, len(org.customers))
            user_id = seed.userId or self.next_user_id
            if seed.userId is None:
                self.next_user_id += 1
            award_times = [self.when(a.awardedAt) for a in seed.points]
            created_at = self.when(seed.createdAt, default=min([now, *award_times]))
            customers.append(
                (user_id, org.orgId, seed.firstName, seed.lastName, seed.source, seed.accountId,
                 seed.status.upper(), seed.loyaltyType, seed.mergedInto,
                 to_milli(seed.lifetimePurchases), created_at, created_at, self.till_id)
            )  # fmt: skip
            for kind, value in seed.identifiers.items():
                stored = stored_identifier(kind, value)
                identifiers.append((len(identifiers) + 1, org.orgId, user_id, kind, stored))
            mobile = seed.identifiers.get("mobile")
            for otp in seed.otps:
                issued = self.when(otp.issuedAt)
                expires = issued + (_duration(otp.validFor) if otp.validFor else validity)
                otps.append(
                    (len(otps) + 1, org.orgId, user_id, otp.action.upper(), otp.code,
                     "MOBILE" if mobile else "EMAIL",
                     mobile or seed.identifiers.get("email", ""), issued, expires, None, 0)
                )  # fmt: skip
            registrations.append((created_at, user_id, seed.points))
        if self.progress is not None:
            self.progress("planning", len(org.customers), len(org.customers))
        self.add("customers", CUSTOMER_COLUMNS, customers)
        self.add("customer_identifiers", IDENTIFIER_COLUMNS, identifiers)
        self.add("otps", OTP_COLUMNS, otps)
        default = default_program_id(org)
        for created_at, user_id, awards in registrations:
            owner = Owner(CUSTOMER, user_id)
            opening = {(default, MAIN)} | {
                (a.programId, a.category) for a in awards if a.points == 0
            }
            self._open(owner, "CustomerRegistration", created_at, sorted(opening))
            self._award(owner, awards)
        return [row[0] for row in customers]

    def _groups(self) -> None:
        """Each group with its members, its UserGroup2Create event, then its awards."""
        org, now = self.org, self.now
        groups: list[Row] = []
        members: list[Row] = []
        for group in org.userGroups:
            award_times = [self.when(a.awardedAt) for a in group.points]
            created_on = self.when(group.createdOn, default=min([now, *award_times]))
            groups.append(
                (group.groupId, org.orgId, group.externalId, group.name, group.status,
                 group.createdBy, created_on, to_milli(group.lifetimePurchases),
                 group.maxGroupSize)
            )  # fmt: skip
            members.extend(
                (group.groupId, m.userId, i, m.primaryMember, m.defaultGroup or m.primaryMember,
                 m.active, m.allowPointsTransfer)
                for i, m in enumerate(group.members)
            )  # fmt: skip
            owner = Owner(USERGROUP2, group.groupId)
            keys = [(p.programId, category) for p in org.programs for category in CATEGORIES]
            self._open(owner, "UserGroup2Create", created_on, keys)
            self._award(owner, group.points)
        self.add("user_groups", GROUP_COLUMNS, groups)
        self.add("user_group_members", MEMBER_COLUMNS, members)

    def _open(
        self, owner: Owner, event_name: str, at: datetime, keys: list[tuple[int, str]]
    ) -> None:
        self.ledger.open_balances(
            org_id=self.org.orgId,
            owner=owner,
            keys=keys,
            event_name=event_name,
            now=at,
            till_id=self.till_id,
        )

    def _award(self, owner: Owner, awards: list[AwardSeed]) -> None:
        for award in sorted(awards, key=lambda a: self.when(a.awardedAt)):
            if award.points == 0:
                continue
            self.ledger.credit(
                org_id=self.org.orgId,
                key=(owner.type, owner.id, award.programId, award.category),
                points_milli=to_milli(award.points),
                expires_at=self.when(award.expiresAt) if award.expiresAt else None,
                event_name=award.event,
                now=self.when(award.awardedAt),
                till_id=self.till_id,
                transaction_number=award.transactionNumber,
                transaction_id=award.transactionId,
                amount_milli=to_milli(award.amount) if award.amount is not None else None,
            )

    def _redemptions(self) -> None:
        """Each redemption as a PointsRedemption debit, with the lots it drew."""
        org = self.org
        redemptions: list[Row] = []
        allocations: list[Row] = []
        for r, seed in enumerate(org.redemptions):
            redeemed_at = self.when(seed.redeemedAt)
            owner = Owner(CUSTOMER, seed.userId)
            debit = Debit(owner, seed.programId, MAIN, to_milli(seed.points))
            try:
                posted = self.ledger.post(
                    org_id=org.orgId,
                    event_name="PointsRedemption",
                    now=redeemed_at,
                    till_id=self.till_id,
                    transaction_number=seed.transactionNumber,
                    notes=seed.notes or None,
                    movements=[debit],
                )
            except InsufficientCurrentPointsError:
                raise SeedDocumentError(
                    path=f"{self.at}.redemptions.{r}.points",
                    problem="the customer does not hold that many Main points in the program",
                ) from None
            redemption_id = len(redemptions) + 1
            redemptions.append(
                (redemption_id, org.orgId, seed.redemptionId, seed.userId, seed.programId,
                 debit.points_milli, 0, seed.transactionNumber, seed.externalReferenceNumber,
                 None, "", seed.notes, self.till_id, redeemed_at, posted.event_ids[owner])
            )  # fmt: skip
            for lot in debit.drawn:
                allocations.append(
                    (len(allocations) + 1, redemption_id, lot.award_id, lot.points_milli, 0)
                )
        self.add("redemptions", REDEMPTION_COLUMNS, redemptions)
        self.add("redemption_allocations", ALLOCATION_COLUMNS, allocations)


def plan_org(
    org: OrgSeed,
    *,
    now: datetime,
    at: str,
    max_user_id: int,
    progress: Progress | None = None,
) -> OrgRows:
    """The org's rows when loaded at `now` into a database whose highest customer id is
    `max_user_id`; raises SeedDocumentError when a redemption is not covered."""
    planner = _Planner(org, now=now, at=at, max_user_id=max_user_id, progress=progress)
    return planner.plan()
