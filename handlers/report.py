"""Reporting: record a status update, ask "which task?", correct the status, undo, re-file.

Payloads (≤ 64 bytes): ``pick:<task>`` answers "which task?", ``st:<update>:<c|p|b>`` corrects
a status, ``undo:<update>`` retracts a report within :data:`UNDO_WINDOW`, ``rf:<update>:<round>``
files a report into the other plausible round (``bot.updates.refile_update`` validates it).

A report replying to a reminder or an overdue notice files into that message's round; otherwise
``ReportingCalendar.choose_round`` decides, and the confirmation names the round, says how late
the report is, and offers the other plausible round as a choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from bot.messages import Choice, Reply
from bot.progress import EffectiveUpdate
from bot.sent import context_of
from bot.updates import (
    MAX_TEXT,
    UNDO_WINDOW_SECONDS,
    UpdateRejected,
    correct_update,
    effective_update,
    file_report,
    refile_update,
    retract_update,
)
from handlers import plans
from handlers.items import Resolution, own_items, resolve_task, unknown_task
from handlers.turn import Turn
from scheduler.calendar import Round, UnknownPeriod, deadline_text

__all__ = [
    "STATUS_CODES",
    "UNDO_WINDOW",
    "correct",
    "pick",
    "refile",
    "report",
    "undo",
    "undo_latest",
]

UNDO_WINDOW = timedelta(seconds=UNDO_WINDOW_SECONDS)
STATUS_CODES = {"c": "completed", "p": "in_progress", "b": "blocked"}
_CODE_OF = {status: code for code, status in STATUS_CODES.items()}
ECHO_LIMIT = 300


def _echo(text: str) -> str:
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


def report(
    turn: Turn,
    task_ref: str | None,
    body: str,
    *,
    candidates: Sequence[str] | None = None,
) -> list[Reply]:
    """Record an update on a typed task number, or ask which task when it is not clear."""
    if len(body) > MAX_TEXT:
        return [_too_long(turn)]
    if task_ref is not None and turn.scope is None and plans.several(turn.services):
        asked = _scope_for_task(turn, task_ref, body or _pending_text(turn))
        if asked is not None:
            return asked
    if task_ref is not None:
        return _report_numbered(turn, task_ref, body)
    return _report_unnumbered(turn, body, candidates)


def _pending_text(turn: Turn) -> str:
    pending = turn.state.pending
    return str(pending.get("text", "")) if pending is not None else ""


def _report_numbered(turn: Turn, task_ref: str, body: str) -> list[Reply]:
    _ = turn.t.gettext
    plan = turn.plan
    agency_id = turn.agency_id
    assert agency_id is not None
    resolution = resolve_task(plan, agency_id, task_ref)
    if resolution.outcome == "unknown":
        return unknown_task(turn.t, task_ref)
    if resolution.outcome == "not_yours":
        return [
            Reply(
                _(
                    "Task {task} is not one of {agency}'s tasks, so I did not record "
                    "anything. Type /nhiemvu to see your tasks."
                ).format(task=task_ref, agency=plan.agency(agency_id).name)
            )
        ]
    if not body.strip() and turn.state.pending is not None:
        body = str(turn.state.pending.get("text", ""))
    if not body.strip():
        return [
            Reply(
                _(
                    "The update for {task} is empty. Write what was done after the number, "
                    'e.g. "{task}: đã trình UBND tỉnh".'
                ).format(task=task_ref)
            )
        ]
    if resolution.outcome == "ambiguous":
        return _ask_which(turn, body, resolution.task_ids)
    return _record(turn, resolution.task_id, body)


def _report_unnumbered(turn: Turn, body: str, candidates: Sequence[str] | None) -> list[Reply]:
    _ = turn.t.gettext
    agency_id = turn.agency_id
    assert agency_id is not None
    if not body.strip():
        return [Reply(_('Write your update with the task number, e.g. "2.2: đã trình UBND tỉnh".'))]
    if turn.scope is None and plans.several(turn.services):
        pending_plan = plans.plan_by_id(turn.services, _str(_pending_value(turn, "plan", None)))
        if pending_plan is not None:
            turn.scope = pending_plan
        else:
            asked = _which_task_across_plans(turn, body, candidates)
            if asked is not None:
                return asked
    plan = turn.plan
    own = own_items(plan, agency_id)
    if candidates is not None:
        options = [task_id for task_id in candidates if task_id in own]
    else:
        options = []
    if not options:
        options = [task_id for task_id, (_item, role) in own.items() if role != "general"]
    if not options:
        return [
            Reply(
                _(
                    "{agency} has no task of its own in the plan, so there is nothing to "
                    "record. Type /nhiemvu to see the tasks."
                ).format(agency=plan.agency(agency_id).name)
            )
        ]
    if len(options) == 1:
        return _record(turn, options[0], body)
    return _ask_which(turn, body, options)


def _which_task_across_plans(
    turn: Turn, body: str, candidates: Sequence[str] | None
) -> list[Reply] | None:
    replied = {
        part["plan"]: [str(task) for task in part.get("tasks") or ()]
        for part in _context_parts(_replied_context(turn) or {})
        if isinstance(part.get("plan"), str)
    }
    return _which_task_in(turn, body, candidates, replied)


def _which_task_in(
    turn: Turn,
    body: str,
    candidates: Sequence[str] | None,
    replied: dict[str, list[str]],
) -> list[Reply] | None:
    """An update without a number, several plans followed and none known: the unit's tasks in
    every plan (those the message replied to, if it names them); one: the scope is its plan;
    several: ask, one choice per (plan, task). None when the scope is set."""
    agency_id = turn.agency_id
    assert agency_id is not None
    found: list[tuple[plans.Followed, Resolution]] = []
    for entry in plans.plans_for(turn.services, agency_id):
        if replied and entry.id not in replied:
            continue  # a reply to a message about other plans
        own = own_items(entry.plan, agency_id)
        listed = replied.get(entry.id, candidates or ())
        ids = [task_id for task_id in listed if task_id in own]
        if not ids:
            ids = [task_id for task_id, (_item, role) in own.items() if role != "general"]
        if ids:
            found.append((entry, Resolution("ambiguous", tuple(ids))))
    if not found:
        return None
    if len(found) == 1:
        turn.scope = found[0][0].plan
        return None
    return _ask_which_plan(turn, body, None, found)


def _scope_for_task(turn: Turn, task_ref: str, body: str) -> list[Reply] | None:
    """Settle which plan "2.2: …" is for, when several plans are followed (``turn.scope``).

    The plans where the unit has that number; when there are several: the plan of the message
    replied to, then the plan of the pending question, then the last plan discussed; otherwise
    ask, with one choice per plan (never a silent guess). None once the scope is set (or when
    no plan has the number for the unit: the one-plan answers then say so).
    """
    agency_id = turn.agency_id
    assert agency_id is not None
    found = [
        (entry, resolve_task(entry.plan, agency_id, task_ref))
        for entry in plans.plans_for(turn.services, agency_id)
    ]
    mine = [(entry, res) for entry, res in found if res.outcome in ("ok", "ambiguous")]
    if not mine:
        known = [entry for entry, res in found if res.outcome == "not_yours"]
        if known:
            turn.scope = known[0].plan
        return None
    if len(mine) == 1:
        turn.scope = mine[0][0].plan
        return None
    replied = [entry for entry, _res in mine if entry.id in _replied_plans(turn)]
    if len(replied) == 1:
        turn.scope = replied[0].plan
        return None
    if replied:  # a reminder about several plans that all have the number: ask among them
        mine = [(entry, res) for entry, res in mine if entry in replied]
    ids = {entry.id for entry, _res in mine}
    for hint in (_replied_plan(turn), _pending_value(turn, "plan", None), turn.state.plan):
        if isinstance(hint, str) and hint in ids:
            turn.scope = next(entry.plan for entry, _res in mine if entry.id == hint)
            return None
    if not body.strip():
        return None  # the empty-update answer comes first
    return _ask_which_plan(turn, body, task_ref, mine)


def _ask_which_plan(
    turn: Turn,
    body: str,
    task_ref: str | None,
    mine: Sequence[tuple[plans.Followed, Resolution]],
) -> list[Reply]:
    _ = turn.t.gettext
    agency_id = turn.agency_id
    assert agency_id is not None
    turn.state.pending = {
        "text": body,
        "message_id": _pending_value(turn, "message_id", turn.incoming.message_id),
        "periods": {entry.id: _replied_period(turn, entry.id) for entry, _res in mine},
    }
    turn.changed()
    if task_ref is None:
        lines = [_("Which task is this update for?")]
    else:
        lines = [
            _(
                "Task {task} is in more than one plan of {agency}. Which plan is this update for?"
            ).format(task=task_ref, agency=mine[0][0].plan.agency(agency_id).name)
        ]
    choices = []
    for entry, resolution in mine:
        own = own_items(entry.plan, agency_id)
        lines.append("")
        lines.append(plans.heading(turn.t, entry))
        for task_id in resolution.task_ids:
            item, role = own[task_id]
            lines.append(f"• {task_id} ({turn.role_label(role)}): {_title(item.title)}")
            choices.append(
                Choice(
                    f"{entry.code} · {task_id} ({turn.role_label(role)})",
                    f"pick:{entry.code}:{task_id}",
                )
            )
    lines.append("")
    first = task_ref or mine[0][1].task_ids[0]
    lines.append(
        _("Choose one, or write the plan before the number (e.g. {example}).").format(
            example=f"{mine[0][0].code} {first}: …"
        )
    )
    return [Reply("\n".join(lines), choices=tuple(choices))]


def _title(title: str) -> str:
    return title if len(title) <= 80 else title[:79] + "…"


def _replied_context(turn: Turn) -> dict[str, Any] | None:
    """The context of the bot's message this message replies to, if any was recorded."""
    incoming = turn.incoming
    if incoming.reply_to_message_id is None:
        return None
    return context_of(
        turn.services.db, incoming.channel, incoming.chat_id, incoming.reply_to_message_id
    )


