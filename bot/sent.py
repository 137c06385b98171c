"""What the bot's own messages were about, so a reply to one of them can be understood."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from bot.db import Database
from bot.models import SentMessage


def record_sent(
    db: Database,
    channel: str,
    chat_id: str,
    message_ids: Iterable[str],
    context: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Remember the context of sent messages (no-op without a context)."""
    if not context:
        return
    with db.write() as session:
        for message_id in message_ids:
            session.add(
                SentMessage(
                    channel=channel,
                    chat_id=chat_id,
                    message_id=message_id,
                    context=dict(context),
                    created_at=now,
                )
            )


def context_of(db: Database, channel: str, chat_id: str, message_id: str) -> dict[str, Any] | None:
    """The context recorded for one of the bot's messages, if any."""
    with db.session() as session:
        row = session.exec(
            select(SentMessage).where(
                col(SentMessage.channel) == channel,
                col(SentMessage.chat_id) == chat_id,
                col(SentMessage.message_id) == message_id,
            )
        ).first()
        return dict(row.context) if row is not None else None
