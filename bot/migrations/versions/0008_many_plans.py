"""many plans in one database: plan codes and retirement; tasks, assignments, status updates and
digest snapshots belong to a plan

A task is keyed by (plan_id, id): task numbers ("2.2") repeat across plans. An existing
single-plan database becomes "the first plan": every existing row gets the id of the plan last
loaded (an older plan row, superseded by it, is marked retired). The plan gets a short typeable
``code`` ("tb38"), from its document's ``plan.code`` or derived from its number or id.

SQLite cannot change a primary key or a foreign key in place: ``task``, ``assignment`` and
``status_update`` are rebuilt (new tables, rows copied, old tables dropped, new ones renamed), and
the append-only triggers of 0003 are created again on the new ``status_update``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "status_update is append-only: record a correction or a retraction instead"
ONE_REPORT_PER_MESSAGE = "kind = 'report' AND source_message_id IS NOT NULL"


# --------------------------------------------------------------------------- plan codes (frozen)


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", _ascii(text)))


def _code(document: dict[str, Any], plan_id: str) -> str:
    info = document.get("plan") if isinstance(document, dict) else None
    info = info if isinstance(info, dict) else {}
    given = info.get("code")
    if isinstance(given, str) and _slug(given):
        return _slug(given)
    number = info.get("number")
    if isinstance(number, str):
        match = re.match(r"\s*(\d+)\s*/\s*([A-Za-zĐđ]+)", number)
        if match:
            return _slug(match.group(2)) + match.group(1).lstrip("0")
    for part in plan_id.split("-"):
        if re.fullmatch(r"[a-z]+[0-9]+", part):
            return part
    return plan_id


# --------------------------------------------------------------------------- the new tables


def _task(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("plan_id", sa.String(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("parent_id", sa.String(), nullable=True),
        sa.Column("section", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("general", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("plan_id", "id"),
    )


def _assignment(metadata: sa.MetaData, name: str, task: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["plan_id", "task_id"], [f"{task}.plan_id", f"{task}.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "task_id", "agency_id", "role"),
    )


def _status_update(metadata: sa.MetaData, name: str, task: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(), nullable=False),
        sa.Column("task_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("refers_to", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("source_message_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["refers_to"], [f"{name}.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["plan_id", "task_id"], [f"{task}.plan_id", f"{task}.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


STATUS_INDEXES: tuple[tuple[str, list[str]], ...] = (
    ("ix_status_update_agency_period", ["agency_id", "period"]),
    ("ix_status_update_task_period", ["task_id", "period"]),
    ("ix_status_update_period", ["period"]),
    ("ix_status_update_agency_task_created", ["agency_id", "task_id", "created_at"]),
    ("ix_status_update_refers_to", ["refers_to"]),
)


# --------------------------------------------------------------------------- upgrade


def upgrade() -> None:
    bind = op.get_bind()
    first = _plans(bind)
    op.add_column("digest_snapshot", sa.Column("plan_id", sa.String(), nullable=True))
    op.execute(sa.text("UPDATE digest_snapshot SET plan_id = :plan").bindparams(plan=first or ""))
    with op.batch_alter_table("digest_snapshot") as batch:
        batch.alter_column("plan_id", existing_type=sa.String(), nullable=False)
        batch.create_index("ix_digest_snapshot_plan_id", ["plan_id"], unique=False)
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite(bind, first)
    else:
        _alter_postgresql(bind, first)
    op.create_index("ix_assignment_agency_id", "assignment", ["agency_id"], unique=False)
    op.create_index("ix_assignment_task_id", "assignment", ["task_id"], unique=False)
    op.create_index("ix_status_update_plan_period", "status_update", ["plan_id", "period"])


def _plans(bind: sa.Connection) -> str | None:
    """Give every plan its code and retire superseded ones; the id of the plan last loaded."""
    op.add_column("plan", sa.Column("code", sa.String(), nullable=True))
    op.add_column("plan", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    plan = sa.table(
        "plan",
        sa.column("id", sa.String()),
        sa.column("code", sa.String()),
        sa.column("document", sa.JSON()),
        sa.column("loaded_at", sa.DateTime(timezone=True)),
        sa.column("retired_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(plan.c.id, plan.c.document).order_by(plan.c.loaded_at.desc(), plan.c.id)
    ).all()
    taken: set[str] = set()
    now = datetime.now(UTC)
    for index, (plan_id, document) in enumerate(rows):
        base = _code(document, plan_id)
        code, suffix = base, 2
        while code in taken:
            code, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(code)
        values: dict[str, Any] = {"code": code}
        if index > 0:  # one plan was followed before this revision: the one loaded last
            values["retired_at"] = now if bind.dialect.name != "sqlite" else now.replace(tzinfo=None)
        bind.execute(sa.update(plan).where(plan.c.id == plan_id).values(**values))
    with op.batch_alter_table("plan") as batch:
        batch.alter_column("code", existing_type=sa.String(), nullable=False)
        batch.create_index("uq_plan_code", ["code"], unique=True)
    return str(rows[0][0]) if rows else None


def _rebuild_sqlite(bind: sa.Connection, first: str | None) -> None:
    metadata = sa.MetaData()
    for referred in ("plan", "agency"):  # referred to by the new tables; they exist already
        sa.Table(referred, metadata, sa.Column("id", sa.String(), primary_key=True))
    sa.Table("app_user", metadata, sa.Column("id", sa.Integer(), primary_key=True))
    task = _task(metadata, "task_0008")
    assignment = _assignment(metadata, "assignment_0008", "task_0008")
    status = _status_update(metadata, "status_update_0008", "task_0008")
    metadata.create_all(bind, tables=[task, assignment, status])
    plan = first or ""
    task_columns = ", ".join(c.name for c in task.columns if c.name != "plan_id")
    bind.exec_driver_sql(
        f"INSERT INTO task_0008 (plan_id, {task_columns}) SELECT ?, {task_columns} FROM task",
        (plan,),
    )
    columns = ", ".join(c.name for c in assignment.columns if c.name != "plan_id")
    bind.exec_driver_sql(
        f"INSERT INTO assignment_0008 (plan_id, {columns}) SELECT ?, {columns} FROM assignment",
        (plan,),
    )
    columns = ", ".join(c.name for c in status.columns if c.name != "plan_id")
    bind.exec_driver_sql(
        f"INSERT INTO status_update_0008 (plan_id, {columns}) "
        f"SELECT ?, {columns} FROM status_update ORDER BY id",
        (plan,),
    )
    for table in ("status_update", "assignment", "task"):  # children first
        bind.exec_driver_sql(f"DROP TABLE {table}")
    for table in ("task", "assignment", "status_update"):  # references follow the renames
        bind.exec_driver_sql(f"ALTER TABLE {table}_0008 RENAME TO {table}")
    _status_indexes()
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER status_update_no_{event.lower()} BEFORE {event} ON status_update "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _status_indexes() -> None:
    for name, columns in STATUS_INDEXES:
        op.create_index(name, "status_update", columns, unique=False)
    op.create_index(
        "uq_status_update_report_source",
        "status_update",
        ["channel", "source_message_id", "agency_id"],
        unique=True,
        sqlite_where=sa.text(ONE_REPORT_PER_MESSAGE),
        postgresql_where=sa.text(ONE_REPORT_PER_MESSAGE),
    )


def _foreign_keys_to_task(bind: sa.Connection, table: str) -> list[str]:
    return [
        str(fk["name"])
        for fk in sa.inspect(bind).get_foreign_keys(table)
        if fk["referred_table"] == "task" and fk["name"]
    ]


def _alter_postgresql(bind: sa.Connection, first: str | None) -> None:
    inspector = sa.inspect(bind)
    for table in ("assignment", "status_update"):
        for name in _foreign_keys_to_task(bind, table):
            op.drop_constraint(name, table, type_="foreignkey")
    plan = first or ""
    op.execute("ALTER TABLE status_update DISABLE TRIGGER status_update_append_only")
    for table in ("task", "assignment", "status_update"):
        op.add_column(table, sa.Column("plan_id", sa.String(), nullable=True))
        op.execute(sa.text(f"UPDATE {table} SET plan_id = :plan").bindparams(plan=plan))
        op.alter_column(table, "plan_id", existing_type=sa.String(), nullable=False)
    op.execute("ALTER TABLE status_update ENABLE TRIGGER status_update_append_only")
    primary = inspector.get_pk_constraint("task")["name"]
    op.drop_constraint(primary, "task", type_="primary")
    op.create_primary_key("task_pkey", "task", ["plan_id", "id"])
    op.create_foreign_key(None, "task", "plan", ["plan_id"], ["id"])
    for unique in inspector.get_unique_constraints("assignment"):
        if sorted(unique["column_names"]) == ["agency_id", "role", "task_id"]:
            op.drop_constraint(str(unique["name"]), "assignment", type_="unique")
    op.create_unique_constraint(None, "assignment", ["plan_id", "task_id", "agency_id", "role"])
    for table in ("assignment", "status_update"):
        op.create_foreign_key(None, table, "task", ["plan_id", "task_id"], ["plan_id", "id"])
    # The indexes of assignment are created again by upgrade() on both databases.
    op.drop_index("ix_assignment_agency_id", table_name="assignment")
    op.drop_index("ix_assignment_task_id", table_name="assignment")


def downgrade() -> None:
    raise RuntimeError(
        "revision 0008 (many plans) cannot be downgraded: task numbers may repeat across plans"
    )
