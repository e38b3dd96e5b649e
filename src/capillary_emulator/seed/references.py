"""Checking a parsed seed document before anything is written: every id unique within its org,
every reference resolvable. Errors name the path of the offending field."""

from capillary_emulator.errors import SeedDocumentError
from capillary_emulator.inputs import stored_identifier
from capillary_emulator.orgs import CONFIG_DEFAULTS
from capillary_emulator.seed.schema import AwardSeed, OrgSeed, SeedDocument


def check_references(document: SeedDocument) -> None:
    seen_orgs: set[int] = set()
    for o, org in enumerate(document.orgs):
        at = f"orgs.{o}"
        if org.orgId in seen_orgs:
            raise SeedDocumentError(path=f"{at}.orgId", problem=f"duplicate orgId {org.orgId}")
        seen_orgs.add(org.orgId)
        programs = _check_setup(org, at)
        user_ids = _check_customers(org, programs, at)
        _check_groups(org, programs, user_ids, at)
        _check_redemptions(org, programs, user_ids, at)


def _check_setup(org: OrgSeed, at: str) -> set[int]:
    """Config, programs, tills and OAuth clients; returns the org's program ids."""
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
    return programs


def _check_customers(org: OrgSeed, programs: set[int], at: str) -> set[int]:
    """Returns the user ids the document gives."""
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
        for kind, raw in customer.identifiers.items():
            value = stored_identifier(kind, raw)
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
    return user_ids


def _check_groups(org: OrgSeed, programs: set[int], user_ids: set[int], at: str) -> None:
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


def _check_redemptions(org: OrgSeed, programs: set[int], user_ids: set[int], at: str) -> None:
    codes: set[str] = set()
    for r, redemption in enumerate(org.redemptions):
        where = f"{at}.redemptions.{r}"
        if redemption.redemptionId in codes:
            raise SeedDocumentError(path=f"{where}.redemptionId", problem="duplicate redemptionId")
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
