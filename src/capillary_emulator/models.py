"""Every table on one page.

Points are stored as integer thousandths of a point (`*_milli` columns) so that sums are exact.
Owners of points are customers and user groups: `owner_type` is CUSTOMER or USERGROUP2 and
`owner_id` the customer's userId or the group's id.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from capillary_emulator.db import NAMING_CONVENTION, Base, UTCDateTime

CUSTOMER = "CUSTOMER"
USERGROUP2 = "USERGROUP2"


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(10), default="+00:00")
    """UTC offset ("+05:30") in which legacy date strings are rendered."""
    default_country_code: Mapped[str] = mapped_column(String(6), default="")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    clock_offset_us: Mapped[int | None] = mapped_column(BigInteger)
    """The org's own clock (POST /_emulator/clock?orgId=): its offset from system time, 0 when
    frozen; NULL while the org reads the global clock."""
    clock_frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Till(Base):
    __tablename__ = "tills"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    password_md5: Mapped[str] = mapped_column(String(32))
    """Lower-case hex md5 of the till password: what Basic auth carries."""
    store_id: Mapped[int | None] = mapped_column(BigInteger)
    store_name: Mapped[str] = mapped_column(String(200), default="")
    store_code: Mapped[str] = mapped_column(String(100), default="")


class OAuthClient(Base):
    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    secret: Mapped[str] = mapped_column(String(200))
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id", ondelete="CASCADE"))
    ttl_seconds: Mapped[int] = mapped_column(Integer, default=3600)


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"

    token: Mapped[str] = mapped_column(String(600), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """Emulator-clock instant after which the token is refused."""


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_org_id_id", "org_id", "id"),)
    """An org's customers in id order without a sort (the console's keyset paging)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(30), default="INSTORE")
    account_id: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(30), default="ACTIVE")
    """ACTIVE, FRAUD, ... (Capillary's customer status label)."""
    loyalty_type: Mapped[str] = mapped_column(String(20), default="loyalty")
    """loyalty (enrolled) or non_loyalty (known to the org, not enrolled)."""
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger)
    lifetime_purchases: Mapped[int] = mapped_column(BigInteger, default=0)
    """Lifetime purchase amount in thousandths of the org's currency."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_till_id: Mapped[int | None] = mapped_column(BigInteger)


class CustomerIdentifier(Base):
    __tablename__ = "customer_identifiers"
    __table_args__ = (UniqueConstraint("org_id", "type", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(30))
    """mobile, email, externalId, cardnumber, cardExternalId, wechat, martjackId, fbId."""
    value: Mapped[str] = mapped_column(String(200))


class UserGroup(Base):
    __tablename__ = "user_groups"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")
    """ACTIVE, INACTIVE or DELETED."""
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime)
    lifetime_purchases: Mapped[int] = mapped_column(BigInteger, default=0)
    """Lifetime purchase amount in thousandths of the org's currency."""
    max_group_size: Mapped[int] = mapped_column(Integer, default=30000)


class UserGroupMember(Base):
    __tablename__ = "user_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    """Order in which members were added (fleetGroupUsers lists them in this order)."""
    primary_member: Mapped[bool] = mapped_column(Boolean, default=False)
    default_group: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_points_transfer: Mapped[bool] = mapped_column(Boolean, default=True)
    """Whether this member may move the group's points (the primary member always may)."""


class PointBalance(Base):
    """Current points of one owner in one program and category; the row a debit locks."""

    __tablename__ = "point_balances"

    owner_type: Mapped[str] = mapped_column(String(12), primary_key=True)
    owner_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    program_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    points_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    """Thousandths of a point; always the sum of this key's ledger entries."""


