"""emulator state: the seed file's digest; ledger events: the bill amount

Revision ID: fidelity1
Revises: journal1
Create Date: 2026-12-03 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fidelity1"
down_revision: str | None = "journal1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("emulator_state") as batch:
        batch.add_column(sa.Column("seed_digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("ledger_events") as batch:
        batch.add_column(sa.Column("transaction_amount_milli", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_events") as batch:
        batch.drop_column("transaction_amount_milli")
    with op.batch_alter_table("emulator_state") as batch:
        batch.drop_column("seed_digest")
