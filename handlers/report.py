"""Reporting: record a status update, ask "which task?", correct the status, undo.

Payloads (≤ 64 bytes): ``pick:<task>`` answers "which task?", ``st:<update>:<c|p|b>`` corrects
a status, ``undo:<update>`` retracts a report within :data:`UNDO_WINDOW`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.messages import Choice, Reply
from bot.updates import (
    MAX_TEXT,
    UNDO_WINDOW_SECONDS,
    UpdateRejected,
    correct_update,
    effective_update,
    record_update,
    retract_update,
)
from handlers.items import own_items, resolve_task
from handlers.turn import Turn

__all__ = [
    "STATUS_CODES",
    "UNDO_WINDOW",
    "correct",
    "pick",
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
    _ = turn.t.gettext
    plan = turn.services.plan
    agency_id = turn.agency_id
    assert agency_id is not None
    if len(body) > MAX_TEXT:
        return [_too_long(turn)]
    if task_ref is not None:
        resolution = resolve_task(plan, agency_id, task_ref)
        if resolution.outcome == "unknown":
            return [
                Reply(
                    _(
                        "There is no task {task} in the plan. Type /nhiemvu to see your tasks."
                    ).format(task=task_ref)
                )
            ]
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
    if not body.strip():
        return [Reply(_('Write your update with the task number, e.g. "2.2: đã trình UBND tỉnh".'))]
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
    plan = turn.services.plan
    agency_id = turn.agency_id
    assert agency_id is not None
    own = own_items(plan, agency_id)
    turn.state.pending = {"text": body, "message_id": turn.incoming.message_id}
    turn.changed()
    lines = [_("Which task is this update for?")]
    choices = []
    for task_id in options:
        item, role = own[task_id]
        title = item.title if len(item.title) <= 80 else item.title[:79] + "…"
        lines.append(f"• {task_id} ({turn.role_label(role)}): {title}")
        choices.append(Choice(f"{task_id} ({turn.role_label(role)})", f"pick:{task_id}"))
    lines.append(_("Choose one, or type its number (e.g. {task}).").format(task=options[0]))
    return [Reply("\n".join(lines), choices=tuple(choices))]


def pick(turn: Turn, task_id: str) -> list[Reply]:
    """The answer to "which task?": record the pending update on that task."""
    _ = turn.t.gettext
    pending = turn.state.pending
    if pending is None:
        return [Reply(_("That question has expired. Please send your update again."))]
    return report(turn, task_id, str(pending.get("text", "")))


def _record(turn: Turn, task_id: str, body: str) -> list[Reply]:
    _ = turn.t.gettext
    services = turn.services
    agency_id = turn.agency_id
    assert agency_id is not None
    assert turn.user is not None
    pending_message = turn.state.pending.get("message_id") if turn.state.pending else None
    message_id = pending_message if pending_message is not None else turn.incoming.message_id
    source = f"{turn.incoming.chat_id}:{message_id}" if message_id is not None else None
    try:
        row = record_update(
            services.db,
            services.plan,
            services.calendar,
            task_id=task_id,
            agency_id=agency_id,
            user_id=turn.user.id,
            text=body,
            now=turn.now,
            channel=turn.incoming.channel,
            source_message_id=source,
        )
    except UpdateRejected as error:
        return [_rejected(turn, error)]
    assert row.id is not None
    turn.state.pending = None
    turn.state.undo = {
        "update_id": row.id,
        "until": (row.created_at + UNDO_WINDOW).isoformat(),
    }
    turn.changed()
    return [_confirmation(turn, row.id, edit=False)]


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
    return Reply(_("I could not find that update; nothing changed."))


def _confirmation(turn: Turn, update_id: int, *, edit: bool) -> Reply:
    """The confirmation of a report as it stands, with correction and undo choices."""
    _ = turn.t.gettext
    services = turn.services
    current = effective_update(services.db, update_id)
    if current is None:
        return Reply(_("This update was undone."))
    _item, role = own_items(services.plan, current.agency_id).get(
        current.task_id, (services.plan.task(current.task_id), "general")
    )
    round_ = services.calendar.parse(current.period)
    lines = [
        _("Recorded for task {task} ({role}), {round}.").format(
            task=current.task_id, role=turn.role_label(role), round=round_.label(turn.t)
        ),
        _("Status: {status}.").format(status=turn.status_label(current.status).upper()),
        f"“{_echo(current.text)}”",
    ]
    if current.late:
        lines.append(
            _("Note: this arrived after the deadline of {round}; it counts as late.").format(
                round=round_.label(turn.t)
            )
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
    context = {
        "kind": "confirmation",
        "update_id": update_id,
        "task": current.task_id,
        "tasks": [current.task_id],
    }
    return Reply(
        "\n".join(lines),
        choices=tuple(choices),
        context=context,
        edit_message_id=turn.incoming.message_id if edit else None,
    )


def correct(turn: Turn, update_id: int, code: str) -> list[Reply]:
    """A status correction chosen on a confirmation."""
    _ = turn.t.gettext
    status = STATUS_CODES.get(code)
    agency_id = turn.agency_id
    assert agency_id is not None
    assert turn.user is not None
    if status is None:
        return [Reply(_("I could not find that update; nothing changed."))]
    try:
        correct_update(
            turn.services.db,
            update_id,
            status=status,
            agency_id=agency_id,
            user_id=turn.user.id,
            now=turn.now,
            channel=turn.incoming.channel,
        )
    except UpdateRejected as error:
        return [_rejected(turn, error)]
    return [_confirmation(turn, update_id, edit=turn.incoming.payload is not None)]


def undo(turn: Turn, update_id: int) -> list[Reply]:
    """Retract a report (within 10 minutes of it); the history keeps both rows."""
    _ = turn.t.gettext
    agency_id = turn.agency_id
    assert agency_id is not None
    assert turn.user is not None
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
    try:
        retract_update(
            turn.services.db,
            update_id,
            agency_id=agency_id,
            user_id=turn.user.id,
            now=turn.now,
            channel=turn.incoming.channel,
        )
    except UpdateRejected as error:
        return [_rejected(turn, error)]
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
