"""harness: a clock per org (orgs.clock_offset_us, orgs.clock_frozen_at)

Revision ID: harness22
Revises: harness21
Create Date: 2026-12-03 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "harness22"
down_revision: str | None = "harness21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orgs") as batch:
        batch.add_column(sa.Column("clock_offset_us", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("clock_frozen_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orgs") as batch:
        batch.drop_column("clock_frozen_at")
        batch.drop_column("clock_offset_us")
