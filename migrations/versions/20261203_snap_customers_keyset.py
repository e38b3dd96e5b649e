"""snap: customers indexed by (org_id, id), for the console's keyset paging of an org's customers

Revision ID: snap1
Revises: warn1
Create Date: 2026-12-03 12:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "snap1"
down_revision: str | None = "warn1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_customers_org_id_id", "customers", ["org_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_customers_org_id_id", table_name="customers")
