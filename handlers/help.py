"""Help, greetings and thanks: short answers that never write anything."""

from __future__ import annotations

from bot.messages import Reply
from handlers import plans
from handlers.turn import Turn

__all__ = ["acknowledged", "empty_message", "greeting", "help_text", "not_understood", "thanks"]


def help_text(turn: Turn) -> list[Reply]:
    _ = turn.t.gettext
    lines = [
        _("I follow up the province's plan with you. What you can do:"),
        _('• /nhiemvu or "nhiệm vụ của tôi": your tasks, their status and what is missing.'),
        _(
            '• Report in one line: "2.2: đã trình UBND tỉnh", "nv 2.2 xong", '
            '"Nhiệm vụ 2.2 vướng mắc về vốn" or /capnhat 2.2 <text>.'
        ),
        _("• Reply to a reminder or to the task list to report on those tasks."),
        _('• "hạn báo cáo": the next due date and the days left.'),
        _('• "2.2 là việc gì?", "nv 2.2 hạn khi nào?": about one task (nothing is recorded).'),
        _('• "còn thiếu gì": what your unit still owes this round.'),
        _('• Several tasks in one message ("2.3: …; 2.4: …"): one update each.'),
        _("• After an update, type HUỶ within 10 minutes to undo it."),
        _("• /lang en: answers in English; /lang vi: tiếng Việt."),
    ]
    if turn.user is not None and turn.user.role in ("secretariat", "admin"):
        lines.append(
            _(
                '• Secretariat: /tonghop (who has reported), "ai chưa báo cáo", /baocao '
                "(the consolidated report)."
            )
        )
    codes = [entry.code for entry in plans.followed(turn.services)]
    if len(codes) > 1:
        lines.append(
            _(
                "• Several plans are followed ({codes}): write the plan's code to name one, "
                'e.g. "{code} 2.2: đã trình UBND tỉnh", "/tonghop {code}"; '
                '"tổng hợp tất cả kế hoạch" gives every plan.'
            ).format(codes=", ".join(codes), code=codes[0])
        )
    return [Reply("\n".join(lines))]


def greeting(turn: Turn) -> list[Reply]:
    _ = turn.t.gettext
    name = turn.incoming.display_name.strip()
    if not name:
        return [Reply(_("Hello! Type /nhiemvu to see your tasks or /help for help."))]
    return [
        Reply(
            _("Hello {name}! Type /nhiemvu to see your tasks or /help for help.").format(name=name)
        )
    ]


def thanks(turn: Turn) -> list[Reply]:
    _ = turn.t.gettext
    return [Reply(_("You're welcome! I'm here whenever you need me."))]


def acknowledged(turn: Turn) -> list[Reply]:
    """ "ok", "dạ vâng", "đã nhận": a short answer; an acknowledgement is never an update."""
    _ = turn.t.gettext
    return [Reply(_("OK! Type /nhiemvu to see your tasks or /help for help."))]


def not_understood(turn: Turn) -> list[Reply]:
    _ = turn.t.gettext
    return [
        Reply(
            _(
                'Sorry, I did not understand. To report, type e.g. "2.2: đã trình UBND tỉnh"; '
                "to see your tasks, type /nhiemvu; for help, /help."
            )
        )
    ]


def empty_message(turn: Turn) -> list[Reply]:
    """A message with no text (or only spaces): say so; nothing is recorded."""
    _ = turn.t.gettext
    return [
        Reply(
            _(
                'The message is empty; nothing was recorded. To report, type e.g. "2.2: đã '
                'trình UBND tỉnh"; to see your tasks, type /nhiemvu; for help, /help.'
            )
        )
    ]
