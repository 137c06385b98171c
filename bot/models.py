"""The stored state of planbot (SQLModel tables).

Every status update is kept forever: corrections and retractions are new rows that refer to the
row they amend. All datetimes are timezone-aware; they are stored in UTC.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    JSON,
    Connection,
    ForeignKeyConstraint,
    Index,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import configure_mappers, instrumentation
from sqlmodel import Field, SQLModel

from bot.dbtypes import AwareDateTime as AwareDateTime  # re-exported: bot.progress imports it

Role = Literal["lead", "coordinate"]
UserRole = Literal["focal", "secretariat", "admin"]
Status = Literal["in_progress", "completed", "blocked"]
UpdateKind = Literal["report", "correction", "retraction", "refile"]
ReminderState = Literal["claimed", "sent", "failed", "unknown"]

USER_ROLES: tuple[str, ...] = ("focal", "secretariat", "admin")
STATUSES: tuple[str, ...] = ("in_progress", "completed", "blocked")


def _aware(**kwargs: Any) -> Any:
    return Field(sa_type=AwareDateTime, **kwargs)


class PlanRecord(SQLModel, table=True):
    """A plan as loaded: its header and the whole validated document.

    ``code`` is the short id people type ("kh38"), unique in the database; ``loaded_at`` is
    when the plan was first loaded (plans are listed newest first). A retired plan
    (``retired_at`` set) keeps its tasks and history but is no longer followed up.
    """

    __tablename__ = "plan"
    __table_args__ = (Index("uq_plan_code", "code", unique=True),)

    id: str = Field(primary_key=True)
    code: str
    title: str
    issuer: str
    source: str
    timezone: str
    province: str
    checksum: str
    document: dict[str, Any] = Field(sa_type=JSON)
    loaded_at: datetime = _aware()
    retired_at: datetime | None = _aware(default=None)


class AgencyRecord(SQLModel, table=True):
    """The province-wide agency directory, shared by every plan."""

    __tablename__ = "agency"

    id: str = Field(primary_key=True)
    name: str
    short_name: str
    kind: str
    aliases: list[str] = Field(default_factory=list, sa_type=JSON)
    source: str = "plan"
    active: bool = True


class AgencyMember(SQLModel, table=True):
    __tablename__ = "agency_member"

    group_id: str = Field(foreign_key="agency.id", primary_key=True)
    member_id: str = Field(foreign_key="agency.id", primary_key=True)


class TaskRecord(SQLModel, table=True):
    """A task item of one plan: task numbers ("2.2") repeat across plans."""

    __tablename__ = "task"

    plan_id: str = Field(foreign_key="plan.id", primary_key=True)
    id: str = Field(primary_key=True)
    parent_id: str | None = Field(default=None)
    section: str
    title: str
    text: str
    general: bool = False
    position: int = 0
    active: bool = True
    updated_at: datetime = _aware()


class AssignmentRecord(SQLModel, table=True):
    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("plan_id", "task_id", "agency_id", "role"),
        ForeignKeyConstraint(["plan_id", "task_id"], ["task.plan_id", "task.id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: str
    task_id: str = Field(index=True)
    agency_id: str = Field(foreign_key="agency.id", index=True)
    role: str


class User(SQLModel, table=True):
    """A person on a channel, bound to an agency with a role."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    external_id: str
    chat_id: str
    chat_type: str = "private"  # "group" when registered from a group chat (pacing limits)
    display_name: str = ""
    agency_id: str | None = Field(default=None, foreign_key="agency.id", index=True)
    role: str = "focal"
    language: str | None = None
    active: bool = True
    created_at: datetime = _aware()
    revoked_at: datetime | None = _aware(default=None)


class Invitation(SQLModel, table=True):
    """A single-use registration code."""

    __tablename__ = "invitation"

    code: str = Field(primary_key=True)
    agency_id: str = Field(foreign_key="agency.id", index=True)
    role: str = "focal"
    channel: str | None = None
    created_at: datetime = _aware()
    expires_at: datetime | None = _aware(default=None)
    used_at: datetime | None = _aware(default=None)
    used_by: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = _aware(default=None)


_ONE_REPORT_PER_MESSAGE = "kind = 'report' AND source_message_id IS NOT NULL"


