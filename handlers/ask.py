"""Questions a focal point asks, answered without writing anything.

- about one task ("2.2 là việc gì?", "nv 2.2 hạn khi nào?", "sao em bị nhắc 2.2?", "nv 2.2 bên
  mình đã bc chưa nhỉ?"): its text, the unit's role, its latest status, what is owed and by
  when, and why the unit is reminded of it;
- what the unit still owes ("còn thiếu gì");
- the deadline of a round named in the question ("hạn nộp bc năm 2021").
"""

from __future__ import annotations

from bot.digest import parse_round
from bot.messages import Reply
from bot.plan import TaskItem
from bot.progress import GENERAL, EffectiveUpdate, UnitProgress, effective_updates, round_progress
from handlers.items import own_items, resolve_task, unknown_task
from handlers.turn import Turn
from scheduler.calendar import Round, UnknownPeriod, deadline_text

__all__ = ["deadline_of", "owed", "owing", "task_question"]

TEXT_LIMIT = 600


def _short(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _progress(turn: Turn, round_: Round) -> UnitProgress:
    agency_id = turn.agency_id
    assert agency_id is not None
    with turn.services.db.session() as session:
        return round_progress(session, turn.plan, round_, [agency_id], as_of=turn.now)[0]


def _latest(turn: Turn, task_id: str) -> EffectiveUpdate | None:
    agency_id = turn.agency_id
    assert agency_id is not None
    with turn.services.db.session() as session:
        history = effective_updates(
            session,
            agency_ids=[agency_id],
            task_id=task_id,
            as_of=turn.now,
            plan_id=turn.plan.info.id,
        )
    exact = [update for update in history if update.task_id == task_id]
    return exact[-1] if exact else None


def _owing_round(turn: Turn) -> Round:
    """The round a unit owes now: an overdue round it still owes (within the late window, while
    a report still files into it), else the round open now."""
    calendar = turn.calendar
    for round_ in calendar.overdue_rounds(turn.now, turn.services.settings.late_window_days):
        if not _progress(turn, round_).complete:
            return round_
    return calendar.round_at(turn.now)


def owing(turn: Turn) -> tuple[Round, UnitProgress]:
    """The round the unit owes now (see :func:`_owing_round`) and its progress in it."""
    round_ = _owing_round(turn)
    return round_, _progress(turn, round_)


def _named_round(turn: Turn, period: str) -> Round | None:
    """The round a question names ("quý 4", "năm 2021"; this year's when no year is given)."""
    calendar = turn.calendar
    year = turn.now.astimezone(calendar.tz).year
    for text in (period, f"{period} {year}"):
        try:
            return parse_round(calendar, text)
        except UnknownPeriod:
            continue
    return None


def due_text(turn: Turn, round_: Round) -> str:
    """ "deadline 20/03/2021, 10 days left" or "…, 3 days overdue"."""
    return _due_text(turn, round_)


def _due_text(turn: Turn, round_: Round) -> str:
    _ = turn.t.gettext
    deadline = deadline_text(turn.t, round_.due)
    if turn.now >= round_.deadline:
        return _("deadline {deadline}, {days} days overdue").format(
            deadline=deadline, days=round_.days_late(turn.now)
        )
    days = turn.calendar.days_left(turn.now, round_)
    return _("deadline {deadline}, {days} days left").format(deadline=deadline, days=days)


def task_question(turn: Turn, task_ref: str) -> list[Reply]:
    """Everything about one task that the unit may want to know; nothing is written."""
    _ = turn.t.gettext
    plan = turn.plan
    agency_id = turn.agency_id
    assert agency_id is not None
    agency = plan.agency(agency_id)
    resolution = resolve_task(plan, agency_id, task_ref)
    if resolution.outcome == "unknown":
        return unknown_task(turn.t, task_ref)
    own = own_items(plan, agency_id)
    if resolution.outcome == "not_yours":
        task = plan.task(task_ref)
        lines = [
            _("Task {task}: {title}").format(task=task.id, title=_short(task.title)),
            _("It is not one of {agency}'s tasks: nothing is owed on it.").format(
                agency=agency.name
            ),
            _("Type /nhiemvu to see your tasks."),
        ]
        return [Reply("\n".join(lines))]
    task_ids = resolution.task_ids
    round_ = _owing_round(turn)
    progress = _progress(turn, round_)
    blocks = [
        _about(turn, own[task_id][0], own[task_id][1], round_, progress) for task_id in task_ids
    ]
    context = {"kind": "task_question", "tasks": list(task_ids)}
    return [Reply("\n\n".join(blocks), context=context)]


def _about(turn: Turn, item: TaskItem, role: str, round_: Round, progress: UnitProgress) -> str:
    _ = turn.t.gettext
    agency = turn.plan.agency(progress.agency.id)
    lines = [
        _("Task {task}: {title}").format(task=item.id, title=_short(item.title)),
        _("{agency}'s role: {role}.").format(agency=agency.name, role=turn.role_label(role)),
    ]
    latest = _latest(turn, item.id)
    if latest is None:
        lines.append(_("Latest status: no update yet."))
    else:
        local = latest.created_at.astimezone(turn.services.settings.tz)
        status = turn.status_label(latest.status)
        if latest.percent is not None:
            status += f" {latest.percent}%"
        lines.append(
            _("Latest status: {status} ({date}): {text}").format(
                status=status,
                date=turn.t.format_date(local.date(), "short"),
                text=_short(latest.text, 200),
            )
        )
    own_deadline = turn.calendar.task_due(item)
    if own_deadline is not None:
        lines.append(
            _("Task deadline: {deadline}").format(deadline=own_deadline.describe(turn.t))
            + (_(" (passed)") if own_deadline.is_late(turn.now) else "")
        )
    key = GENERAL if role == "general" else item.id
    owed = role in ("lead", "general") and key in progress.missing
    if owed:
        lines.append(
            _("Owed for {round}: a report on it, {due}.").format(
                round=round_.label(turn.t), due=_due_text(turn, round_)
            )
        )
        lines.append(
            _(
                "Why you are reminded: {agency} leads it and has not reported on it for "
                "{round} yet."
            ).format(agency=agency.name, round=round_.label(turn.t))
            if role == "lead"
            else _(
                "Why you are reminded: the general tasks bind every unit, and {agency} has "
                "not reported on them for {round} yet."
            ).format(agency=agency.name, round=round_.label(turn.t))
        )
    elif role in ("lead", "general"):
        lines.append(
            _("Reported for {round}: nothing more is owed on it this round.").format(
                round=round_.label(turn.t)
            )
        )
    else:
        lines.append(
            _(
                "As a coordinating unit you are not reminded of it; an update is welcome "
                "but not required."
            )
        )
    lines.append(_('To report on it, type e.g. "{task}: đã trình UBND tỉnh".').format(task=item.id))
    return "\n".join(lines)


def owed(turn: Turn, period: str | None = None) -> list[Reply]:
    """ "còn thiếu gì": what the unit still owes, the round and its deadline; for the round a
    question names ("báo cáo quý 4 đã gửi chưa") when it names one of this plan's rounds."""
    _ = turn.t.gettext
    plan = turn.plan
    agency_id = turn.agency_id
    assert agency_id is not None
    agency = plan.agency(agency_id)
    named = _named_round(turn, period) if period else None
    if named is not None and not named.has_started(turn.now):
        return [
            Reply(
                _("The {round} report is not open yet: {due}.").format(
                    round=named.label(turn.t), due=_due_text(turn, named)
                )
            )
        ]
    round_ = named if named is not None else _owing_round(turn)
    progress = _progress(turn, round_)
    own = own_items(plan, agency_id)
    if not progress.missing:
        upcoming = turn.calendar.next_due(turn.now)
        return [
            Reply(
                _(
                    "{agency} owes nothing for {round}: everything is reported. Next report: "
                    "{next}, {due}."
                ).format(
                    agency=agency.name,
                    round=round_.label(turn.t),
                    next=upcoming.label(turn.t),
                    due=_due_text(turn, upcoming),
                )
            )
        ]
    lines = [
        _("{agency} still owes for {round} ({due}):").format(
            agency=agency.name, round=round_.label(turn.t), due=_due_text(turn, round_)
        )
    ]
    general = [task_id for task_id, (_item, role) in own.items() if role == "general"]
    for key in progress.missing:
        if key == GENERAL and len(general) == 1:
            lines.append(f"• {general[0]}: {_short(own[general[0]][0].title, 120)}")
        elif key == GENERAL and general:
            lines.append(
                "• "
                + _("general tasks ({first}–{last}): one report on them").format(
                    first=general[0], last=general[-1]
                )
            )
        elif key in own:
            lines.append(f"• {key}: {_short(own[key][0].title, 120)}")
    example = next(
        (key for key in progress.missing if key != GENERAL), general[0] if general else "1.1"
    )
    lines.append(_('To report, type e.g. "{task}: đã trình UBND tỉnh".').format(task=example))
    context = {"kind": "owed", "tasks": [key for key in progress.missing if key != GENERAL]}
    return [Reply("\n".join(lines), context=context)]


def deadline_of(turn: Turn, period: str) -> list[Reply] | None:
    """The deadline of the round named in a question; None when the text names no round."""
    _ = turn.t.gettext
    calendar = turn.calendar
    year = turn.now.astimezone(calendar.tz).year
    try:
        round_ = parse_round(calendar, period)
    except UnknownPeriod:
        try:  # "hạn báo cáo 6 tháng": this year's
            round_ = parse_round(calendar, f"{period} {year}")
        except UnknownPeriod:
            return None
    text = _("Report for {round}: {due}.").format(
        round=round_.label(turn.t), due=_due_text(turn, round_)
    )
    if round_.consolidation_due is not None:
        text += "\n" + _("Sở KH&ĐT consolidates {deadline}.").format(
            deadline=deadline_text(turn.t, round_.consolidation_due)
        )
    return [Reply(text)]
