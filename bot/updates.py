"""Recording status updates: validated, placed in a reporting round, append-only.

A report goes to the round whose window holds its time (``calendar.round_at(now)``) and is late
when it comes on or after that round's deadline. A correction (another status) and a retraction
(undo) are new rows that refer to the report; nothing is ever updated or deleted. Bad input
raises :class:`UpdateRejected` before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db import Database
from bot.models import STATUSES, StatusUpdate, User
from bot.plan import Plan
from bot.progress import EffectiveUpdate, effective_updates, fold_updates
from bot.text import fold
from scheduler.calendar import ReportingCalendar

__all__ = [
    "MAX_TEXT",
    "UNDO_WINDOW_SECONDS",
    "UpdateRejected",
    "UpdateRow",
    "classify_status",
    "correct_update",
    "effective_update",
    "list_updates",
    "record_update",
    "retract_update",
]

MAX_TEXT = 4000
UNDO_WINDOW_SECONDS = 600

Rejection = Literal[
    "empty", "too_long", "unknown_task", "bad_status", "not_found", "not_yours", "retracted"
]

_BLOCKED = re.compile(
    r"\b(vuong mac|vuong|kho khan|chua co von|chua duoc bo tri von|thieu von|ach tac|tac nghen"
    r"|bi chan|blocked|stuck|problem)\b"
)
_COMPLETED = re.compile(
    r"\b(hoan thanh|da xong|xong|hoan tat|ket thuc|done|completed|complete|finished)\b"
)
_NOT_COMPLETED = re.compile(r"\b(chua hoan thanh|chua xong|not done|not completed|sap xong)\b")


class UpdateRejected(ValueError):
    """The update is refused; ``reason`` says why (nothing was written)."""

    def __init__(self, reason: Rejection) -> None:
        super().__init__(reason)
        self.reason: Rejection = reason


def classify_status(text: str) -> str:
    """completed / blocked / in_progress from the words of an update (blocked wins)."""
    folded = fold(text)
    if _BLOCKED.search(folded):
        return "blocked"
    if _COMPLETED.search(folded) and not _NOT_COMPLETED.search(folded):
        return "completed"
    return "in_progress"


def _check_text(text: str) -> str:
    if not text.strip():
        raise UpdateRejected("empty")
    if len(text) > MAX_TEXT:
        raise UpdateRejected("too_long")
    return text


def _find_by_source(
    session: Session, channel: str, source_message_id: str | None, agency_id: str
) -> StatusUpdate | None:
    """A report already recorded from this incoming message (a platform may deliver twice)."""
    if source_message_id is None:
        return None
    return session.exec(
        select(StatusUpdate).where(
            col(StatusUpdate.channel) == channel,
            col(StatusUpdate.source_message_id) == source_message_id,
            col(StatusUpdate.agency_id) == agency_id,
            col(StatusUpdate.kind) == "report",
        )
    ).first()


def record_update(
    db: Database,
    plan: Plan,
    calendar: ReportingCalendar,
    *,
    task_id: str,
    agency_id: str,
    user_id: int | None,
    text: str,
    now: datetime,
    status: str | None = None,
    channel: str = "",
    source_message_id: str | None = None,
) -> StatusUpdate:
    """Store one report, verbatim; idempotent per (channel, source message)."""
    _check_text(text)
    try:
        plan.task(task_id)
    except KeyError:
        raise UpdateRejected("unknown_task") from None
    status = status or classify_status(text)
    if status not in STATUSES:
        raise UpdateRejected("bad_status")
    round_ = calendar.round_at(now)
    try:
        with db.write() as session:
            existing = _find_by_source(session, channel, source_message_id, agency_id)
            if existing is not None:
                return existing
            row = StatusUpdate(
                task_id=task_id,
                agency_id=agency_id,
                user_id=user_id,
                period=round_.id,
                status=status,
                text=text,
                kind="report",
                channel=channel,
                source_message_id=source_message_id,
                created_at=now,
                late=round_.is_late(now),
            )
            session.add(row)
    except IntegrityError:
        # The same message delivered concurrently: the unique index kept one report.
        with db.session() as session:
            existing = _find_by_source(session, channel, source_message_id, agency_id)
        if existing is None:
            raise
        return existing
    return row


def _amend(
    db: Database,
    update_id: int,
    *,
    kind: str,
    status: str | None,
    agency_id: str,
    user_id: int | None,
    now: datetime,
    channel: str,
) -> StatusUpdate:
    """Append a correction or retraction of a report, checked in the same transaction."""
    with db.write() as session:
        rows = session.exec(
            select(StatusUpdate)
            .where((col(StatusUpdate.id) == update_id) | (col(StatusUpdate.refers_to) == update_id))
            .order_by(col(StatusUpdate.created_at), col(StatusUpdate.id))
        ).all()
        report = next((row for row in rows if row.id == update_id), None)
        if report is None or report.kind != "report":
            raise UpdateRejected("not_found")
        if report.agency_id != agency_id:
            raise UpdateRejected("not_yours")
        folded = fold_updates(rows)
        if not folded:
            raise UpdateRejected("retracted")
        current = folded[0]
        row = StatusUpdate(
            task_id=report.task_id,
            agency_id=report.agency_id,
            user_id=user_id,
            period=report.period,
            status=status or current.status,
            text=report.text if kind == "correction" else "",
            kind=kind,
            refers_to=update_id,
            channel=channel,
            created_at=now,
            late=report.late,
        )
        session.add(row)
    return row


def correct_update(
    db: Database,
    update_id: int,
    *,
    status: str,
    agency_id: str,
    user_id: int | None,
    now: datetime,
    channel: str = "",
) -> StatusUpdate:
    """Record a correction of a report's status (a new row referring to it)."""
    if status not in STATUSES:
        raise UpdateRejected("bad_status")
    return _amend(
        db,
        update_id,
        kind="correction",
        status=status,
        agency_id=agency_id,
        user_id=user_id,
        now=now,
        channel=channel,
    )


