"""The composition root: how ``planbot run`` and ``planbot remind`` are wired.

Read :func:`run` to see the whole of ``planbot run``: the services (:func:`bot.bootstrap.bootstrap`,
built by the caller), one :class:`handlers.ChatHandlers` shared by every channel, the channels
the settings ask for (Telegram by long polling or webhook, Zalo, the web application), the
scheduler runner with its scheduled digests (:mod:`scheduler.digests`), and the order in which
they start and stop. ``planbot remind`` builds the same runner over :func:`sending_channels`.

Sending: every scheduled message leaves through :meth:`SchedulerRunner` (its ledger, its retry
by backoff, one :class:`scheduler.pacing.Pacer` per channel); the bot's answers to Telegram go
through PTB's rate limiter (``bot/channels/telegram_limiter.py``); see the README, "Gửi tin".

This module imports the platform libraries and the scheduler: only ``planbot run`` and
``planbot remind`` import it, lazily, so the other commands start without them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

# First: python-telegram-bot without its Passport's cryptography (bot/telegram_import.py).
import bot.telegram_import  # noqa: F401

# isort: split
from bot.bootstrap import Services
from bot.channels.telegram import TelegramChannel, build_application, serve
from bot.channels.telegram import build_channel as build_telegram_channel
from bot.config import Settings
from bot.db import Database
from bot.messages import Channel
from handlers import ChatHandlers
from scheduler.digests import install_scheduled
from scheduler.runner import SchedulerRunner

if TYPE_CHECKING:
    from bot.web.server import WebServer

# The web application (aiohttp, ≈ 10 MiB of an idle bot's memory: BENCHMARKS.md) and the Zalo
# channel (aiohttp as well) are imported when the settings ask for them: a bot that runs with
# PLANBOT_WEB_ENABLED=false and no Zalo token loads neither.

__all__ = [
    "run",
    "scheduler_runner",
    "sending_channels",
    "start_web",
    "telegram_webhook",
]

log = logging.getLogger(__name__)


async def run(
    services: Services,
    *,
    webhook: Mapping[str, Any] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """``planbot run``: every channel the settings ask for and the scheduler, until SIGINT or
    SIGTERM (or ``stop``).

    With a Telegram token, PTB's application owns the order (:func:`bot.channels.telegram.serve`):
    getMe and the command menu, then :func:`start_rest` below, then receiving (long polling, or
    the ``webhook`` listener); on stop, receiving ends, the answers in progress finish, the rest
    stops (the scheduler first, its sends on the wire finishing over the still open clients),
    and the bot's HTTP client closes last. Without Telegram the rest runs until a signal, and a
    web port that is taken stops the run (there is nothing else to serve).

    Raises ``ZaloStartError``, ``WebStartError`` and ``TelegramStartError`` (a setting to fix).
    """
    settings = services.settings
    chat = ChatHandlers(services)  # one conversation engine for every channel
    rest = AsyncExitStack()  # what start_rest started, closed in the reverse order

    async def start_rest(telegram: Channel | None) -> None:
        channels: dict[str, Channel] = {}
        if telegram is not None:
            channels[telegram.name] = telegram  # the application's own bot, its own limiter
        try:
            web = None
            if settings.web_enabled:
                web = await start_web(services, channels, rest, chat, fatal=telegram is None)
            if settings.zalo_token is not None:
                from bot.channels.zalo import ZaloService

                zalo = ZaloService(services, chat.handle)
                await zalo.start()  # ZaloStartError: a token or a webhook secret to fix
                rest.push_async_callback(zalo.stop)
                channels[zalo.channel.name] = zalo.channel
            runner = scheduler_runner(services, channels)
            await runner.start()
            rest.push_async_callback(runner.shutdown)  # first to stop
        except BaseException:
            await rest.aclose()
            raise
        if web is not None:
            web.announce()

    if settings.telegram_token is None:
        async with rest:
            await start_rest(None)
            await _until_signal(stop)
        return
    application = build_application(services, chat)
    await serve(
        application,
        on_started=lambda: start_rest(TelegramChannel(application.bot)),
        on_stopping=rest.aclose,
        webhook=dict(webhook) if webhook is not None else None,
        stop=stop,
    )


def scheduler_runner(services: Services, channels: Mapping[str, Channel]) -> SchedulerRunner:
    """The scheduler over ``channels``, with the scheduled digests attached (not started)."""
    runner = SchedulerRunner(services, channels)
    install_scheduled(runner)
    return runner


async def start_web(
    services: Services,
    channels: dict[str, Channel],
    stack: AsyncExitStack,
    chat: ChatHandlers | None = None,
    *,
    fatal: bool = False,
) -> WebServer | None:
    """Start the web application (same process, same event loop); it stops with ``stack``.

    Its channel joins ``channels`` (the scheduler's), so reminders reach a person who uses only
    the web. A port already taken raises :class:`WebStartError` when ``fatal``; otherwise it is
    logged and costs only the web (the chat platforms keep running).
    """
    from bot.web.server import WebServer, WebStartError

    server = WebServer(services, chat or ChatHandlers(services))
    try:
        await server.start()
    except WebStartError as error:
        if fatal:
            raise
        log.error("%s", error)
        return None
    stack.push_async_callback(server.stop)
    channels[server.channel.name] = server.channel
    return server


def sending_channels(settings: Settings, db: Database | None = None) -> dict[str, Channel]:
    """The channels ``planbot remind`` sends through, by name: Telegram and Zalo when their
    token is set (each an async context manager, entered for the command's duration). ``db``
    reads each Zalo chat's language (without it the Zalo channel opens the configured one)."""
    channels: dict[str, Channel] = {}
    telegram = build_telegram_channel(settings)
    if telegram is not None:
        channels[telegram.name] = telegram
    if settings.zalo_token is not None:
        from bot.channels.zalo import build_channel as build_zalo_channel

        zalo = build_zalo_channel(settings, db)
        if zalo is not None:
            channels[zalo.name] = zalo
    return channels


def telegram_webhook(settings: Settings, secret: str) -> dict[str, Any] | None:
    """PTB's ``start_webhook`` arguments when PLANBOT_WEBHOOK_URL is set (else long polling)."""
    if settings.webhook_url is None:
        return None
    url = str(settings.webhook_url)
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": url.split("://", 1)[-1].partition("/")[2],
        "webhook_url": url,
        "secret_token": secret,
    }


async def _until_signal(stop: asyncio.Event | None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
