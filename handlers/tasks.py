"""Asking: "what's my task" and "when is the report due".

While a round the unit still owes is overdue (within the late window, when a report still files
into it), both answers put that round first: what is missing and since when, then the next round.
"""

from __future__ import annotations

from dataclasses import replace

from bot.latest import latest_effective_updates
from bot.messages import Reply
from bot.progress import GENERAL, EffectiveUpdate, UnitProgress, round_progress
from handlers import plans
from handlers.items import own_items
from handlers.turn import Turn
from scheduler.calendar import TaskDue, deadline_text

__all__ = ["deadline", "missing_text", "task_list"]

TITLE_LIMIT = 160


def _short(text: str, limit: int = TITLE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _next_due_line(turn: Turn) -> str:
    _ = turn.t.gettext
    calendar = turn.calendar
    upcoming = calendar.next_due(turn.now)
    days = calendar.days_left(turn.now, upcoming)
    return _("Next report ({round}): deadline {deadline}, {days} days left.").format(
        round=upcoming.label(turn.t), deadline=deadline_text(turn.t, upcoming.due), days=days
    )


def _owed_overdue(turn: Turn) -> list[UnitProgress]:
    """The unit's progress in each overdue round it still owes (newest first)."""
    services = turn.services
    agency_id = turn.agency_id
    assert agency_id is not None
    rounds = turn.calendar.overdue_rounds(turn.now, services.settings.late_window_days)
    if not rounds:
        return []
    with services.db.session() as session:
        found = [
            round_progress(session, turn.plan, r, [agency_id], as_of=turn.now)[0] for r in rounds
        ]
    return [progress for progress in found if not progress.complete]


def missing_text(turn: Turn, progress: UnitProgress) -> str:
    """What a unit still owes in a round, in words: "2.2.1, nhiệm vụ chung (1.1–1.9)"."""
    return _missing_text(turn, progress)


def _missing_text(turn: Turn, progress: UnitProgress) -> str:
    _ = turn.t.gettext
    general = progress.general_items
    return ", ".join(
        (
            _("general tasks ({first}–{last})").format(first=general[0].id, last=general[-1].id)
            if len(general) > 1
            else _("general task {task}").format(task=general[0].id)
        )
        if key == GENERAL and general
        else key
        for key in progress.missing
    )


def _overdue_line(turn: Turn, progress: UnitProgress) -> str:
    _ = turn.t.gettext
    round_ = progress.round
    return _(
        "Overdue: the {round} report was due {deadline} ({days} days ago) and is still "
        "missing {items}. Send it now: it is filed under {round}, as late."
    ).format(
        round=round_.label(turn.t),
        deadline=deadline_text(turn.t, round_.due),
        days=round_.days_late(turn.now),
        items=_missing_text(turn, progress),
    )


def task_list(turn: Turn) -> list[Reply]:
    """The agency's items: number, role, title, latest status, what is missing, next due.

    With several plans: one message per plan the unit has work in, newest plan first, each
    headed by the plan and replying to it reports on that plan's tasks.
    """
    entries = _plans_of_unit(turn)
    if entries is None:
        return _plan_list(turn)
    replies: list[Reply] = []
    for entry in entries:
        scoped = replace(turn, scope=entry.plan)
        replies += _plan_list(scoped, entry)
        if scoped.state_changed:
            turn.changed()
    return replies


def _plans_of_unit(turn: Turn) -> tuple[plans.Followed, ...] | None:
    """The plans to answer for, or None for "the plan" (one plan followed, or one named)."""
    if not plans.several(turn.services):
        return None
    if turn.scope is not None:
        return (plans.Followed(turn.scope, plans.code_of(turn.services, turn.scope)),)
    agency_id = turn.agency_id
    assert agency_id is not None
    return plans.plans_for(turn.services, agency_id) or None


def _plan_list(turn: Turn, entry: plans.Followed | None = None) -> list[Reply]:
    _ = turn.t.gettext
    services = turn.services
    agency_id = turn.agency_id
    assert agency_id is not None
    plan = turn.plan
    agency = plan.agency(agency_id)
    own = own_items(plan, agency_id)
    overdue = _owed_overdue(turn)
    current = turn.calendar.round_at(turn.now)
    with services.db.session() as session:
        progress = round_progress(session, plan, current, [agency_id], as_of=turn.now)[0]
        # Each item's newest report, not the unit's whole history (bot/latest.py).
        latest = latest_effective_updates(
            session, agency_id, list(own), as_of=turn.now, plan_id=plan.info.id
        )

    lines = [_("Tasks of {agency}:").format(agency=agency.name)]
    if entry is not None:
        lines.insert(0, plans.heading(turn.t, entry))
    general_ids: list[str] = []
    for task_id, (item, role) in own.items():
        if role == "general":
            general_ids.append(task_id)
            continue
        lines.append("")
        lines.append(f"• {task_id} ({turn.role_label(role)}): {_short(item.title)}")
        lines.append("  " + _latest_text(turn, latest.get(task_id)))
        own_deadline = turn.calendar.task_due(item)
        if own_deadline is not None:
            lines.append("  " + _own_deadline_text(turn, own_deadline, latest.get(task_id)))
    if general_ids:
        general_latest = [latest[task_id] for task_id in general_ids if task_id in latest]
        newest = max(general_latest, key=lambda u: (u.created_at, u.id), default=None)
        lines.append("")
        if len(general_ids) > 1:
            lines.append(
                _("• {first}–{last} ({role}): one report on the general tasks").format(
                    first=general_ids[0], last=general_ids[-1], role=turn.role_label("general")
                )
            )
        else:
            item = own[general_ids[0]][0]
            lines.append(f"• {item.id} ({turn.role_label('general')}): {_short(item.title)}")
        lines.append("  " + _latest_text(turn, newest))
    lines.append("")
    lines.extend(_overdue_line(turn, late) for late in overdue)
    if progress.missing:
        lines.append(
            _("Still missing for {round}: {items}.").format(
                round=current.label(turn.t), items=_missing_text(turn, progress)
            )
        )
    elif not overdue:
        lines.append(
            _("Everything is reported for {round}. Thank you!").format(round=current.label(turn.t))
        )
    lines.append(_next_due_line(turn))
    example = next((task_id for task_id, (_i, role) in own.items() if role == "lead"), None)
    example = example or next(iter(own), "1.1")
    if entry is not None:
        example = f"{entry.code} {example}"
    lines.append(
        _('To report, reply to this message or type e.g. "{task}: đã trình UBND tỉnh".').format(
            task=example
        )
    )
    context: dict[str, object] = {"kind": "task_list", "agency": agency_id, "tasks": list(own)}
    if entry is not None:
        context["plan"] = entry.id
    return [Reply("\n".join(lines), context=context)]


def _own_deadline_text(turn: Turn, due: TaskDue, update: EffectiveUpdate | None) -> str:
    """The task's own deadline ("hoàn thành trong quý I/2021"), and whether it has passed."""
    _ = turn.t.gettext
    text = _("Task deadline: {deadline}").format(deadline=due.describe(turn.t))
    done = update is not None and update.status == "completed"
    if due.is_late(turn.now) and not done:
        return text + _(" (passed)")
    days = due.days_left(turn.now)
    if days is not None and not done and days >= 0:
        return text + _(" ({days} days left)").format(days=days)
    return text


def _latest_text(turn: Turn, update: EffectiveUpdate | None) -> str:
    _ = turn.t.gettext
    if update is None:
        return _("No update yet.")
    local = update.created_at.astimezone(turn.services.settings.tz)
    status = turn.status_label(update.status)
    if update.percent is not None:
        status += f" {update.percent}%"
    return _("Latest: {status} ({date}): {text}").format(
        status=status,
        date=turn.t.format_date(local.date(), "short"),
        text=_short(update.text, 120),
    )


def deadline(turn: Turn) -> list[Reply]:
    """The overdue round still owed first (what is missing, since when), then the next one."""
    lines = [_overdue_line(turn, late) for late in _owed_overdue(turn)]
    lines.append(_next_due_line(turn))
    return [Reply("\n".join(lines))]