def _replied_plan(turn: Turn) -> str | None:
    """The plan of the bot's message this message replies to, when it is about one plan."""
    named = _replied_plans(turn)
    return named[0] if len(named) == 1 else None


def _too_long(turn: Turn) -> Reply:
    _ = turn.t.gettext
    return Reply(
        _(
            "Your message is too long ({limit} characters at most). Please send a shorter "
            "summary; nothing was recorded."
        ).format(limit=MAX_TEXT)
    )


def _ask_which(turn: Turn, body: str, options: Sequence[str]) -> list[Reply]:
    _ = turn.t.gettext
    plan = turn.plan
    agency_id = turn.agency_id
    assert agency_id is not None
    own = own_items(plan, agency_id)
    turn.state.pending = {
        "text": body,
        "message_id": _pending_value(turn, "message_id", turn.incoming.message_id),
        "period": _pending_period(turn) or _replied_period(turn, turn.plan.info.id),
        "plan": turn.scope.info.id if turn.scope is not None else None,
    }
    turn.changed()
    lines = [_("Which task is this update for?")]
    choices = []
    for task_id in options:
        item, role = own[task_id]
        title = item.title if len(item.title) <= 80 else item.title[:79] + "…"
        lines.append(f"• {task_id} ({turn.role_label(role)}): {title}")
        payload = f"pick:{task_id}"
        if turn.scope is not None and plans.several(turn.services):
            payload = f"pick:{plans.code_of(turn.services, turn.scope)}:{task_id}"
        choices.append(Choice(f"{task_id} ({turn.role_label(role)})", payload))
    lines.append(_("Choose one, or type its number (e.g. {task}).").format(task=options[0]))
    return [Reply("\n".join(lines), choices=tuple(choices))]