class PointAward(Base):
    """One lot of points as credited; spending draws it down, earliest expiry first."""

    __tablename__ = "point_awards"
    __table_args__ = (
        Index("ix_point_awards_owner", "owner_type", "owner_id", "program_id", "category"),
        Index("ix_point_awards_expiry", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    owner_type: Mapped[str] = mapped_column(String(12))
    owner_id: Mapped[int] = mapped_column(BigInteger)
    program_id: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(60))
    points_milli: Mapped[int] = mapped_column(BigInteger)
    """Thousandths of a point credited by this lot."""
    remaining_milli: Mapped[int] = mapped_column(BigInteger)
    """Thousandths of a point of this lot not yet spent or expired."""
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ledger_event_id: Mapped[int | None] = mapped_column(BigInteger)


class LedgerEvent(Base):
    """One event as one owner sees it (a transfer is two: the sender's and the recipient's)."""

    __tablename__ = "ledger_events"
    __table_args__ = (
        Index("ix_ledger_events_owner_created", "owner_type", "owner_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    owner_type: Mapped[str] = mapped_column(String(12))
    owner_id: Mapped[int] = mapped_column(BigInteger)
    event_name: Mapped[str] = mapped_column(String(60))
    """TransactionAdd, PointsTransfer, PointsRedemption, PointsRedemptionReversal, ..."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    till_id: Mapped[int | None] = mapped_column(BigInteger)
    transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    transaction_number: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    transaction_amount_milli: Mapped[int | None] = mapped_column(BigInteger)
    """Thousandths of the bill's net amount (`transactionDetails.amount`), where known."""


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_event", "event_id"),
        Index(
            "ix_ledger_entries_key",
            "owner_type",
            "owner_id",
            "program_id",
            "category",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("ledger_events.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(BigInteger)
    owner_type: Mapped[str] = mapped_column(String(12))
    owner_id: Mapped[int] = mapped_column(BigInteger)
    program_id: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(60))
    entry_type: Mapped[str] = mapped_column(String(20))
    """CREDIT, DEBIT or OPENING_BALANCE."""
    points_milli: Mapped[int] = mapped_column(BigInteger)
    """Signed thousandths of a point, from the owner's point of view (debits negative)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointsTransfer(Base):
    __tablename__ = "points_transfers"
    __table_args__ = (
        Index("ix_points_transfers_from", "from_type", "from_id"),
        Index("ix_points_transfers_to", "to_type", "to_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    """The transferId clients see."""
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    from_type: Mapped[str] = mapped_column(String(12))
    from_id: Mapped[int] = mapped_column(BigInteger)
    to_type: Mapped[str] = mapped_column(String(12))
    to_id: Mapped[int] = mapped_column(BigInteger)
    program_id: Mapped[int] = mapped_column(BigInteger)
    points_milli: Mapped[int] = mapped_column(BigInteger)
    """Thousandths of a point moved."""
    notes: Mapped[str] = mapped_column(Text, default="")
    transferred_by_id: Mapped[int | None] = mapped_column(BigInteger)
    till_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Redemption(Base):
    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("org_id", "code"),
        Index("ix_redemptions_external_ref", "org_id", "external_reference_number"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    """The 6-character redemptionId clients see."""
    customer_id: Mapped[int] = mapped_column(BigInteger, index=True)
    program_id: Mapped[int] = mapped_column(BigInteger)
    points_milli: Mapped[int] = mapped_column(BigInteger)
    """Thousandths of a point redeemed."""
    reversed_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    """Thousandths of a point already taken back by reversals (restored or expired)."""
    transaction_number: Mapped[str | None] = mapped_column(String(200))
    external_reference_number: Mapped[str | None] = mapped_column(String(200))
    validation_code: Mapped[str | None] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    till_id: Mapped[int | None] = mapped_column(BigInteger)
    redeemed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ledger_event_id: Mapped[int | None] = mapped_column(BigInteger)


class RedemptionAllocation(Base):
    """Which award lots a redemption drew from, so a reversal can tell expired points apart."""

    __tablename__ = "redemption_allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    redemption_id: Mapped[int] = mapped_column(
        ForeignKey("redemptions.id", ondelete="CASCADE"), index=True
    )
    award_id: Mapped[int] = mapped_column(BigInteger)
    points_milli: Mapped[int] = mapped_column(BigInteger)
    """Thousandths of a point taken from that lot."""
    reversed_milli: Mapped[int] = mapped_column(BigInteger, default=0)
    """Thousandths of a point of this allocation already reversed."""


class Reversal(Base):
    __tablename__ = "reversals"
    __table_args__ = (UniqueConstraint("org_id", "code"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    """The 6-character reversalId clients see."""
    redemption_id: Mapped[int] = mapped_column(
        ForeignKey("redemptions.id", ondelete="CASCADE"), index=True
    )
    points_milli: Mapped[int] = mapped_column(BigInteger)
    """Thousandths of a point reversed in all (restored plus expired)."""
    restored_milli: Mapped[int] = mapped_column(BigInteger)
    """Thousandths of a point put back into the balance."""
    expired_milli: Mapped[int] = mapped_column(BigInteger)
    """Thousandths of a point whose lot had expired, so not restored."""
    till_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ledger_event_id: Mapped[int | None] = mapped_column(BigInteger)


class Otp(Base):
    __tablename__ = "otps"
    __table_args__ = (Index("ix_otps_lookup", "org_id", "customer_id", "action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(40))
    """POINTSTRANSFER, POINTS, COUPON, ... (the /v2/otp actions)."""
    code: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(20), default="MOBILE")
    entity_value: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)


class EmulatorState(Base):
    """A single row: the emulator clock and whether the seed has been loaded."""

    __tablename__ = "emulator_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clock_offset_us: Mapped[int] = mapped_column(BigInteger, default=0)
    """Microseconds added to system time while the clock runs."""
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seed_digest: Mapped[str | None] = mapped_column(String(64))
    """sha256 of the seed file last restored whole (first seeding, full reset): start-up says
    when CAPEMU_SEED_FILE no longer matches the data."""
    control_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Bumped whenever control-plane state changes (seed, reset, faults): workers drop their
    cached credentials and fault lists when it moves."""
    journal_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the shared journal was last cleared: calls answered before it stay hidden even when
    a worker writes them to `emulator_journal` after the clear."""


class EmulatorFault(Base):
    """A fault injected through /_emulator/faults: matching Capillary calls fail (or slow down)."""

    __tablename__ = "emulator_faults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(10), default="*")
    """HTTP method to match, or * for any."""
    path: Mapped[str] = mapped_column(String(300))
    """Request path to match; shell-style wildcards allowed (/v2/points/*)."""
    http_status: Mapped[int] = mapped_column(Integer, default=500)
    code: Mapped[int] = mapped_column(Integer, default=500)
    message: Mapped[str] = mapped_column(Text, default="")
    remaining: Mapped[int | None] = mapped_column(Integer)
    """How many more matching calls fail; NULL for every call until cleared."""
    delay_ms: Mapped[int] = mapped_column(Integer, default=0)
    """Milliseconds to wait before answering (a delay-only fault has http_status 0)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    org_id: Mapped[int | None] = mapped_column(BigInteger)
    """Only calls authenticated as this org match; NULL for every caller."""
    warning: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The call goes on, and its answer's `warnings[]` gets the fault's code and message."""


class Bill(Base):
    """One transaction added through POST /v2/transactions (REGULAR or RETURN): the bill and
    the points its earning rule awarded (negative for a RETURN)."""

    __tablename__ = "bills"
    __table_args__ = (Index("ix_bills_customer_number", "customer_id", "type", "bill_number"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(20))
    """REGULAR or RETURN."""
    bill_number: Mapped[str] = mapped_column(String(200))
    bill_amount_milli: Mapped[int] = mapped_column(BigInteger)
    billing_date: Mapped[datetime] = mapped_column(UTCDateTime)
    program_id: Mapped[int] = mapped_column(BigInteger)
    points_milli: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    till_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


JOURNAL_METADATA = MetaData(naming_convention=NAMING_CONVENTION)
"""The request journal's own schema, outside `Base.metadata`: seeding, reset, the audit and the
sequence bookkeeping walk `Base.metadata` and never touch it (the migration creates it)."""

journal_table = Table(
    "emulator_journal",
    JOURNAL_METADATA,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("worker", Integer, nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("body", Text),
    Column("body_bytes", Integer, nullable=False),
    Column("truncated", Boolean, nullable=False),
    Column("status", Integer, nullable=False),
    Column("org_id", BigInteger),
    Column("codes", String(200), nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("size", Integer, nullable=False),
)
"""One row per Capillary call: `at` is wall-clock time (not the emulator clock), `body` the
masked body as JSON text, `codes` the answer's Capillary error codes as ",8015,804,", `size`
the bytes the entry counts against CAPEMU_JOURNAL_BYTES, `worker` the answering process id."""
