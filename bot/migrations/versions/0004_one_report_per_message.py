"""one report per incoming message: a unique index, so concurrent deliveries store one row

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "kind = 'report' AND source_message_id IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "uq_status_update_report_source",
        "status_update",
        ["channel", "source_message_id", "agency_id"],
        unique=True,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("uq_status_update_report_source", table_name="status_update")
