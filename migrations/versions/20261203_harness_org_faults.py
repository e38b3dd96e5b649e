"""harness: faults scoped to one org (emulator_faults.org_id)

Revision ID: harness21
Revises: earning1
Create Date: 2026-12-03 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "harness21"
down_revision: str | None = "earning1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("emulator_faults") as batch:
        batch.add_column(sa.Column("org_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("emulator_faults") as batch:
        batch.drop_column("org_id")