def pick(turn: Turn, task_id: str, plan_id: str | None = None) -> list[Reply]:
    """The answer to "which task?" (or "which plan?"): record the pending update on it."""
    _ = turn.t.gettext
    pending = turn.state.pending
    if pending is None:
        return [Reply(_("That question has expired. Please send your update again."))]
    if plan_id is not None:
        turn.scope = plans.plan_by_id(turn.services, plan_id)
    elif turn.scope is None:
        turn.scope = plans.plan_by_id(turn.services, _str(pending.get("plan")))
    return report(turn, task_id, str(pending.get("text", "")))


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _pending_value(turn: Turn, key: str, default: object) -> object:
    """A value kept with the pending update ("which task?" was asked), else ``default``."""
    pending = turn.state.pending
    if pending is not None and pending.get(key) is not None:
        return pending[key]
    return default


def _replied_period(turn: Turn, plan_id: str) -> str | None:
    """The round of the reminder or overdue notice this message replies to, for ``plan_id``.

    A reminder about one plan names it (``plan``); one listing several plans has a part per
    plan (``plans``: ``[{"plan", "period", "tasks"}]``); a single-plan deployment names none.
    """
    context = _replied_context(turn)
    if not context or context.get("kind") != "reminder":
        return None
    for part in _context_parts(context):
        if part.get("plan") in (None, plan_id):
            period = part.get("period")
            return period if isinstance(period, str) else None
    return None