def retract_update(
    db: Database,
    update_id: int,
    *,
    agency_id: str,
    user_id: int | None,
    now: datetime,
    channel: str = "",
) -> StatusUpdate:
    """Record a retraction (undo) of a report; the report itself stays in the history."""
    return _amend(
        db,
        update_id,
        kind="retraction",
        status=None,
        agency_id=agency_id,
        user_id=user_id,
        now=now,
        channel=channel,
    )


def effective_update(db: Database, update_id: int) -> EffectiveUpdate | None:
    """A report as it stands after its corrections; None when retracted or unknown."""
    with db.session() as session:
        rows = session.exec(
            select(StatusUpdate)
            .where((col(StatusUpdate.id) == update_id) | (col(StatusUpdate.refers_to) == update_id))
            .order_by(col(StatusUpdate.created_at), col(StatusUpdate.id))
        ).all()
    folded = fold_updates(rows)
    return folded[0] if folded else None


@dataclass(frozen=True)
class UpdateRow:
    """One effective update as ``planbot updates`` shows it."""

    id: int
    agency: str
    task: str
    period: str
    status: str
    text: str
    user: str | None
    created_at: datetime
    late: bool

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "agency": self.agency,
            "task": self.task,
            "period": self.period,
            "status": self.status,
            "text": self.text,
            "user": self.user,
            "created_at": self.created_at.isoformat(),
            "late": self.late,
        }


def list_updates(
    db: Database,
    *,
    agency_id: str | None = None,
    task_id: str | None = None,
    period: str | None = None,
) -> list[UpdateRow]:
    """Effective updates (corrections applied, retractions removed), oldest first."""
    with db.session() as session:
        updates = effective_updates(
            session,
            period=period,
            agency_ids=[agency_id] if agency_id is not None else None,
            task_id=task_id,
        )
        users = {user.id: user for user in session.exec(select(User)).all()}
    result: list[UpdateRow] = []
    for update in updates:
        user = users.get(update.user_id) if update.user_id is not None else None
        result.append(
            UpdateRow(
                id=update.id,
                agency=update.agency_id,
                task=update.task_id,
                period=update.period,
                status=update.status,
                text=update.text,
                user=(user.display_name or f"{user.channel}:{user.external_id}") if user else None,
                created_at=update.created_at,
                late=update.late,
            )
        )
    return result
