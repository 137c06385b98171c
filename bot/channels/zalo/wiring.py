"""Wiring the Zalo side: the channel, the receiving bot, the start checks and ``serve``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
from aiohttp import web

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloApiError, ZaloClient
from bot.channels.zalo.platform import WEBHOOK_SECRET_MAX, WEBHOOK_SECRET_MIN
from bot.channels.zalo.receiver import Handle, ZaloBot
from bot.channels.zalo.rendering import PublicFiles
from bot.db import Database
from bot.i18n import Translator, translator
from bot.messages import SettingToFix

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.config import Settings

__all__ = [
    "ZaloService",
    "ZaloStartError",
    "build_bot",
    "build_channel",
    "check_start",
    "invite_instruction",
    "public_files",
    "serve",
]

log = logging.getLogger(__name__)


def public_files(settings: Settings) -> PublicFiles | None:
    if settings.public_base_url is None:
        return None
    return PublicFiles(settings.data_dir / "public", str(settings.public_base_url))


def build_channel(settings: Settings, db: Database | None = None) -> ZaloChannel | None:
    """The Zalo channel, or ``None`` without a token.

    Without ``db`` (``bot.cli.schedule.build_channels`` only has the settings) it opens the
    configured database, to read each chat's language.
    """
    if settings.zalo_token is None:
        return None
    if db is None:
        db = Database(settings.resolved_database_url)
    client = ZaloClient(settings.zalo_token.get_secret_value(), settings.zalo_api_url)
    return ZaloChannel(client, db, locale=settings.locale, public=public_files(settings))


def build_bot(services: Services, handle: Handle, channel: ZaloChannel | None = None) -> ZaloBot:
    """A receiving bot for ``planbot run`` (raises without PLANBOT_ZALO_TOKEN)."""
    channel = channel or build_channel(services.settings, services.db)
    if channel is None:
        raise ValueError("PLANBOT_ZALO_TOKEN is not set")
    return ZaloBot(channel, handle, services.db, services.clock)


class ZaloStartError(SettingToFix, ValueError):
    """The Zalo side cannot start (a bad token, a missing webhook secret): say what to fix."""


async def check_start(bot: ZaloBot, settings: Settings) -> None:
    """Refuse to start on what will never work; learn the bot's name (for @mentions).

    A token that Zalo refuses, or a webhook without a usable secret, stops ``planbot run`` with
    a clear message instead of a process that runs but never hears from Zalo. A network failure
    is only logged: the receiver keeps trying with back-off.
    """
    t = translator(settings.locale)
    if settings.zalo_webhook_url is not None:
        given = settings.zalo_webhook_secret
        # An empty secret would let any request without the header through (and the platform
        # refuses a secret_token outside 8-256 characters anyway).
        if given is None or not (
            WEBHOOK_SECRET_MIN <= len(given.get_secret_value()) <= WEBHOOK_SECRET_MAX
        ):
            raise ZaloStartError(
                t.gettext(
                    "PLANBOT_ZALO_WEBHOOK_SECRET is required with a Zalo webhook: "
                    "{low} to {high} characters."
                ).format(low=WEBHOOK_SECRET_MIN, high=WEBHOOK_SECRET_MAX)
            )
    if bot.bot_name is not None:
        return
    try:
        me = await bot.client.get_me()
    except ZaloApiError as error:
        if error.http_status in (401, 403, 404) or error.error_code in (401, 403, 404):
            raise ZaloStartError(
                t.gettext(
                    "Zalo refused the bot token (PLANBOT_ZALO_TOKEN): {reason}. Check the token "
                    "in the Zalo Bot Creator."
                ).format(reason=bot.client.redact(error.description))
            ) from error
        log.warning("Zalo getMe failed: %s", bot.client.redact(str(error)))
    except httpx.HTTPError as error:
        log.warning("Zalo getMe failed: %s", bot.client.redact(str(error)))
    else:
        name = me.get("display_name") or me.get("name") or me.get("account_name")
        bot.bot_name = str(name) if name else ""  # "": asked, no name to strip from mentions


async def serve(bot: ZaloBot, settings: Settings, stop: asyncio.Event) -> None:
    """Run until ``stop``: a webhook when PLANBOT_ZALO_WEBHOOK_URL is set, else long polling."""
    await check_start(bot, settings)
    if settings.zalo_webhook_url is None:
        await bot.run_polling(stop)
        return
    assert settings.zalo_webhook_secret is not None
    secret = settings.zalo_webhook_secret.get_secret_value()
    url = str(settings.zalo_webhook_url)
    path = urlsplit(url).path or "/"
    runner = web.AppRunner(bot.webhook_app(secret, path))
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_listen, settings.zalo_webhook_port)
    await site.start()
    try:
        await bot.client.set_webhook(url, secret)
        log.info("Zalo webhook set; listening on port %s", settings.zalo_webhook_port)
        await stop.wait()
    finally:
        await bot.close()
        await runner.cleanup()


class ZaloService:
    """The Zalo side of ``planbot run``: the receiver (polling or webhook) and the channel.

    The same :class:`ZaloChannel` serves the handlers' answers and the scheduler's sends, so a
    chat's numbered menu always follows the latest message, whoever sent it.
    """

    def __init__(self, services: Services, handle: Handle) -> None:
        channel = build_channel(services.settings, services.db)
        if channel is None:
            raise ValueError("PLANBOT_ZALO_TOKEN is not set")
        self.settings = services.settings
        self.channel = channel
        self.bot = ZaloBot(channel, handle, services.db, services.clock)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Check the token, then receive in the background (raises :class:`ZaloStartError`)."""
        if self._task is None:
            await check_start(self.bot, self.settings)
            self._stop.clear()
            self._task = asyncio.create_task(serve(self.bot, self.settings, self._stop))
            self._task.add_done_callback(_log_end)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
            self._task = None
        await self.channel.client.aclose()


def _log_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Zalo receiver stopped", exc_info=task.exception())


def invite_instruction(code: str, t: Translator) -> str:
    """What to tell a person invited on Zalo (there is no deep link with a payload)."""
    return t.gettext(
        "Open Zalo, find the planbot Zalo bot and send it this message: dangky {code}"
    ).format(code=code)
