"""What the bot's own messages were about, so a reply to one of them can be understood.

Bookkeeping (not audited), written after every reply: plain statements, not ORM objects. The
context of an answer to a person is deferred (:func:`defer_sent`): it is written by the next
turn's own transaction or within half a second (:meth:`bot.db.Database.defer`), instead of a
transaction of its own per reply; :func:`context_of` sees it meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import col, select

from bot.db import Database
from bot.models import SentMessage

_TABLE = SentMessage.__table__  # type: ignore[attr-defined]
# (built once: a statement built for each send generates its cache key each time)
_INSERT = insert(_TABLE)


def record_sent(
    db: Database,
    channel: str,
    chat_id: str,
    message_ids: Iterable[str],
    context: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Remember the context of sent messages (no-op without a context)."""
    rows = _rows(channel, chat_id, message_ids, context, now)
    if not rows:
        return
    with db.writing() as connection:
        connection.execute(_INSERT, rows)


def _rows(
    channel: str,
    chat_id: str,
    message_ids: Iterable[str],
    context: dict[str, Any] | None,
    now: datetime,
) -> list[dict[str, Any]]:
    if not context:
        return []
    return [
        {
            "channel": channel,
            "chat_id": chat_id,
            "message_id": message_id,
            "context": dict(context),
            "created_at": now,
        }
        for message_id in message_ids
    ]


def defer_sent(
    db: Database,
    channel: str,
    chat_id: str,
    message_ids: Iterable[str],
    context: dict[str, Any] | None,
    now: datetime,
) -> bool:
    """:func:`record_sent`, deferred to the next write (:meth:`Database.defer`); no database
    work now. Returns whether anything waits to be written."""
    rows = _rows(channel, chat_id, message_ids, context, now)
    if rows:
        db.defer(_TABLE, rows)
    return bool(rows)


def record_sent_many(
    db: Database,
    sends: Iterable[tuple[str, str, Iterable[str], dict[str, Any] | None, datetime]],
    connection: Connection | None = None,
) -> None:
    """:func:`record_sent` for several sends, each ``(channel, chat_id, message_ids, context,
    now)``: one statement, one transaction (``connection``'s, when given: the caller's)."""
    rows = [
        {
            "channel": channel,
            "chat_id": chat_id,
            "message_id": message_id,
            "context": dict(context),
            "created_at": now,
        }
        for channel, chat_id, message_ids, context, now in sends
        if context
        for message_id in message_ids
    ]
    if not rows:
        return
    if connection is not None:
        connection.execute(_INSERT, rows)
        return
    with db.writing() as writing:
        writing.execute(_INSERT, rows)


def context_of(db: Database, channel: str, chat_id: str, message_id: str) -> dict[str, Any] | None:
    """The context recorded for one of the bot's messages, if any (deferred ones included)."""
    for row in reversed(db.deferred(_TABLE)):
        if (row["channel"], row["chat_id"], row["message_id"]) == (channel, chat_id, message_id):
            return dict(row["context"])
    with db.session() as session:
        row = session.execute(
            select(_TABLE.c.context).where(
                _TABLE.c.channel == channel,
                _TABLE.c.chat_id == chat_id,
                _TABLE.c.message_id == message_id,
            )
        ).first()
    return dict(row.context) if row is not None else None


def unknown_reminders_note(db: Database, period: str, gettext: Any) -> str | None:
    """For the secretariat's digest: how many reminders of a round have an unknown outcome
    (the request left, no answer came: they may not have arrived), and what to do."""
    from sqlmodel import func

    from bot.models import Reminder

    with db.session() as session:
        count = session.exec(
            select(func.count())
            .select_from(Reminder)
            .where(col(Reminder.period) == period, col(Reminder.state) == "unknown")
        ).one()
    if not count:
        return None
    text: str = gettext(
        "Note: {count} reminders of this round may not have arrived (the platform did not "
        "answer). An operator can check them: planbot outbox --state unknown."
    ).format(count=count)
    return text
