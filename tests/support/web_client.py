"""A person using planbot's web application over HTTP (one browser: one cookie jar).

:class:`WebUser` signs in with an invitation, reads pages, types in the chat and presses its
buttons, as the browser would (htmx requests for the chat, so only the new and edited messages
come back). :class:`WebDriver` plays the shared transcripts (tests/transcripts.py) with one
browser per actor: an actor without a session types into the sign-in form, as a stranger on the
web would.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from yarl import URL

from bot.clock import FrozenClock
from tests.support.web_page import Message, Page, read_page
from tests.transcripts import BotSaid

HX = {"HX-Request": "true"}


class WebUser:
    def __init__(self, base: str) -> None:
        self.base = URL(base)
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.seen: list[Message] = []
        self.signed_in = False

    async def close(self) -> None:
        await self.http.close()

    def url(self, path: str) -> URL:
        return self.base.join(URL(path))

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Page]:
        async with self.http.get(self.url(path), **kwargs) as response:
            return response.status, read_page(await response.text())

    async def get_raw(self, path: str) -> tuple[int, str, bytes]:
        async with self.http.get(self.url(path), allow_redirects=False) as response:
            return response.status, response.content_type, await response.read()

    async def post(
        self, path: str, data: dict[str, str], *, htmx: bool = False, follow: bool = False
    ) -> tuple[int, Page, aiohttp.ClientResponse]:
        async with self.http.post(
            self.url(path), data=data, headers=HX if htmx else None, allow_redirects=follow
        ) as response:
            return response.status, read_page(await response.text()), response

    async def sign_in(self, code: str, name: str = "") -> tuple[int, Page]:
        """Open the invitation link and press "Sign in" (the GET alone uses nothing up)."""
        status, page = await self.get(f"/signin/{code}")
        assert status == 200, page.text
        return await self.submit_signin(page.inputs.get("code", code), page.csrf, name)

    async def submit_signin(self, code: str, csrf: str, name: str = "") -> tuple[int, Page]:
        status, page, response = await self.post(
            "/signin", {"csrf": csrf, "code": code, "name": name}
        )
        if status == 303:
            self.signed_in = True
            await self.open_chat()
            return status, page
        assert response.headers.get("Location") is None
        return status, page

    async def open_chat(self) -> Page:
        status, page = await self.get("/chat")
        assert status == 200, page.text
        self.csrf = page.csrf
        self.seen = page.messages
        return page

    async def say(self, text: str, *, reply_to: str | None = None) -> list[Message]:
        data = {"csrf": self.csrf, "text": text, "nonce": secrets.token_hex(8)}
        if reply_to:
            data["reply_to"] = reply_to
        status, page, _response = await self.post("/chat", data, htmx=True)
        assert status == 200, page.text
        return self._took(page)

    async def press(self, label: str) -> list[Message]:
        for message in reversed(self.seen):
            for button in message.buttons:
                if button.label == label:
                    status, page, _response = await self.post("/chat", button.fields, htmx=True)
                    assert status == 200, page.text
                    return self._took(page)
        raise AssertionError(f"no button {label!r} on the page")

    def _took(self, page: Page) -> list[Message]:
        for message in page.messages:
            self.seen = [m for m in self.seen if m.id != message.id] + [message]
        return page.messages


@dataclass
class WebDriver:
    """Plays transcript steps in a web browser per actor (tests.transcripts.Driver)."""

    base: str
    clock: FrozenClock
    users: dict[str, WebUser] = field(default_factory=dict)

    def user(self, actor: str) -> WebUser:
        if actor not in self.users:
            self.users[actor] = WebUser(self.base)
        return self.users[actor]

    async def close(self) -> None:
        for user in self.users.values():
            await user.close()

    async def say(self, actor: str, text: str, *, reply_to_last: bool = False) -> list[BotSaid]:
        self.clock.advance(timedelta(seconds=3))
        user = self.user(actor)
        if not user.signed_in:
            status, page = await user.get("/signin")
            assert status == 200
            status, page = await user.submit_signin(text, page.csrf, actor.title())
            if status == 303:
                return [_said(m) for m in user.seen if not m.mine]
            return [_said(m) for m in page.bot_messages()]
        reply_to = None
        if reply_to_last:
            bots = [m for m in user.seen if not m.mine]
            reply_to = bots[-1].id if bots else None
        return [_said(m) for m in await user.say(text, reply_to=reply_to) if not m.mine]

    async def press(self, actor: str, label: str) -> list[BotSaid]:
        self.clock.advance(timedelta(seconds=3))
        return [_said(m) for m in await self.user(actor).press(label) if not m.mine]


def _said(message: Message) -> BotSaid:
    return BotSaid(message.text, tuple(button.label for button in message.buttons))
