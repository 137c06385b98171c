"""Receiving over Zalo: de-duplication, handling, long polling and the webhook."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloApiError
from bot.channels.zalo.errors import PartialDelivery
from bot.channels.zalo.parsing import parse_update, resolve_typed_answer, unwrap_webhook_body
from bot.channels.zalo.platform import (
    CHANNEL,
    DEFAULT_POLL_TIMEOUT,
    PROCESSED_KEEP,
    SECRET_HEADER,
)
from bot.clock import Clock
from bot.db import Database
from bot.delivery import answer, record_replies
from bot.messages import DeliveryError, Incoming, Reply
from bot.models import ProcessedMessage

__all__ = ["Handle", "ZaloBot"]

log = logging.getLogger(__name__)

Handle = Callable[[Incoming], Awaitable[list[Reply]]]


class ZaloBot:
    """Receives Zalo updates (long polling or webhook) and answers through the handlers."""

    def __init__(
        self,
        channel: ZaloChannel,
        handle: Handle,
        db: Database,
        clock: Clock,
        *,
        bot_name: str | None = None,
    ) -> None:
        self.channel = channel
        self.client = channel.client
        self._handle = handle
        self._db = db
        self._clock = clock
        self.bot_name = bot_name
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    # de-duplication by message id (a webhook may deliver twice)

    def claim(self, incoming: Incoming) -> bool:
        """Record the message as processed; ``False`` if it already was."""
        if not incoming.message_id:
            return True
        now = self._clock.now()
        try:
            with self._db.write() as session:
                # Redeliveries come within minutes: older ids of this chat are forgotten.
                session.exec(
                    delete(ProcessedMessage).where(
                        col(ProcessedMessage.channel) == CHANNEL,
                        col(ProcessedMessage.chat_id) == incoming.chat_id,
                        col(ProcessedMessage.received_at) < now - PROCESSED_KEEP,
                    )
                )
                session.add(
                    ProcessedMessage(
                        channel=CHANNEL,
                        chat_id=incoming.chat_id,
                        message_id=incoming.message_id,
                        received_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def _unclaim(self, incoming: Incoming) -> None:
        if not incoming.message_id:
            return
        with self._db.write() as session:
            session.exec(
                delete(ProcessedMessage).where(
                    col(ProcessedMessage.channel) == CHANNEL,
                    col(ProcessedMessage.chat_id) == incoming.chat_id,
                    col(ProcessedMessage.message_id) == incoming.message_id,
                )
            )

    async def process(self, update: dict[str, Any]) -> list[str]:
        """Handle one update: map, de-duplicate, call the handlers, send the replies."""
        incoming = parse_update(update, self._clock, self.bot_name)
        if incoming is None:
            log.debug("ignored a Zalo update without a message: %s", update.get("event_name"))
            return []
        if not self.claim(incoming):
            log.info("duplicate Zalo message %s ignored", incoming.message_id)
            return []
        incoming = resolve_typed_answer(incoming)
        try:
            replies = await self._handle(incoming)
        except Exception:
            self._unclaim(incoming)
            raise
        if not replies:
            return []
        return await self._answer(incoming.chat_id, replies)

    async def _answer(self, chat_id: str, replies: list[Reply]) -> list[str]:
        """Send the replies as one batch under the interactive retry policy
        (:func:`bot.delivery.answer`: only a failure before the platform got them is retried)."""
        try:
            per_reply = await answer(lambda: self.channel.send_batch(chat_id, replies))
        except PartialDelivery as error:
            log.warning("Zalo reply partly delivered to %s: %s", chat_id, error)
            return error.message_ids
        except DeliveryError as error:  # refused, no answer (a retry could double), or given up
            log.warning("Zalo reply to %s not delivered: %s", chat_id, error)
            return []
        await record_replies(
            self._db,
            CHANNEL,
            chat_id,
            list(zip(replies, per_reply, strict=True)),
            self._clock.now(),
        )
        return [message_id for ids in per_reply for message_id in ids]

    async def _process_logged(self, update: dict[str, Any]) -> None:
        try:
            await self.process(update)
        except Exception:
            log.exception("a Zalo update could not be handled")

    # long polling

    async def run_polling(
        self, stop: asyncio.Event, *, poll_timeout: float = DEFAULT_POLL_TIMEOUT
    ) -> None:
        """Poll until ``stop`` is set. getUpdates and a webhook exclude each other."""
        try:
            await self.client.delete_webhook()
        except (ZaloApiError, httpx.HTTPError) as error:
            log.warning("Zalo deleteWebhook failed: %s", self.client.redact(str(error)))
        backoff = 1.0
        while not stop.is_set():
            poll = asyncio.create_task(self.client.get_update(poll_timeout))
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({poll, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if poll not in done:
                poll.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await poll
                break
            try:
                update = poll.result()
            except httpx.TimeoutException:
                continue  # the long poll outlived our read timeout: as idle
            except (ZaloApiError, httpx.HTTPError) as error:
                log.warning(
                    "Zalo getUpdates failed (retrying in %.0f s): %s",
                    backoff,
                    self.client.redact(str(error)),
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = 1.0
            if update is not None:
                await self._process_logged(update)

    # webhook

    def webhook_app(self, secret: str, path: str = "/zalo") -> web.Application:
        """An aiohttp application that receives webhook deliveries on ``path``."""
        if not secret:  # a missing header would match an empty secret
            raise ValueError("a Zalo webhook needs a secret")
        expected = secret.encode()

        async def on_delivery(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, expected):
                log.warning("Zalo webhook delivery with a wrong secret refused")
                return web.json_response({"ok": False}, status=403)
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"ok": False}, status=400)
            update = unwrap_webhook_body(body)
            if update is None:
                return web.json_response({"ok": False}, status=400)
            self._ensure_worker()
            self._queue.put_nowait(update)
            return web.json_response({"ok": True})

        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(path, on_delivery)
        return app

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())

    async def _work(self) -> None:
        while True:
            update = await self._queue.get()
            try:
                await self._process_logged(update)
            finally:
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until every webhook delivery received so far has been handled."""
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None:
            await self.drain()
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
