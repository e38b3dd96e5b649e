"""earning: bills added through POST /v2/transactions

Revision ID: earning1
Revises: fidelity1
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "earning1"
down_revision: str | None = "fidelity1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bills",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("bill_number", sa.String(length=200), nullable=False),
        sa.Column("bill_amount_milli", sa.BigInteger(), nullable=False),
        sa.Column("billing_date", sa.DateTime(), nullable=False),
        sa.Column("program_id", sa.BigInteger(), nullable=False),
        sa.Column("points_milli", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("till_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_bills_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
    )
    op.create_index(op.f("ix_bills_org_id"), "bills", ["org_id"])
    op.create_index("ix_bills_customer_number", "bills", ["customer_id", "type", "bill_number"])


def downgrade() -> None:
    op.drop_index("ix_bills_customer_number", table_name="bills")
    op.drop_index(op.f("ix_bills_org_id"), table_name="bills")
    op.drop_table("bills")
