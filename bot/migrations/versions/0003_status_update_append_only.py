"""status updates are append-only: the database refuses to change or delete one

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "status_update is append-only: record a correction or a retraction instead"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER status_update_no_{event.lower()} BEFORE {event} ON status_update "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION status_update_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER status_update_append_only BEFORE UPDATE OR DELETE ON status_update "
        "FOR EACH ROW EXECUTE FUNCTION status_update_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS status_update_no_update")
        op.execute("DROP TRIGGER IF EXISTS status_update_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS status_update_append_only ON status_update")
    op.execute("DROP FUNCTION IF EXISTS status_update_append_only()")
