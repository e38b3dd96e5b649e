"""Loading seed documents: parse, check every reference, then write it all in one transaction.

Points in a seed are written through the ledger writer like any other movement, so a seeded
database passes the audit from the start.
"""

import hashlib
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from capillary_emulator import caches
from capillary_emulator.clock import parse_duration, parse_instant
from capillary_emulator.db import Base
from capillary_emulator.errors import InsufficientCurrentPointsError, SeedDocumentError
from capillary_emulator.ledger.writer import (
    OPENING_BALANCE,
    Credit,
    Debit,
    Owner,
    write_points_event,
)
from capillary_emulator.models import (
    CUSTOMER,
    USERGROUP2,
    Customer,
    CustomerIdentifier,
    EmulatorState,
    OAuthClient,
    Org,
    Otp,
    Program,
    Redemption,
    RedemptionAllocation,
    Till,
    UserGroup,
    UserGroupMember,
)
from capillary_emulator.orgs import CONFIG_DEFAULTS
from capillary_emulator.points import CATEGORIES, MAIN, to_milli
from capillary_emulator.seed.schema import AwardSeed, OrgSeed, SeedDocument


def parse_seed(data: Any) -> SeedDocument:
    """Validate a decoded document; errors name the path of the bad field."""
    try:
        document = SeedDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise SeedDocumentError(path=path, problem=first["msg"]) from None
    _check_references(document)
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


def _check_references(document: SeedDocument) -> None:
    seen_orgs: set[int] = set()
    for o, org in enumerate(document.orgs):
        at = f"orgs.{o}"
        if org.orgId in seen_orgs:
            raise SeedDocumentError(path=f"{at}.orgId", problem=f"duplicate orgId {org.orgId}")
        seen_orgs.add(org.orgId)
        for key, value in org.config.items():
            default = CONFIG_DEFAULTS.get(key)
            if (
                isinstance(default, int)
                and not isinstance(default, bool)
                and not (isinstance(value, int) and not isinstance(value, bool))
            ):
                raise SeedDocumentError(path=f"{at}.config.{key}", problem="must be a whole number")
        programs = {p.programId for p in org.programs}
        if len(programs) != len(org.programs):
            raise SeedDocumentError(path=f"{at}.programs", problem="duplicate programId")
        if sum(p.default for p in org.programs) > 1:
            raise SeedDocumentError(path=f"{at}.programs", problem="more than one default program")
        tills = {t.code for t in org.tills}
        if len(tills) != len(org.tills):
            raise SeedDocumentError(path=f"{at}.tills", problem="duplicate till code")
        for c, client in enumerate(org.oauthClients):
            if client.tillCode not in tills:
                raise SeedDocumentError(
                    path=f"{at}.oauthClients.{c}.tillCode",
                    problem=f"unknown till {client.tillCode!r}",
                )
        user_ids: set[int] = set()
        identifiers: set[tuple[str, str]] = set()
        for c, customer in enumerate(org.customers):
            if customer.userId is not None:
                if customer.userId in user_ids:
                    raise SeedDocumentError(
                        path=f"{at}.customers.{c}.userId",
                        problem=f"duplicate userId {customer.userId}",
                    )
                user_ids.add(customer.userId)
            for kind, value in customer.identifiers.items():
                if (kind, value) in identifiers:
                    raise SeedDocumentError(
                        path=f"{at}.customers.{c}.identifiers.{kind}",
                        problem=f"{value!r} already belongs to another customer",
                    )
                identifiers.add((kind, value))
            _check_awards(customer.points, programs, f"{at}.customers.{c}.points")
        for c, customer in enumerate(org.customers):
            if customer.mergedInto is not None and customer.mergedInto not in user_ids:
                raise SeedDocumentError(
                    path=f"{at}.customers.{c}.mergedInto",
                    problem=f"unknown userId {customer.mergedInto}",
                )
        group_ids: set[int] = set()
        for g, group in enumerate(org.userGroups):
            if group.groupId in group_ids:
                raise SeedDocumentError(
                    path=f"{at}.userGroups.{g}.groupId", problem="duplicate groupId"
                )
            group_ids.add(group.groupId)
            if sum(m.primaryMember for m in group.members) > 1:
                raise SeedDocumentError(
                    path=f"{at}.userGroups.{g}.members", problem="more than one primary member"
                )
            for m, member in enumerate(group.members):
                if member.userId not in user_ids:
                    raise SeedDocumentError(
                        path=f"{at}.userGroups.{g}.members.{m}.userId",
                        problem=f"unknown userId {member.userId}",
                    )
            _check_awards(group.points, programs, f"{at}.userGroups.{g}.points")
        codes: set[str] = set()
        for r, redemption in enumerate(org.redemptions):
            where = f"{at}.redemptions.{r}"
            if redemption.redemptionId in codes:
                raise SeedDocumentError(
                    path=f"{where}.redemptionId", problem="duplicate redemptionId"
                )
            codes.add(redemption.redemptionId)
            if redemption.userId not in user_ids:
                raise SeedDocumentError(
                    path=f"{where}.userId", problem=f"unknown userId {redemption.userId}"
                )
            if redemption.programId not in programs:
                raise SeedDocumentError(
                    path=f"{where}.programId", problem=f"unknown programId {redemption.programId}"
                )


