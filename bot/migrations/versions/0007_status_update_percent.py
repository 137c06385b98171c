"""the share of the work done an update gives ("hoàn thành 70% khối lượng"), nullable

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild): the append-only triggers of 0003 stay in place.
    op.add_column("status_update", sa.Column("percent", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE status_update DROP COLUMN percent")
