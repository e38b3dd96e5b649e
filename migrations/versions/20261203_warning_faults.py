"""faults that add a warning instead of failing (emulator_faults.warning)

Revision ID: warn1
Revises: harness22
Create Date: 2026-12-03 13:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "warn1"
down_revision: str | None = "harness22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("emulator_faults") as batch:
        batch.add_column(
            sa.Column("warning", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("emulator_faults") as batch:
        batch.drop_column("warning")