def _check_awards(awards: list[AwardSeed], programs: set[int], at: str) -> None:
    for a, award in enumerate(awards):
        if award.programId not in programs:
            raise SeedDocumentError(
                path=f"{at}.{a}.programId", problem=f"unknown programId {award.programId}"
            )


def _when(value: str | None, now: datetime, default: datetime | None = None) -> datetime:
    if value is None:
        return default if default is not None else now
    if value.lstrip("+-").startswith("P"):
        return now + parse_duration(value)
    return parse_instant(value)


def load_seed(session: Session, document: SeedDocument, *, now: datetime) -> dict[str, Any]:
    """Write the document; raises SeedDocumentError (and writes nothing) on a conflict."""
    created: dict[str, Any] = {"orgs": []}
    for o, org in enumerate(document.orgs):
        created["orgs"].append(_load_org(session, org, now=now, at=f"orgs.{o}"))
    caches.invalidate(session)
    return created


def _conflict(session: Session, column: Any, values: list[Any], path: str) -> None:
    if not values:
        return
    taken = session.execute(select(column).where(column.in_(values)).limit(1)).scalar()
    if taken is not None:
        raise SeedDocumentError(path=path, problem=f"{taken!r} already exists in the emulator")


def _load_org(session: Session, org: OrgSeed, *, now: datetime, at: str) -> dict[str, Any]:
    _conflict(session, Org.id, [org.orgId], f"{at}.orgId")
    _conflict(session, Till.id, [t.tillId for t in org.tills], f"{at}.tills")
    _conflict(session, Till.code, [t.code for t in org.tills], f"{at}.tills")
    _conflict(session, Program.id, [p.programId for p in org.programs], f"{at}.programs")
    _conflict(session, OAuthClient.key, [c.key for c in org.oauthClients], f"{at}.oauthClients")
    _conflict(
        session, Customer.id, [c.userId for c in org.customers if c.userId], f"{at}.customers"
    )
    _conflict(session, UserGroup.id, [g.groupId for g in org.userGroups], f"{at}.userGroups")

    session.add(
        Org(
            id=org.orgId,
            name=org.name,
            timezone=org.timezone,
            default_country_code=org.defaultCountryCode,
            config=dict(org.config),
        )
    )
    session.flush()
    tills = {}
    for till in org.tills:
        tills[till.code] = Till(
            id=till.tillId,
            org_id=org.orgId,
            code=till.code,
            password_md5=hashlib.md5(till.password.encode()).hexdigest(),
            store_id=till.storeId,
            store_name=till.storeName,
            store_code=till.storeCode,
        )
    session.add_all(tills.values())
    session.flush()
    default_program = next((p for p in org.programs if p.default), org.programs[0])
    session.add_all(
        Program(id=p.programId, org_id=org.orgId, name=p.name, is_default=p is default_program)
        for p in org.programs
    )
    session.add_all(
        OAuthClient(
            org_id=org.orgId,
            key=c.key,
            secret=c.secret,
            till_id=tills[c.tillCode].id,
            ttl_seconds=c.ttlSeconds,
        )
        for c in org.oauthClients
    )
    session.flush()
    first_till = org.tills[0].tillId
    next_id = (
        session.execute(select(Customer.id).order_by(Customer.id.desc()).limit(1)).scalar() or 0
    ) + 1
    next_id = max([next_id] + [c.userId + 1 for c in org.customers if c.userId])

    customer_ids: list[int] = []
    registrations: list[tuple[datetime, int, list[AwardSeed]]] = []
    for c, seed in enumerate(org.customers):
        user_id = seed.userId or next_id
        if seed.userId is None:
            next_id += 1
        award_times = [_when(a.awardedAt, now) for a in seed.points]
        created_at = _when(seed.createdAt, now, default=min([now, *award_times]))
        for kind, value in seed.identifiers.items():
            exists = session.execute(
                select(CustomerIdentifier.id).where(
                    CustomerIdentifier.org_id == org.orgId,
                    CustomerIdentifier.type == kind,
                    CustomerIdentifier.value == value,
                )
            ).first()
            if exists:
                raise SeedDocumentError(
                    path=f"{at}.customers.{c}.identifiers.{kind}",
                    problem=f"{value!r} already exists",
                )
        session.add(
            Customer(
                id=user_id,
                org_id=org.orgId,
                first_name=seed.firstName,
                last_name=seed.lastName,
                source=seed.source,
                account_id=seed.accountId,
                status=seed.status.upper(),
                loyalty_type=seed.loyaltyType,
                merged_into_id=seed.mergedInto,
                lifetime_purchases=to_milli(seed.lifetimePurchases),
                created_at=created_at,
                modified_at=created_at,
                created_by_till_id=first_till,
            )
        )
        session.flush()
        session.add_all(
            CustomerIdentifier(org_id=org.orgId, customer_id=user_id, type=kind, value=value)
            for kind, value in seed.identifiers.items()
        )
        customer_ids.append(user_id)
        registrations.append((created_at, user_id, seed.points))
        validity = timedelta(seconds=int(org.config.get("OTP_VALIDITY_SECONDS", 900)))
        mobile = seed.identifiers.get("mobile")
        for otp in seed.otps:
            issued = _when(otp.issuedAt, now)
            session.add(
                Otp(
                    org_id=org.orgId,
                    customer_id=user_id,
                    action=otp.action.upper(),
                    code=otp.code,
                    entity_type="MOBILE" if mobile else "EMAIL",
                    entity_value=mobile or seed.identifiers.get("email", ""),
                    issued_at=issued,
                    expires_at=issued
                    + (parse_duration(otp.validFor) if otp.validFor else validity),
                )
            )
    session.flush()

    for created_at, user_id, awards in registrations:
        owner = Owner(CUSTOMER, user_id)
        opening = {(default_program.programId, MAIN)} | {
            (a.programId, a.category) for a in awards if a.points == 0
        }
        write_points_event(
            session,
            org_id=org.orgId,
            event_name="CustomerRegistration",
            now=created_at,
            till_id=first_till,
            movements=[
                Credit(owner, program_id, category, 0, entry_type=OPENING_BALANCE)
                for program_id, category in sorted(opening)
            ],
        )
        _award(session, org.orgId, owner, awards, now=now, till_id=first_till)

    for group in org.userGroups:
        created_on = _when(
            group.createdOn,
            now,
            default=min([now, *[_when(a.awardedAt, now) for a in group.points]]),
        )
        session.add(
            UserGroup(
                id=group.groupId,
                org_id=org.orgId,
                external_id=group.externalId,
                name=group.name,
                status=group.status,
                created_by=group.createdBy,
                created_on=created_on,
                lifetime_purchases=to_milli(group.lifetimePurchases),
                max_group_size=group.maxGroupSize,
            )
        )
        session.flush()
        session.add_all(
            UserGroupMember(
                group_id=group.groupId,
                customer_id=m.userId,
                position=i,
                primary_member=m.primaryMember,
                default_group=m.defaultGroup or m.primaryMember,
                active=m.active,
                allow_points_transfer=m.allowPointsTransfer,
            )
            for i, m in enumerate(group.members)
        )
        owner = Owner(USERGROUP2, group.groupId)
        write_points_event(
            session,
            org_id=org.orgId,
            event_name="UserGroup2Create",
            now=created_on,
            till_id=first_till,
            movements=[
                Credit(owner, p.programId, category, 0, entry_type=OPENING_BALANCE)
                for p in org.programs
                for category in CATEGORIES
            ],
        )
        _award(session, org.orgId, owner, group.points, now=now, till_id=first_till)

    for r, seed_redemption in enumerate(org.redemptions):
        redeemed_at = _when(seed_redemption.redeemedAt, now)
        debit = Debit(
            Owner(CUSTOMER, seed_redemption.userId),
            seed_redemption.programId,
            MAIN,
            to_milli(seed_redemption.points),
        )
        try:
            posted = write_points_event(
                session,
                org_id=org.orgId,
                event_name="PointsRedemption",
                now=redeemed_at,
                till_id=first_till,
                transaction_number=seed_redemption.transactionNumber,
                notes=seed_redemption.notes or None,
                movements=[debit],
            )
        except InsufficientCurrentPointsError:
            raise SeedDocumentError(
                path=f"{at}.redemptions.{r}.points",
                problem="the customer does not hold that many Main points in the program",
            ) from None
        redemption = Redemption(
            org_id=org.orgId,
            code=seed_redemption.redemptionId,
            customer_id=seed_redemption.userId,
            program_id=seed_redemption.programId,
            points_milli=debit.points_milli,
            transaction_number=seed_redemption.transactionNumber,
            external_reference_number=seed_redemption.externalReferenceNumber,
            notes=seed_redemption.notes,
            till_id=first_till,
            redeemed_at=redeemed_at,
            ledger_event_id=posted.event_ids[debit.owner],
        )
        session.add(redemption)
        session.flush()
        session.add_all(
            RedemptionAllocation(
                redemption_id=redemption.id, award_id=lot.award_id, points_milli=lot.points_milli
            )
            for lot in debit.drawn
        )
    session.flush()
    return {
        "orgId": org.orgId,
        "tills": [t.tillId for t in org.tills],
        "programs": [p.programId for p in org.programs],
        "customers": customer_ids,
        "userGroups": [g.groupId for g in org.userGroups],
        "redemptions": [r.redemptionId for r in org.redemptions],
    }


def _award(
    session: Session,
    org_id: int,
    owner: Owner,
    awards: list[AwardSeed],
    *,
    now: datetime,
    till_id: int,
) -> None:
    for award in sorted(awards, key=lambda a: _when(a.awardedAt, now)):
        if award.points == 0:
            continue
        write_points_event(
            session,
            org_id=org_id,
            event_name=award.event,
            now=_when(award.awardedAt, now),
            till_id=till_id,
            transaction_number=award.transactionNumber,
            movements=[
                Credit(
                    owner,
                    award.programId,
                    award.category,
                    to_milli(award.points),
                    expires_at=_when(award.expiresAt, now) if award.expiresAt else None,
                )
            ],
        )


def clear_database(session: Session, *, org_id: int | None = None) -> None:
    """Remove every row (or one org's rows); the emulator_state row stays."""
    tables = [
        t for t in reversed(Base.metadata.sorted_tables) if t.name != EmulatorState.__tablename__
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
