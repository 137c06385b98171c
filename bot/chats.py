"""A chat that changed its id (a Telegram group upgraded to a supergroup): follow it everywhere.

Telegram answers a send to such a group with ``migrate_to_chat_id`` (and posts a service message
with it). Every place that keeps the chat id is moved to the new id in one transaction, so that
the next reminder, the next reply to one of the bot's messages and the next conversation step
all find the group again:

- ``app_user.chat_id`` (where reminders go),
- ``reminder.chat_id`` (the ledger; a row whose key already exists under the new id is kept
  under the old id, so nothing already settled is sent again),
- ``sent_message.chat_id`` (what the bot's messages were about),
- ``conversation`` (the chat's pending question), unless the new chat already has one.

Incoming-message ids (``processed_message``) are per chat and stay with the old chat.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import col, select

from bot.db import Database
from bot.models import Conversation, Reminder, SentMessage, User

log = logging.getLogger(__name__)


def migrate_chat(db: Database, channel: str, old_chat_id: str, new_chat_id: str) -> int:
    """Move every stored reference from ``old_chat_id`` to ``new_chat_id``; the rows changed."""
    if not new_chat_id or old_chat_id == new_chat_id:
        return 0
    changed = 0
    with db.write() as session:
        changed += session.exec(
            update(User)
            .where(col(User.channel) == channel, col(User.chat_id) == old_chat_id)
            .values(chat_id=new_chat_id)
        ).rowcount
        taken = {
            (row.period, row.kind, row.instant)
            for row in session.exec(
                select(Reminder).where(
                    col(Reminder.channel) == channel, col(Reminder.chat_id) == new_chat_id
                )
            ).all()
        }
        movable = [
            row.id
            for row in session.exec(
                select(Reminder).where(
                    col(Reminder.channel) == channel, col(Reminder.chat_id) == old_chat_id
                )
            ).all()
            if (row.period, row.kind, row.instant) not in taken
        ]
        if movable:
            changed += session.exec(
                update(Reminder).where(col(Reminder.id).in_(movable)).values(chat_id=new_chat_id)
            ).rowcount
        changed += session.exec(
            update(SentMessage)
            .where(col(SentMessage.channel) == channel, col(SentMessage.chat_id) == old_chat_id)
            .values(chat_id=new_chat_id)
        ).rowcount
        conversation = session.get(Conversation, (channel, old_chat_id))
        if conversation is not None and session.get(Conversation, (channel, new_chat_id)) is None:
            session.add(
                Conversation(
                    channel=channel,
                    chat_id=new_chat_id,
                    state=conversation.state,
                    data=dict(conversation.data),
                    updated_at=conversation.updated_at,
                )
            )
            session.delete(conversation)
            changed += 1
    log.warning(
        "%s chat %s moved to %s (%d rows updated)", channel, old_chat_id, new_chat_id, changed
    )
    return changed
