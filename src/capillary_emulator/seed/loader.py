"""Writing one checked org of a seed document, in the order that fixes every generated id:
the org and its setup (tills, programs, OAuth clients), customers with their identifiers and
OTPs, the customers' registrations and awards, user groups with theirs, then redemptions.

Points are written through the ledger writer like any other movement, so a seeded database
passes the audit from the start.
"""

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from capillary_emulator.clock import parse_duration, parse_instant
from capillary_emulator.errors import InsufficientCurrentPointsError, SeedDocumentError
from capillary_emulator.models import (
    CUSTOMER,
    USERGROUP2,
    Customer,
    CustomerIdentifier,
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
from capillary_emulator.points import CATEGORIES, MAIN, to_milli
from capillary_emulator.seed.schema import AwardSeed, CustomerSeed, OrgSeed
from capillary_emulator.writer.core import (
    OPENING_BALANCE,
    Credit,
    Debit,
    Owner,
    write_points_event,
)

Registration = tuple[datetime, int, list[AwardSeed]]
"""(registered at, user id, the points the document awards the customer)."""


def load_org(session: Session, org: OrgSeed, *, now: datetime, at: str) -> dict[str, Any]:
    """Write one org; raises SeedDocumentError on a clash with what the emulator holds."""
    _check_conflicts(session, org, at)
    _add_setup(session, org)
    first_till = org.tills[0].tillId
    customer_ids, registrations = _add_customers(session, org, now=now, at=at, till_id=first_till)
    _register_customers(session, org, registrations, now=now, till_id=first_till)
    _add_groups(session, org, now=now, till_id=first_till)
    _add_redemptions(session, org, now=now, at=at, till_id=first_till)
    session.flush()
    return {
        "orgId": org.orgId,
        "tills": [t.tillId for t in org.tills],
        "programs": [p.programId for p in org.programs],
        "customers": customer_ids,
        "userGroups": [g.groupId for g in org.userGroups],
        "redemptions": [r.redemptionId for r in org.redemptions],
    }


def _when(value: str | None, now: datetime, default: datetime | None = None) -> datetime:
    if value is None:
        return default if default is not None else now
    if value.lstrip("+-").startswith("P"):
        return now + parse_duration(value)
    return parse_instant(value)


def _conflict(session: Session, column: Any, values: list[Any], path: str) -> None:
    if not values:
        return
    taken = session.execute(select(column).where(column.in_(values)).limit(1)).scalar()
    if taken is not None:
        raise SeedDocumentError(path=path, problem=f"{taken!r} already exists in the emulator")


def _check_conflicts(session: Session, org: OrgSeed, at: str) -> None:
    _conflict(session, Org.id, [org.orgId], f"{at}.orgId")
    _conflict(session, Till.id, [t.tillId for t in org.tills], f"{at}.tills")
    _conflict(session, Till.code, [t.code for t in org.tills], f"{at}.tills")
    _conflict(session, Program.id, [p.programId for p in org.programs], f"{at}.programs")
    _conflict(session, OAuthClient.key, [c.key for c in org.oauthClients], f"{at}.oauthClients")
    _conflict(
        session, Customer.id, [c.userId for c in org.customers if c.userId], f"{at}.customers"
    )
    _conflict(session, UserGroup.id, [g.groupId for g in org.userGroups], f"{at}.userGroups")


def _default_program_id(org: OrgSeed) -> int:
    return next((p for p in org.programs if p.default), org.programs[0]).programId


def _add_setup(session: Session, org: OrgSeed) -> None:
    """The org, its tills, programs and OAuth clients."""
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
    default_program = _default_program_id(org)
    session.add_all(
        Program(
            id=p.programId, org_id=org.orgId, name=p.name, is_default=p.programId == default_program
        )
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


def _add_customers(
    session: Session, org: OrgSeed, *, now: datetime, at: str, till_id: int
) -> tuple[list[int], list[Registration]]:
    """Customers with their identifiers and OTPs; returns their ids and registrations."""
    next_id = (
        session.execute(select(Customer.id).order_by(Customer.id.desc()).limit(1)).scalar() or 0
    ) + 1
    next_id = max([next_id] + [c.userId + 1 for c in org.customers if c.userId])
    customer_ids: list[int] = []
    registrations: list[Registration] = []
    for c, seed in enumerate(org.customers):
        user_id = seed.userId or next_id
        if seed.userId is None:
            next_id += 1
        award_times = [_when(a.awardedAt, now) for a in seed.points]
        created_at = _when(seed.createdAt, now, default=min([now, *award_times]))
        _check_identifiers_free(session, org.orgId, seed, f"{at}.customers.{c}")
        session.add(_customer(org.orgId, user_id, seed, created_at, till_id))
        session.flush()
        session.add_all(
            CustomerIdentifier(org_id=org.orgId, customer_id=user_id, type=kind, value=value)
            for kind, value in seed.identifiers.items()
        )
        customer_ids.append(user_id)
        registrations.append((created_at, user_id, seed.points))
        _add_otps(session, org, user_id, seed, now=now)
    session.flush()
    return customer_ids, registrations


def _check_identifiers_free(session: Session, org_id: int, seed: CustomerSeed, at: str) -> None:
    for kind, value in seed.identifiers.items():
        exists = session.execute(
            select(CustomerIdentifier.id).where(
                CustomerIdentifier.org_id == org_id,
                CustomerIdentifier.type == kind,
                CustomerIdentifier.value == value,
            )
        ).first()
        if exists:
            raise SeedDocumentError(
                path=f"{at}.identifiers.{kind}", problem=f"{value!r} already exists"
            )


def _customer(
    org_id: int, user_id: int, seed: CustomerSeed, created_at: datetime, till_id: int
) -> Customer:
    return Customer(
        id=user_id,
        org_id=org_id,
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
        created_by_till_id=till_id,
    )


def _add_otps(
    session: Session, org: OrgSeed, user_id: int, seed: CustomerSeed, *, now: datetime
) -> None:
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
                expires_at=issued + (parse_duration(otp.validFor) if otp.validFor else validity),
            )
        )


def _register_customers(
    session: Session,
    org: OrgSeed,
    registrations: list[Registration],
    *,
    now: datetime,
    till_id: int,
) -> None:
    """Each customer's CustomerRegistration event (opening balances), then their awards."""
    default_program = _default_program_id(org)
    for created_at, user_id, awards in registrations:
        owner = Owner(CUSTOMER, user_id)
        opening = {(default_program, MAIN)} | {
            (a.programId, a.category) for a in awards if a.points == 0
        }
        write_points_event(
            session,
            org_id=org.orgId,
            event_name="CustomerRegistration",
            now=created_at,
            till_id=till_id,
            movements=[
                Credit(owner, program_id, category, 0, entry_type=OPENING_BALANCE)
                for program_id, category in sorted(opening)
            ],
        )
        _award(session, org.orgId, owner, awards, now=now, till_id=till_id)


def _add_groups(session: Session, org: OrgSeed, *, now: datetime, till_id: int) -> None:
    """Each group with its members, its UserGroup2Create event, then its awards."""
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
            till_id=till_id,
            movements=[
                Credit(owner, p.programId, category, 0, entry_type=OPENING_BALANCE)
                for p in org.programs
                for category in CATEGORIES
            ],
        )
        _award(session, org.orgId, owner, group.points, now=now, till_id=till_id)


def _add_redemptions(
    session: Session, org: OrgSeed, *, now: datetime, at: str, till_id: int
) -> None:
    """Each redemption as a PointsRedemption debit, with the lots it drew."""
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
                till_id=till_id,
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
            till_id=till_id,
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
