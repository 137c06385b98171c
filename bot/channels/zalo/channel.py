"""Sending over Zalo: the channel that both the handlers' answers and the scheduler use.

Every request to a chat goes through the channel's one flood limiter (``ZaloChannel.pacer``,
Zalo's limits: :data:`scheduler.pacing.ZALO`), the answers' and the reminders' alike: the
scheduler takes a reminder's slot itself (and the first request uses it), every other request
waits for its own here; a "too many requests" answer pauses the whole channel."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx
from sqlmodel import col, select

from bot.channels.zalo.client import ZaloApiError, ZaloClient
from bot.channels.zalo.errors import PartialDelivery, delivery_error
from bot.channels.zalo.parsing import platform_id
from bot.channels.zalo.platform import CHANNEL
from bot.channels.zalo.rendering import Outgoing, PublicFiles, render_replies
from bot.db import Database
from bot.i18n import Translator, translator
from bot.messages import Reply, RetryLater
from bot.models import User
from scheduler.pacing import ZALO, Pacer

__all__ = ["ZaloChannel"]


class ZaloChannel:
    """Sends neutral replies over Zalo; implements :class:`bot.messages.Channel`."""

    def __init__(
        self,
        client: ZaloClient,
        db: Database,
        *,
        locale: str = "vi",
        public: PublicFiles | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.client = client
        self.pacer = pacer or ZALO.pacer()
        self._db = db
        self._locale = locale
        self._public = public

    @property
    def name(self) -> str:
        return CHANNEL

    async def __aenter__(self) -> ZaloChannel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
        """Send one reply (split as needed); raise the neutral delivery errors."""
        return await self.send_many(chat_id, [reply])

    async def send_many(self, chat_id: str, replies: Sequence[Reply]) -> list[str]:
        """Send several replies as one batch (choices numbered across it); all the ids."""
        per_reply = await self.send_batch(chat_id, replies)
        return [message_id for ids in per_reply for message_id in ids]

    async def send_batch(self, chat_id: str, replies: Sequence[Reply]) -> list[list[str]]:
        """Send a batch of replies; the message ids of each reply, in order.

        Raises :class:`PartialDelivery` when some messages left before a failure, else the
        neutral delivery error of the failure.
        """
        outgoing = render_replies(replies, await self._translator(chat_id), self._public)
        per_reply: list[list[str]] = [[] for _ in replies]
        sent: list[str] = []
        for item in outgoing:
            try:
                message_id = await self._call(chat_id, item)
            except (ZaloApiError, httpx.HTTPError) as error:
                mapped = delivery_error(error, self.client)
                if sent:
                    raise PartialDelivery(sent, mapped) from error
                raise mapped from error
            if message_id:
                sent.append(message_id)
                per_reply[item.reply_index].append(message_id)
        return per_reply

    async def _call(self, chat_id: str, item: Outgoing) -> str:
        pacer = self.pacer
        if not pacer.holds_slot(chat_id):  # the scheduler took this request's slot itself
            await pacer.wait(chat_id, hold=False)
        if item.kind == "photo":
            request = self.client.send_photo(chat_id, item.url)
        else:
            request = self.client.send_message(chat_id, item.text)
        try:
            result = await pacer.timed(chat_id, request)
        except ZaloApiError as error:
            mapped = delivery_error(error, self.client)
            if isinstance(mapped, RetryLater):
                pacer.pause(mapped.retry_after)  # nothing leaves this channel before then
            raise
        return platform_id(result.get("message_id"))

    async def _translator(self, chat_id: str) -> Translator:
        """The language of the chat's registered user (set with /lang), else the default (read
        off the event loop: a database that waits must not stall the other chats)."""
        language = await asyncio.to_thread(self._language, chat_id)
        return translator(language or self._locale)

    def _language(self, chat_id: str) -> str | None:
        with self._db.session() as session:
            return session.exec(
                select(User.language).where(
                    col(User.channel) == CHANNEL,
                    col(User.chat_id) == chat_id,
                    col(User.active).is_(True),
                )
            ).first()
