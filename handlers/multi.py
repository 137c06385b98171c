"""Several tasks in one message ("2.3: …; 2.4: …", a pasted report with numbered paragraphs):
one update per task, each recorded and confirmed as if sent alone.

Only the last confirmation keeps its choices (status correction, undo): a channel without
buttons numbers the choices of the last message only, and HUỶ undoes the last update, so a
number typed after the confirmations always means what it says. Each part is recorded under
its own source id (the message id, then ``<id>#2``, ``<id>#3``…),
so a platform that delivers the message twice still stores each part once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.messages import Reply
from handlers import report
from handlers.turn import Turn

__all__ = ["report_many"]


def report_many(turn: Turn, items: Sequence[tuple[str, str]]) -> list[Reply]:
    """Record each (task, text) of one message; the replies of every part, in order."""
    replies: list[Reply] = []
    message_id = turn.incoming.message_id
    for number, (task, body) in enumerate(items, start=1):
        part_id = message_id if number == 1 or message_id is None else f"{message_id}#{number}"
        part = replace(turn, incoming=replace(turn.incoming, message_id=part_id))
        replies += report.report(part, task, body)
        if part.state_changed:
            turn.changed()
    last = max((i for i, reply in enumerate(replies) if reply.choices), default=None)
    return [
        reply if index == last or not reply.choices else _without_choices(turn, reply)
        for index, reply in enumerate(replies)
    ]


def _without_choices(turn: Turn, reply: Reply) -> Reply:
    """A confirmation without its choices, and without the lines that point at them."""
    _ = turn.t.gettext
    pointers = {
        _("Wrong status? Choose the right one below."),
        _("To undo within 10 minutes: press Undo or type HUỶ."),
    }
    text = "\n".join(line for line in reply.text.split("\n") if line not in pointers)
    return replace(reply, text=text, choices=())
