"""The web channel: a form post in, the same handlers as Telegram and Zalo, replies shown as a chat.

Like the other adapters it maps the platform (here: an HTML form) to the neutral
:class:`bot.messages.Incoming` and the neutral :class:`bot.messages.Reply` back:

- the text box is ``text``; a button is ``payload`` plus the ``message_id`` of the message it
  belongs to (a button press, as Telegram's callback); ``reply_to`` answers one bot message
  (as a Telegram quote reply);
- choices become buttons, the undo choice included; an edit (``edit_message_id``) replaces
  the message shown;
- an attachment is kept on disk and shown as a link (a photo: as a picture) that only this
  chat's session can open;
- each form carries a one-time ``nonce`` that becomes the message id: a form sent twice (a
  double tap, a browser resending) is answered once, and a report is never recorded twice.

The scheduler sends here too (:meth:`WebChannel.send`): a reminder appears in the person's web
chat the next time they open it.

What was sent is recorded where every channel's is (:mod:`bot.delivery`): an answer by
:meth:`WebChannel.answer` through :func:`bot.delivery.record_replies`, a reminder by the
scheduler's runner; the channel itself only stores the chat. There is no flood limit here: the
"platform" is planbot's own chat store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.db import Database
from bot.delivery import record_replies
from bot.messages import Incoming, Reply
from bot.models import User
from bot.web.store import ChatMessage, ChatStore

__all__ = ["CHANNEL", "MAX_TEXT_FIELD", "ChatPost", "WebChannel"]

CHANNEL = "web"
MAX_TEXT_FIELD = 20_000  # the handlers refuse over 4,000 characters with a clear message

Handle = Callable[[Incoming], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class ChatPost:
    """What a chat form sent."""

    text: str | None = None
    payload: str | None = None
    message_id: str | None = None  # the bot message whose button was pressed
    reply_to: str | None = None
    nonce: str | None = None


class WebChannel:
    """``bot.messages.Channel`` for the web: messages go into the chat's stored history."""

    def __init__(self, db: Database, clock: Clock, store: ChatStore) -> None:
        self._db = db
        self._clock = clock
        self.store = store
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def name(self) -> str:
        return CHANNEL

    def lock(self, chat_id: str) -> asyncio.Lock:
        """One turn at a time per chat (as a chat platform delivers a chat's messages in order)."""
        return self._locks.setdefault(chat_id, asyncio.Lock())

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
        """Scheduled sends (reminders, digests): added to the chat (the sender records them)."""
        stored = self.deliver(chat_id, [reply], self._clock.now())
        return [message.id for message in stored]

    async def answer(self, chat_id: str, replies: list[Reply], now: datetime) -> list[ChatMessage]:
        """The answers to a person: stored, and each new message's context recorded (the one
        record of what was sent, :func:`bot.delivery.record_replies`); what changed."""
        stored, added = self._store(chat_id, replies, now)
        await record_replies(self._db, CHANNEL, chat_id, added, now)
        return stored

    def deliver(self, chat_id: str, replies: list[Reply], now: datetime) -> list[ChatMessage]:
        """Store the bot's replies (edits replace their message); return what changed."""
        return self._store(chat_id, replies, now)[0]

    def _store(
        self, chat_id: str, replies: list[Reply], now: datetime
    ) -> tuple[list[ChatMessage], list[tuple[Reply, list[str]]]]:
        """Store the replies; what changed, and each new message with its reply."""
        adds: list[ChatMessage] = []
        edits: dict[str, ChatMessage] = {}
        pending: list[tuple[Reply, int]] = []
        for reply in replies:
            message = self._message(reply, now)
            original = self._find(chat_id, reply.edit_message_id)
            if original is not None and reply.edit_message_id is not None:
                edits[reply.edit_message_id] = ChatMessage(
                    id=reply.edit_message_id,
                    mine=False,
                    text=message.text,
                    at=message.at,
                    choices=message.choices,
                    file=message.file or original.file,  # an edit changes the text, not the file
                    edited=True,
                )
            else:
                pending.append((reply, len(adds)))
                adds.append(message)
        _ids, stored = self.store.append(chat_id, now, add=adds, edits=edits)
        added = stored[: len(adds)]
        return stored, [(reply, [added[index].id]) for reply, index in pending]

    def _find(self, chat_id: str, message_id: str | None) -> ChatMessage | None:
        if message_id is None:
            return None
        return next((m for m in self.store.messages(chat_id) if m.id == message_id), None)

    def _message(self, reply: Reply, now: datetime) -> ChatMessage:
        file = None
        if reply.attachment is not None:
            attachment = reply.attachment
            file = self.store.save_file(
                attachment.filename, attachment.content, attachment.mime_type, attachment.kind
            )
        return ChatMessage(
            id="",
            mine=False,
            text=reply.text,
            at=now,
            choices=tuple((choice.label, choice.payload) for choice in reply.choices),
            file=file,
        )

    async def handle_post(
        self, user: User, post: ChatPost, handle: Handle
    ) -> list[ChatMessage] | None:
        """One form post of a signed-in person: the messages it added or changed.

        None when the same form (nonce) was already handled.
        """
        chat_id = user.chat_id
        async with self.lock(chat_id):
            if post.nonce and self.store.seen(chat_id, post.nonce):
                return None
            now = self._clock.now()
            shown: list[ChatMessage] = []
            message_id: str | None
            if post.payload is None:
                text = post.text or ""
                _reserved, mine = self.store.append(
                    chat_id,
                    now,
                    add=[ChatMessage(id="", mine=True, text=text, at=now)],
                    nonce=post.nonce,
                )
                shown += mine
                message_id = mine[0].id  # the handlers qualify it with the chat

            else:
                self.store.append(chat_id, now, nonce=post.nonce)
                message_id = post.message_id
            incoming = to_incoming(user, post, now, message_id)
            replies = await handle(incoming)
            shown += await self.answer(chat_id, replies, self._clock.now())
            return shown


def to_incoming(user: User, post: ChatPost, now: datetime, message_id: str | None) -> Incoming:
    """The neutral form of a chat form post (a button press carries only its payload)."""
    pressed = post.payload is not None
    return Incoming(
        channel=CHANNEL,
        chat_id=user.chat_id,
        user_id=user.external_id,
        display_name=user.display_name,
        received_at=now,
        message_id=message_id,
        payload=post.payload,
        text=None if pressed else post.text or "",
        reply_to_message_id=None if pressed else post.reply_to or None,
    )
