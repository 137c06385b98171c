"""status history indexes: a round's rows, a unit's task's newest reports, a report's amendments

A round is read by its period (the digest reads every unit's), "what's my task" reads each
task's newest reports (agency, task, time), and both read the amendments of those reports
(refers_to): bounded reads instead of scans of the whole history (bot/latest.py,
bot/progress.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_status_update_agency_task_created",
        "status_update",
        ["agency_id", "task_id", "created_at"],
    )
    op.create_index("ix_status_update_refers_to", "status_update", ["refers_to"])
    op.create_index("ix_status_update_period", "status_update", ["period"])


def downgrade() -> None:
    op.drop_index("ix_status_update_period", table_name="status_update")
    op.drop_index("ix_status_update_refers_to", table_name="status_update")
    op.drop_index("ix_status_update_agency_task_created", table_name="status_update")
