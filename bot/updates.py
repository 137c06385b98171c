"""Recording status updates: validated, placed in a reporting round, append-only.

A report goes to the round :meth:`ReportingCalendar.choose_round` decides from its time, what the
unit still owes and the round of the message it replies to: a late report within the late window
is the late report of the round it is late for. It is late when it comes on or after its round's
deadline. A correction (another status), a retraction (undo) and a re-filing into the other
plausible round (``kind = "refile"``, its ``period`` the new round, its ``late`` the lateness
there) are new rows that refer to the report; nothing is ever updated or deleted. Bad input
raises :class:`UpdateRejected` before anything is written. The status and the percentage done
are read from the words by :mod:`bot.status` (``classify_status`` is re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, ParamSpec

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.audit import insert_audited
from bot.db import Database
from bot.models import STATUSES, StatusUpdate, User, as_loaded
from bot.plan import Plan
from bot.progress import EffectiveUpdate, effective_updates, fold_updates, item_owed
from bot.status import classify_status, read_status
from scheduler.calendar import ReportingCalendar, Round, RoundChoice, UnknownPeriod

P = ParamSpec("P")

__all__ = [
    "DEFAULT_LATE_WINDOW_DAYS",
    "MAX_TEXT",
    "UNDO_WINDOW_SECONDS",
    "Filing",
    "UpdateRejected",
    "UpdateRow",
    "classify_status",
    "correct_update",
    "effective_update",
    "file_report",
    "list_updates",
    "record_update",
    "refile_options",
    "refile_update",
    "retract_update",
]

MAX_TEXT = 4000
UNDO_WINDOW_SECONDS = 600
DEFAULT_LATE_WINDOW_DAYS = 30

Rejection = Literal[
    "empty",
    "too_long",
    "unknown_task",
    "bad_status",
    "not_found",
    "not_yours",
    "retracted",
    "bad_round",
]


class UpdateRejected(ValueError):
    """The update is refused; ``reason`` says why (nothing was written)."""

    def __init__(self, reason: Rejection) -> None:
        super().__init__(reason)
        self.reason: Rejection = reason


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
    found = (
        session.connection()
        .execute(
            _BY_SOURCE,
            {"channel": channel, "source": source_message_id, "agency": agency_id},
        )
        .first()
    )
    return session.get(StatusUpdate, found.id) if found is not None else None


_TABLE = StatusUpdate.__table__  # type: ignore[attr-defined]
# Checked before every report (a plain statement: the usual answer is "no row").
_BY_SOURCE = (
    select(_TABLE.c.id)
    .where(
        _TABLE.c.channel == bindparam("channel"),
        _TABLE.c.source_message_id == bindparam("source"),
        _TABLE.c.agency_id == bindparam("agency"),
        _TABLE.c.kind == "report",
    )
    .limit(1)
)


@dataclass(frozen=True)
class Filing:
    """A stored report and the round choice that placed it (``duplicate``: delivered before)."""

    row: StatusUpdate
    choice: RoundChoice
    duplicate: bool = False

    @property
    def effective(self) -> EffectiveUpdate | None:
        """The report as it stands, when known without reading it again: a new report stands
        as written (one delivered before may have been amended since: ``None``, read it)."""
        if self.duplicate:
            return None
        folded = fold_updates([self.row])
        return folded[0] if folded else None


def _owes(session: Session, plan: Plan, agency_id: str, task_id: str) -> Callable[[Round], bool]:
    """Whether the unit still owes ``task_id`` for a round, read in the writing transaction."""

    def owes(round_: Round) -> bool:
        updates = effective_updates(
            session, period=round_.id, agency_ids=[agency_id], plan_id=plan.info.id
        )
        return item_owed(plan, round_, agency_id, task_id, updates)

    return owes


def file_report(
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
    context_period: str | None = None,
    late_window_days: int = DEFAULT_LATE_WINDOW_DAYS,
) -> Filing:
    """Store one report, verbatim, in the round it belongs to; idempotent per source message.

    ``context_period`` is the round of the bot's message it replies to (a reminder, an overdue
    notice): the report files into that round.
    """
    _check_text(text)
    try:
        plan.task(task_id)
    except KeyError:
        raise UpdateRejected("unknown_task") from None
    reading = read_status(text)
    status = status or reading.status
    if status not in STATUSES:
        raise UpdateRejected("bad_status")
    try:
        with db.write() as session:
            existing = _find_by_source(session, channel, source_message_id, agency_id)
            if existing is not None:
                return _existing_filing(session, calendar, existing)
            choice = calendar.choose_round(
                now,
                owes=_owes(session, plan, agency_id, task_id),
                late_window_days=late_window_days,
                context_period=context_period,
            )
            values: dict[str, Any] = {
                "plan_id": plan.info.id,
                "task_id": task_id,
                "agency_id": agency_id,
                "user_id": user_id,
                "period": choice.round.id,
                "status": status,
                "text": text,
                "kind": "report",
                "refers_to": None,
                "channel": channel,
                "source_message_id": source_message_id,
                "created_at": now,
                "late": choice.late,
                "percent": reading.percent,
            }
            # A plain INSERT and its audit row (bot.audit.insert_audited), not an ORM object
            # and a flush: the same rows, a third of the cost on every status update.
            row = as_loaded(
                StatusUpdate, {"id": insert_audited(session, StatusUpdate, values), **values}
            )
    except IntegrityError:
        # The same message delivered concurrently: the unique index kept one report.
        with db.session() as session:
            existing = _find_by_source(session, channel, source_message_id, agency_id)
            if existing is None:
                raise
            return _existing_filing(session, calendar, existing)
    return Filing(row=row, choice=choice)


def _existing_filing(session: Session, calendar: ReportingCalendar, report: StatusUpdate) -> Filing:
    """The filing of a report already stored, as it stands now (after any re-filing)."""
    assert report.id is not None
    current = _current(session, report.id)
    period = current.period if current is not None else report.period
    round_ = calendar.parse(period)
    choice = RoundChoice(
        round=round_,
        late=round_.is_late(report.created_at),
        days_late=round_.days_late(report.created_at),
        reason="window",
    )
    return Filing(row=report, choice=choice, duplicate=True)


def _row_of(filing: Callable[P, Filing]) -> Callable[P, StatusUpdate]:
    def row(*args: P.args, **kwargs: P.kwargs) -> StatusUpdate:
        return filing(*args, **kwargs).row

    return row


record_update = _row_of(file_report)
"""Store one report (see :func:`file_report`) and return its row."""


def _chain(session: Session, update_id: int) -> list[StatusUpdate]:
    return list(
        session.exec(
            select(StatusUpdate)
            .where((col(StatusUpdate.id) == update_id) | (col(StatusUpdate.refers_to) == update_id))
            .order_by(col(StatusUpdate.created_at), col(StatusUpdate.id))
        ).all()
    )


def _current(session: Session, update_id: int) -> EffectiveUpdate | None:
    folded = fold_updates(_chain(session, update_id))
    return folded[0] if folded else None


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
    check: Callable[[StatusUpdate, EffectiveUpdate], tuple[str, bool] | None] | None = None,
) -> StatusUpdate:
    """Append a correction, retraction or re-filing of a report, checked in one transaction.

    ``check`` (re-filing) validates the amendment against the report as it stands and gives the
    new (period, late); otherwise the row keeps the report's current round.
    """
    with db.write() as session:
        rows = _chain(session, update_id)
        report = next((row for row in rows if row.id == update_id), None)
        if report is None or report.kind != "report":
            raise UpdateRejected("not_found")
        if report.agency_id != agency_id:
            raise UpdateRejected("not_yours")
        folded = fold_updates(rows)
        if not folded:
            raise UpdateRejected("retracted")
        current = folded[0]
        period, late = current.period, current.late
        if check is not None:
            placed = check(report, current)
            if placed is None:
                raise UpdateRejected("bad_round")
            period, late = placed
        row = StatusUpdate(
            plan_id=report.plan_id,
            task_id=report.task_id,
            agency_id=report.agency_id,
            user_id=user_id,
            period=period,
            status=status or current.status,
            text=report.text if kind == "correction" else "",
            kind=kind,
            refers_to=update_id,
            channel=channel,
            created_at=now,
            late=late,
            percent=report.percent,
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


def refile_options(calendar: ReportingCalendar, created_at: datetime) -> tuple[Round, ...]:
    """The rounds a report made at ``created_at`` may be filed into: its window's round and the
    one before it (whose late report it may be). Both windows have started by then."""
    holder = calendar.round_at(created_at)
    return (holder, calendar.previous(holder))


def refile_update(
    db: Database,
    calendar: ReportingCalendar,
    update_id: int,
    *,
    period: str,
    agency_id: str,
    user_id: int | None,
    now: datetime,
    channel: str = "",
) -> StatusUpdate:
    """File a report into the other plausible round (a new ``refile`` row referring to it).

    The round must be one of :func:`refile_options` for the report's time and differ from the
    round it stands in; its lateness is the report's lateness there.
    """
    try:
        target = calendar.parse(period)
    except UnknownPeriod:
        raise UpdateRejected("bad_round") from None

    def check(report: StatusUpdate, current: EffectiveUpdate) -> tuple[str, bool] | None:
        allowed = {r.id for r in refile_options(calendar, report.created_at)}
        if target.id not in allowed or target.id == current.period:
            return None
        return target.id, target.is_late(report.created_at)

    return _amend(
        db,
        update_id,
        kind="refile",
        status=None,
        agency_id=agency_id,
        user_id=user_id,
        now=now,
        channel=channel,
        check=check,
    )


def effective_update(db: Database, update_id: int) -> EffectiveUpdate | None:
    """A report as it stands after its amendments; None when retracted or unknown."""
    with db.session() as session:
        return _current(session, update_id)


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
    percent: int | None = None

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
            "percent": self.percent,
        }


def list_updates(
    db: Database,
    *,
    agency_id: str | None = None,
    task_id: str | None = None,
    period: str | None = None,
    plan_id: str | None = None,
) -> list[UpdateRow]:
    """Effective updates (corrections applied, retractions removed), oldest first; with
    ``plan_id``, of that plan only."""
    with db.session() as session:
        updates = effective_updates(
            session,
            period=period,
            agency_ids=[agency_id] if agency_id is not None else None,
            task_id=task_id,
            plan_id=plan_id,
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
                percent=update.percent,
            )
        )
    return result