def _context_parts(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-plan parts of a sent message's context (the message itself when it has none)."""
    parts = context.get("plans")
    if isinstance(parts, dict):  # {plan id: {"period", "tasks"}}
        parts = [{"plan": key, **value} for key, value in parts.items() if isinstance(value, dict)]
    if isinstance(parts, list) and parts and all(isinstance(part, dict) for part in parts):
        return [dict(part) for part in parts]
    return [context]


def _replied_plans(turn: Turn) -> list[str]:
    """The plans the message replied to is about (one, several for a merged reminder, none)."""
    context = _replied_context(turn)
    if not context:
        return []
    return [part["plan"] for part in _context_parts(context) if isinstance(part.get("plan"), str)]


def _pending_period(turn: Turn) -> str | None:
    """The replied round kept with a pending question, for the plan now answered."""
    pending = turn.state.pending
    if pending is None:
        return None
    periods = pending.get("periods")
    if isinstance(periods, dict):
        return _str(periods.get(turn.plan.info.id))
    return _str(pending.get("period"))


def _record(turn: Turn, task_id: str, body: str) -> list[Reply]:
    services = turn.services
    agency_id = turn.agency_id
    assert agency_id is not None
    assert turn.user is not None
    message_id = _pending_value(turn, "message_id", turn.incoming.message_id)
    source = f"{turn.incoming.chat_id}:{message_id}" if message_id is not None else None
    period = _pending_period(turn) or _replied_period(turn, turn.plan.info.id)
    try:
        filing = file_report(
            services.db,
            turn.plan,
            turn.calendar,
            task_id=task_id,
            agency_id=agency_id,
            user_id=turn.user.id,
            text=body,
            now=turn.now,
            channel=turn.incoming.channel,
            source_message_id=source,
            context_period=str(period) if period is not None else None,
            late_window_days=services.settings.late_window_days,
        )
    except UpdateRejected as error:
        return [_rejected(turn, error)]
    row = filing.row
    assert row.id is not None
    turn.state.pending = None
    if plans.several(services):
        turn.state.plan = turn.plan.info.id  # "2.3: …" next is for the same plan
    turn.state.undo = {
        "update_id": row.id,
        "until": (row.created_at + UNDO_WINDOW).isoformat(),
    }
    turn.changed()
    alternative = filing.choice.alternative
    return [
        _confirmation(
            turn,
            row.id,
            edit=False,
            alternative=alternative.id if alternative else None,
            current=filing.effective,
        )
    ]


def _rejected(turn: Turn, error: UpdateRejected) -> Reply:
    _ = turn.t.gettext
    if error.reason == "too_long":
        return _too_long(turn)
    if error.reason == "empty":
        return Reply(_("The update is empty; nothing was recorded."))
    if error.reason == "retracted":
        return Reply(_("This update was already undone; nothing changed."))
    if error.reason == "not_yours":
        return Reply(_("This update belongs to another agency; nothing changed."))
    if error.reason == "bad_round":
        return Reply(_("This update cannot be filed into that round; nothing changed."))
    return Reply(_("I could not find that update; nothing changed."))


def _recorded_line(turn: Turn, task_id: str, role: str, round_: Round, days_late: int) -> str:
    """ "Đã ghi nhận cho nhiệm vụ 2.3 (chủ trì), kỳ Năm 2026 (báo cáo muộn 2 ngày)." """
    t = turn.t
    values = {"task": task_id, "role": turn.role_label(role), "round": round_.label(t)}
    if days_late <= 0:
        return t.gettext("Recorded for task {task} ({role}), round {round}.").format(**values)
    if days_late == 1:
        template = t.gettext(
            "Recorded for task {task} ({role}), round {round} (reported {days} day late)."
        )
    else:
        template = t.gettext(
            "Recorded for task {task} ({role}), round {round} (reported {days} days late)."
        )
    return template.format(days=days_late, **values)


def _confirmation(
    turn: Turn,
    update_id: int,
    *,
    edit: bool,
    alternative: str | None = None,
    current: EffectiveUpdate | None = None,
) -> Reply:
    """The confirmation of a report as it stands (``current``, or read), with correction, undo
    and re-filing choices."""
    _ = turn.t.gettext
    services = turn.services
    if current is None:
        current = effective_update(services.db, update_id)
    if current is None:
        return Reply(_("This update was undone."))
    _scope_to(turn, current.plan_id)
    _item, role = own_items(turn.plan, current.agency_id).get(
        current.task_id, (turn.plan.task(current.task_id), "general")
    )
    round_ = turn.calendar.parse(current.period)
    days_late = round_.days_late(current.created_at) if current.late else 0
    lines = [
        *_plan_line(turn),
        _recorded_line(turn, current.task_id, role, round_, days_late),
        _("Status: {status}.").format(status=turn.status_label(current.status).upper()),
        f"“{_echo(current.text)}”",
    ]
    if current.late:
        lines.append(
            _("The deadline of {round} was {deadline}; this report counts as late.").format(
                round=round_.label(turn.t), deadline=deadline_text(turn.t, round_.due)
            )
        )
    other = _other_round(turn, alternative, current.period)
    if other is not None:
        lines.append(
            _("If this report is for {other}, choose it below.").format(other=other.label(turn.t))
        )
    lines.append(_("Wrong status? Choose the right one below."))
    choices = [
        Choice(
            _("→ {status}").format(status=turn.status_label(status)),
            f"st:{update_id}:{_CODE_OF[status]}",
        )
        for status in ("completed", "in_progress", "blocked")
        if status != current.status
    ]
    if turn.now < current.created_at + UNDO_WINDOW:
        lines.append(_("To undo within 10 minutes: press Undo or type HUỶ."))
        choices.append(Choice(_("Undo"), f"undo:{update_id}"))
    if other is not None:
        choices.append(
            Choice(
                _("File under {round}").format(round=other.label(turn.t)),
                f"rf:{update_id}:{other.id}",
            )
        )
    context = {
        "kind": "confirmation",
        "update_id": update_id,
        "task": current.task_id,
        "tasks": [current.task_id],
        "round": current.period,
    }
    if plans.several(turn.services):
        context["plan"] = turn.plan.info.id
    if other is not None:
        context["alternative"] = other.id
    return Reply(
        "\n".join(lines),
        choices=tuple(choices),
        context=context,
        edit_message_id=turn.incoming.message_id if edit else None,
    )


def _scope_to(turn: Turn, plan_id: str | None) -> None:
    """Answer about the plan a stored report belongs to (a button on its confirmation)."""
    plan = plans.plan_by_id(turn.services, plan_id)
    if plan is not None:
        turn.scope = plan


def _plan_line(turn: Turn) -> list[str]:
    """The plan a confirmation is about, when several are followed (never left to guess)."""
    if not plans.several(turn.services):
        return []
    entry = plans.Followed(turn.plan, plans.code_of(turn.services, turn.plan))
    return [plans.heading(turn.t, entry)]


def _other_round(turn: Turn, alternative: str | None, period: str) -> Round | None:
    if alternative is None or alternative == period:
        return None
    try:
        return turn.calendar.parse(alternative)
    except UnknownPeriod:
        return None


def _pressed_alternative(turn: Turn) -> str | None:
    """The other round offered by the confirmation whose button was pressed, if any."""
    incoming = turn.incoming
    if incoming.payload is None or incoming.message_id is None:
        return None
    context = context_of(turn.services.db, incoming.channel, incoming.chat_id, incoming.message_id)
    value = context.get("alternative") if context else None
    return value if isinstance(value, str) else None


def _amend(
    turn: Turn, amend: Callable[..., object], *args: object, **kwargs: object
) -> Reply | None:
    """Record an amendment (refile, correction, undo) by the turn's unit and user, now and on
    the turn's channel; the refusal's reply when it is rejected, None when recorded."""
    agency_id = turn.agency_id
    assert agency_id is not None
    assert turn.user is not None
    try:
        amend(
            turn.services.db,
            *args,
            agency_id=agency_id,
            user_id=turn.user.id,
            now=turn.now,
            channel=turn.incoming.channel,
            **kwargs,
        )
    except UpdateRejected as error:
        return _rejected(turn, error)
    return None


def refile(turn: Turn, update_id: int, period: str) -> list[Reply]:
    """File a report into the other plausible round the confirmation offered."""
    before = effective_update(turn.services.db, update_id)
    if before is not None:
        _scope_to(turn, before.plan_id)  # its own plan's rounds
    rejected = _amend(turn, refile_update, turn.calendar, update_id, period=period)
    if rejected is not None:
        return [rejected]
    back = before.period if before is not None else None
    return [
        _confirmation(turn, update_id, edit=turn.incoming.payload is not None, alternative=back)
    ]


def correct(turn: Turn, update_id: int, code: str) -> list[Reply]:
    """A status correction chosen on a confirmation."""
    _ = turn.t.gettext
    status = STATUS_CODES.get(code)
    if status is None:
        return [Reply(_("I could not find that update; nothing changed."))]
    rejected = _amend(turn, correct_update, update_id, status=status)
    if rejected is not None:
        return [rejected]
    return [
        _confirmation(
            turn,
            update_id,
            edit=turn.incoming.payload is not None,
            alternative=_pressed_alternative(turn),
        )
    ]


def undo(turn: Turn, update_id: int) -> list[Reply]:
    """Retract a report (within 10 minutes of it); the history keeps both rows."""
    _ = turn.t.gettext
    current = effective_update(turn.services.db, update_id)
    if current is not None and turn.now >= current.created_at + UNDO_WINDOW:
        return [
            Reply(
                _(
                    "Undo works for 10 minutes after an update. To change it now, send a new "
                    "update on {task}."
                ).format(task=current.task_id)
            )
        ]
    rejected = _amend(turn, retract_update, update_id)
    if rejected is not None:
        return [rejected]
    if turn.state.undo is not None:
        turn.state.undo = None
        turn.changed()
    assert current is not None
    return [
        Reply(
            _(
                "Undone: the update on {task} no longer counts. Send a new update when ready."
            ).format(task=current.task_id),
            edit_message_id=turn.incoming.message_id if turn.incoming.payload else None,
        )
    ]


def undo_latest(turn: Turn) -> list[Reply]:
    """Typed "huỷ": undo the chat's last report if it is still within 10 minutes."""
    _ = turn.t.gettext
    update_id = turn.state.undo_id(turn.now)
    if update_id is None:
        return [Reply(_("There is nothing to undo (undo works for 10 minutes after an update)."))]
    return undo(turn, update_id)
