"""The seed document format (YAML or JSON); its JSON Schema is published in docs/seed-schema.json.

Times are absolute ISO-8601 timestamps or ISO-8601 durations relative to the moment the document
is loaded ("-P2D" two days before, "PT15M" fifteen minutes after). Points are decimals.
"""

from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from capillary_emulator.clock import parse_duration, parse_instant

Category = Literal["Main", "DelayedAccrualPointCategory", "ExternalTriggerBasedPointCategory"]
Source = Literal[
    "FACEBOOK", "WEB_ENGAGE", "WECHAT", "INSTORE", "MARTJACK", "TMALL", "TAOBAO", "JD",
    "ECOMMERCE", "WEBSITE", "LINE", "MOBILE_APP",
]  # fmt: skip
IdentifierType = Literal[
    "mobile", "email", "externalId", "cardnumber", "cardExternalId", "wechat", "martjackId", "fbId"
]


@lru_cache(maxsize=1024)
def _is_time(text: str) -> bool:
    # Large documents repeat a handful of times ("-P1D") thousands of times: parse each once.
    try:
        if text.lstrip("+-").startswith("P"):
            parse_duration(text)
        else:
            parse_instant(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1024)
def _is_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except ValueError:
        return False
    return True


def _check_time(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not _is_time(text):
        raise ValueError(
            "must be an ISO-8601 timestamp or a duration relative to load time, like -P2D"
        )
    return text


def _check_duration(value: str | None) -> str | None:
    if value is None:
        return None
    if not _is_duration(value):
        raise ValueError("must be an ISO-8601 duration, like P1D or PT15M")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TillSeed(_Strict):
    tillId: int = Field(gt=0)
    code: str = Field(min_length=1)
    password: str = Field(min_length=1, description="Plain password; clients send its md5 hex.")
    storeName: str = ""
    storeCode: str = ""
    storeId: int | None = None


class OAuthClientSeed(_Strict):
    key: str = Field(min_length=1)
    secret: str = Field(min_length=1)
    tillCode: str
    ttlSeconds: int = Field(
        default=3600, gt=0, le=3600, description="Capillary's maximum is 60 minutes."
    )


class ProgramSeed(_Strict):
    programId: int = Field(gt=0)
    name: str
    default: bool = False


class AwardSeed(_Strict):
    programId: int
    category: Category = "Main"
    points: Decimal = Field(ge=0)
    event: str = "TransactionAdd"
    transactionNumber: str | None = None
    transactionId: int | None = Field(default=None, description="The bill's id.")
    amount: Decimal | None = Field(default=None, description="The bill's net amount.")
    awardedAt: str | None = Field(default=None, description="Default: load time.")
    expiresAt: str | None = None

    _times = field_validator("awardedAt", "expiresAt")(_check_time)


class OtpSeed(_Strict):
    action: str = "POINTSTRANSFER"
    code: str = Field(min_length=1)
    issuedAt: str | None = None
    validFor: str | None = Field(
        default=None, description="Default: the org's OTP_VALIDITY_SECONDS."
    )

    _issued = field_validator("issuedAt")(_check_time)
    _valid = field_validator("validFor")(_check_duration)


class CustomerSeed(_Strict):
    userId: int | None = Field(default=None, gt=0)
    firstName: str = ""
    lastName: str = ""
    source: Source = "INSTORE"
    accountId: str = ""
    status: str = "ACTIVE"
    loyaltyType: Literal["loyalty", "non_loyalty"] = "loyalty"
    mergedInto: int | None = None
    createdAt: str | None = None
    lifetimePurchases: Decimal = Decimal(0)
    identifiers: dict[IdentifierType, str] = Field(min_length=1)
    points: list[AwardSeed] = []
    otps: list[OtpSeed] = []

    _created = field_validator("createdAt")(_check_time)


class MemberSeed(_Strict):
    userId: int
    primaryMember: bool = False
    defaultGroup: bool = False
    active: bool = True
    allowPointsTransfer: bool = True


class GroupSeed(_Strict):
    groupId: int = Field(gt=0)
    externalId: str | None = None
    name: str = ""
    status: Literal["ACTIVE", "INACTIVE", "DELETED"] = "ACTIVE"
    createdBy: int | None = None
    createdOn: str | None = None
    lifetimePurchases: Decimal = Decimal(0)
    maxGroupSize: int = 30000
    members: list[MemberSeed] = []
    points: list[AwardSeed] = []

    _created = field_validator("createdOn")(_check_time)


class RedemptionSeed(_Strict):
    redemptionId: str = Field(pattern=r"^[A-Za-z0-9]{6}$")
    userId: int
    programId: int
    points: Decimal = Field(gt=0)
    transactionNumber: str | None = None
    externalReferenceNumber: str | None = None
    notes: str = ""
    redeemedAt: str | None = None

    _redeemed = field_validator("redeemedAt")(_check_time)


class OrgSeed(_Strict):
    orgId: int = Field(gt=0)
    name: str
    timezone: str = Field(default="+00:00", pattern=r"^[+-]\d{2}:\d{2}$")
    defaultCountryCode: str = Field(default="", pattern=r"^\d{0,4}$")
    config: dict[str, Any] = Field(
        default={},
        description="Org settings by Capillary's names; EARNING_RULE is the earning rule of "
        "POST /v2/transactions: {pointsPerCurrencyUnit (>= 0, default 1), programId (default: "
        "the default program), expiryDays (>= 0, default: no expiry)}.",
    )
    tills: list[TillSeed] = Field(min_length=1)
    oauthClients: list[OAuthClientSeed] = []
    programs: list[ProgramSeed] = Field(min_length=1)
    customers: list[CustomerSeed] = []
    userGroups: list[GroupSeed] = []
    redemptions: list[RedemptionSeed] = []

    @field_validator("config")
    @classmethod
    def _earning_rule(cls, config: dict[str, Any]) -> dict[str, Any]:
        rule = config.get("EARNING_RULE")
        if rule is None:
            return config
        if not isinstance(rule, dict) or set(rule) - {
            "pointsPerCurrencyUnit",
            "programId",
            "expiryDays",
        }:
            raise ValueError("EARNING_RULE takes pointsPerCurrencyUnit, programId, expiryDays")
        rate, expiry = rule.get("pointsPerCurrencyUnit", 1), rule.get("expiryDays")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 0:
            raise ValueError("EARNING_RULE.pointsPerCurrencyUnit must be a number >= 0")
        if expiry is not None and (
            isinstance(expiry, bool) or not isinstance(expiry, int) or expiry < 0
        ):
            raise ValueError("EARNING_RULE.expiryDays must be an integer >= 0")
        return config


class SeedDocument(_Strict):
    """A seed document: orgs with their tills, programs, customers, groups and redemptions."""

    orgs: list[OrgSeed] = Field(min_length=1)


def seed_json_schema() -> dict[str, Any]:
    schema = SeedDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "capillary-emulator seed document"
    return schema