class StatusUpdate(SQLModel, table=True):
    """One status report, correction, retraction or re-filing. Never updated, never deleted.

    A re-filing (``kind = "refile"``) moves the report it refers to into the round in its
    ``period``, with the lateness in ``late``.
    """

    __tablename__ = "status_update"
    __table_args__ = (
        Index("ix_status_update_agency_period", "agency_id", "period"),
        Index("ix_status_update_task_period", "task_id", "period"),
        # A round's rows, a unit's task's newest reports, a report's amendments (0006).
        Index("ix_status_update_period", "period"),
        Index("ix_status_update_agency_task_created", "agency_id", "task_id", "created_at"),
        Index("ix_status_update_refers_to", "refers_to"),
        Index("ix_status_update_plan_period", "plan_id", "period"),  # a plan's round (0008)
        Index(
            "uq_status_update_report_source",
            "channel",
            "source_message_id",
            "agency_id",
            unique=True,
            sqlite_where=text(_ONE_REPORT_PER_MESSAGE),
            # postgresql_where: added by use_postgresql() (naming it here would make SQLAlchemy
            # import its PostgreSQL dialect, 2 MiB and 35 ms, in every process, SQLite too).
        ),
        ForeignKeyConstraint(["plan_id", "task_id"], ["task.plan_id", "task.id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = ""  # written empty: the one plan that has the task (_fill_plan_id)
    task_id: str
    agency_id: str = Field(foreign_key="agency.id")
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    period: str
    status: str
    text: str
    kind: str = "report"
    refers_to: int | None = Field(default=None, foreign_key="status_update.id")
    channel: str = ""
    source_message_id: str | None = None
    created_at: datetime = _aware()
    late: bool = False
    percent: int | None = None  # the share of the work done the update gives ("70%"), if any


def use_postgresql() -> None:
    """The PostgreSQL options of the tables (the partial unique index's ``WHERE``), given when
    a PostgreSQL database is opened (``bot.db.Database``), the dialect then being loaded anyway.
    Idempotent. The migrations name them for both databases (0004, 0008); tests/test_storage.py
    checks the models against them on each."""
    for index in StatusUpdate.__table__.indexes:  # type: ignore[attr-defined]
        if index.name == "uq_status_update_report_source":
            index.dialect_kwargs["postgresql_where"] = text(_ONE_REPORT_PER_MESSAGE)


_Model = TypeVar("_Model", bound=SQLModel)


def as_loaded(model: type[_Model], values: Mapping[Any, Any]) -> _Model:
    """An instance of ``model`` holding ``values`` the way the ORM builds one from a row it
    loads: no validation and no change tracking, a twentieth of the cost of ``model(**values)``.

    For a row read or just written with a plain statement (the user of every incoming message,
    the status update it stores): the instance belongs to no session; it is read, never added.
    """
    configure_mappers()  # (at once when the mappers are configured already)
    instance: _Model = instrumentation.manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    return instance


if getattr(sys.modules.get("bot.db"), "POSTGRESQL_OPENED", False):  # opened before the models
    use_postgresql()


@event.listens_for(StatusUpdate, "before_insert")
def _fill_plan_id(_mapper: Any, connection: Connection, target: StatusUpdate) -> None:
    """A status update written without ``plan_id`` belongs to the one plan that has its task.

    Code written for one plan (and its tests) names only the task; when several plans hold the
    same task number the row is refused rather than filed under a guessed plan.
    """
    if target.plan_id:
        return
    found = (
        connection.execute(
            text("SELECT plan_id FROM task WHERE id = :task_id"), {"task_id": target.task_id}
        )
        .scalars()
        .all()
    )
    if len(found) != 1:
        raise ValueError(
            f"status update of task {target.task_id!r} names no plan and {len(found)} plans have it"
        )
    target.plan_id = str(found[0])


class Reminder(SQLModel, table=True):
    """The reminder ledger: one row per (recipient chat, round, kind, instant), claimed then sent."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "period", "kind", "instant"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    chat_id: str
    period: str
    kind: str
    instant: datetime = _aware()
    state: str = "claimed"
    attempts: int = 0
    claimed_by: str = ""
    claimed_at: datetime = _aware()
    next_attempt_at: datetime | None = _aware(default=None)
    sent_at: datetime | None = _aware(default=None)
    message_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    text: str = ""
    last_error: str | None = None


class Lease(SQLModel, table=True):
    """A named lease with expiry: only its holder may act (e.g. the one sender)."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True)
    holder: str
    expires_at: datetime = _aware()


class Conversation(SQLModel, table=True):
    """Per-chat conversation state ("which task?" and the next message answers)."""

    __tablename__ = "conversation"

    channel: str = Field(primary_key=True)
    chat_id: str = Field(primary_key=True)
    state: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = _aware()


class SentMessage(SQLModel, table=True):
    """What a message the bot sent was about, so that a reply to it can be understood."""

    __tablename__ = "sent_message"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    chat_id: str
    message_id: str
    context: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _aware()


class ProcessedMessage(SQLModel, table=True):
    """Incoming message ids already handled (a webhook may deliver twice)."""

    __tablename__ = "processed_message"

    channel: str = Field(primary_key=True)
    chat_id: str = Field(primary_key=True)
    message_id: str = Field(primary_key=True)
    received_at: datetime = _aware()


class DigestSnapshot(SQLModel, table=True):
    """The figures of a digest as sent, to tell what changed by the next one."""

    __tablename__ = "digest_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(default="", index=True)
    period: str = Field(index=True)
    audience: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _aware()


class AuditEntry(SQLModel, table=True):
    """One write, who made it, when, and from which message or command (``bot.audit``)."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _aware()
    actor: str = ""  # "telegram:12345", "cli:alice@host", "scheduler:host:pid:...", "system"
    action: str = ""  # "insert", "update", "delete", or an operator's action ("outbox.resend")
    subject: str = ""  # "status_update:42", "app_user", "reminder:7"
    source: str | None = None  # "telegram:<chat>:<message id>", "cli:planbot outbox resend 7"
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
