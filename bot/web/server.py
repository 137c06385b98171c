"""Serving the web application inside ``planbot run``: same process, same event loop.

:class:`WebServer` starts the aiohttp site beside the chat platforms and the scheduler (in
``planbot run``, :func:`bot.runtime.run`) and stops with them.
Its :class:`~bot.web.channel.WebChannel` joins the scheduler's channels, so reminders reach a
person who uses only the web.
"""

from __future__ import annotations

import errno
import logging
import sys
from typing import TYPE_CHECKING

from aiohttp import web
from sqlmodel import col, select

from bot.i18n import translator
from bot.messages import SettingToFix
from bot.models import User
from bot.registration import create_invitations
from bot.web.app import build_app, build_channel, invite_url, web_url
from bot.web.channel import CHANNEL, WebChannel

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from handlers import ChatHandlers

__all__ = ["SECRETARIAT_AGENCY", "WebServer", "WebStartError"]

log = logging.getLogger(__name__)

SECRETARIAT_AGENCY = "vp-ubnd-tinh"
FIRST_LINK_DAYS = 1


class WebStartError(SettingToFix, RuntimeError):
    """The web application cannot listen (the port is taken): say what to change."""


class WebServer:
    """The web application of one ``planbot run``."""

    def __init__(self, services: Services, chat: ChatHandlers) -> None:
        self.services = services
        self.channel: WebChannel = build_channel(services)
        self.app = build_app(services, chat.handle, self.channel)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return web_url(self.services.settings, self.port)

    async def start(self) -> None:
        settings = self.services.settings
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            t = translator(settings.locale)
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                raise WebStartError(
                    t.gettext(
                        "The web address {host}:{port} is not available ({reason}). Choose "
                        "another port with PLANBOT_WEB_PORT (0: any free port)."
                    ).format(host=settings.web_host, port=settings.web_port, reason=error.strerror)
                ) from error
            raise WebStartError(
                t.gettext("The web application cannot listen on {host}:{port}: {reason}.").format(
                    host=settings.web_host, port=settings.web_port, reason=error.strerror
                )
            ) from error
        self._runner = runner
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else settings.web_port
        log.info("web application on %s", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def announce(self) -> None:
        """Print the address, and a secretariat sign-in link while nobody has one on the web."""
        t = translator(self.services.settings.locale)
        lines = [t.gettext("planbot web: {url}").format(url=self.url)]
        link = self.first_secretariat_link()
        if link is not None:
            lines.append(
                t.gettext(
                    "Secretariat sign-in link (single use, valid for one day): {link}"
                ).format(link=link)
            )
        else:
            lines.append(
                t.gettext(
                    "New sign-in links: planbot invite secretariat --channel web, or planbot "
                    'invite "so y te" --channel web for a focal point.'
                )
            )
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()

    def first_secretariat_link(self) -> str | None:
        """A fresh secretariat invitation while no secretariat account uses the web."""
        services = self.services
        with services.db.session() as session:
            existing = session.exec(
                select(User).where(
                    col(User.channel) == CHANNEL,
                    col(User.role) == "secretariat",
                    col(User.active).is_(True),
                )
            ).first()
        if existing is not None or services.agencies.get(SECRETARIAT_AGENCY) is None:
            return None
        [invitation] = create_invitations(
            services.db,
            SECRETARIAT_AGENCY,
            role="secretariat",
            count=1,
            expires_days=FIRST_LINK_DAYS,
            now=services.clock.now(),
        )
        return invite_url(self.url, invitation.code)
