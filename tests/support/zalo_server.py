"""A fake Zalo Bot API on 127.0.0.1, strict about the formats the real platform documents.

- ``POST /bot<token>/<method>`` with a JSON body; every answer is an envelope ``{"ok": true,
  "result": ...}`` or ``{"ok": false, "error_code": N, "description": ...}`` and, like the real
  platform, errors come with HTTP 200 unless a test injects another status.
- ``getUpdates(timeout)`` has no offset and answers ONE update object (not a list); when nothing
  arrives within ``timeout`` seconds it answers ``{"ok": false, "error_code": 408}``. While a
  webhook is set, getUpdates is refused.
- ``sendMessage`` needs ``chat_id`` and a text of 1-2,000 characters; ``sendPhoto`` needs an
  http(s) URL in ``photo`` (no upload) and an optional caption of at most 2,000 characters;
  ``sendChatAction`` takes ``typing`` / ``upload_photo``. There are no edits, buttons, documents
  or callbacks: any other method answers an error envelope.
- Every call is recorded; failures (error envelopes, HTTP 429/5xx, a hang that outlasts the
  client's timeout) can be injected per method.

:func:`deliver_webhook` plays the platform's side of a webhook: it POSTs an update (wrapped in
``{ok, result}`` or flat) with the ``X-Bot-Api-Secret-Token`` header.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from aiohttp import web

MAX_TEXT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
KNOWN_METHODS = frozenset(
    {
        "getMe",
        "getUpdates",
        "sendMessage",
        "sendPhoto",
        "sendSticker",
        "sendChatAction",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
    }
)


@dataclass(frozen=True)
class Call:
    """One API call the server received."""

    method: str
    params: dict[str, Any]


@dataclass
class _Fault:
    error_code: int
    description: str
    http_status: int = 200
    retry_after: int | None = None
    hang: float = 0.0
    deliver_anyway: bool = False
    after: int = 0


@dataclass
class ZaloBotApiServer:
    """The fake platform. Use as ``async with ZaloBotApiServer() as api:``."""

    token: str = field(default_factory=lambda: f"1234567890:{secrets.token_urlsafe(24)}")
    now_ms: int = 1_615_341_600_000  # 2021-03-10 09:00 +07:00, moved by tests via set_time
    calls: list[Call] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str = ""
    blocked_chats: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._faults: dict[str, list[_Fault]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> ZaloBotApiServer:
        app = web.Application()
        app.router.add_route("*", "/{bot}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None)
        assert sockets
        self.port = int(sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def root(self) -> str:
        """What goes in PLANBOT_ZALO_API_URL."""
        return f"http://127.0.0.1:{self.port}"

    # -- test controls -------------------------------------------------------------------

    def set_time(self, at: datetime) -> None:
        self.now_ms = int(at.timestamp() * 1000)

    def new_message_id(self) -> str:
        return f"{next(self._ids):020x}"

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for the next getUpdates."""
        self._updates.put_nowait(update)

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str = "Bad Request",
        *,
        http_status: int = 200,
        retry_after: int | None = None,
        hang: float = 0.0,
        deliver_anyway: bool = False,
        after: int = 0,
    ) -> None:
        """Make a call of ``method`` fail: the next one, or the one after ``after`` successes.

        With ``hang`` the failure answers only after that many seconds (longer than the client's
        timeout: "the request left, no answer"); ``deliver_anyway`` delivers the message first.
        """
        self._faults.setdefault(method, []).append(
            _Fault(error_code, description, http_status, retry_after, hang, deliver_anyway, after)
        )

    def sent(self, chat_id: str | None = None) -> list[Call]:
        """The sendMessage / sendPhoto calls that the platform accepted."""
        return [
            call
            for call in self.calls
            if call.method in ("sendMessage", "sendPhoto")
            and call.params.get("_accepted")
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def texts(self, chat_id: str | None = None) -> list[str]:
        """What the users saw: message texts and photo captions, in order."""
        out: list[str] = []
        for call in self.sent(chat_id):
            if call.method == "sendMessage":
                out.append(str(call.params["text"]))
            elif call.params.get("caption"):
                out.append(str(call.params["caption"]))
        return out

    # -- building updates -----------------------------------------------------------------

    def text_update(
        self,
        text: str,
        *,
        chat_id: str = "chat-user-1",
        user_id: str | None = None,
        display_name: str = "Nguyễn Văn A",
        group: bool = False,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        return self._update(
            "message.text.received",
            {"text": text},
            chat_id=chat_id,
            user_id=user_id,
            display_name=display_name,
            group=group,
            message_id=message_id,
        )

    def image_update(
        self, photo_url: str, caption: str = "", *, chat_id: str = "chat-user-1"
    ) -> dict[str, Any]:
        return self._update(
            "message.image.received", {"photo_url": photo_url, "caption": caption}, chat_id=chat_id
        )

    def sticker_update(self, *, chat_id: str = "chat-user-1") -> dict[str, Any]:
        return self._update("message.sticker.received", {"sticker": "abc123"}, chat_id=chat_id)

    def _update(
        self,
        event: str,
        content: dict[str, Any],
        *,
        chat_id: str,
        user_id: str | None = None,
        display_name: str = "Nguyễn Văn A",
        group: bool = False,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "from": {"id": user_id or chat_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": "GROUP" if group else "PRIVATE"},
            "message_id": message_id or self.new_message_id(),
            "date": self.now_ms,
        }
        message.update(content)
        return {"event_name": event, "message": message}

    # -- the API --------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        bot = request.match_info["bot"]
        method = request.match_info["method"]
        if request.method != "POST":
            return _envelope_error(405, "Method Not Allowed")
        if bot != f"bot{self.token}":
            return _envelope_error(401, "Unauthorized")
        try:
            raw = await request.read()
            params = json.loads(raw) if raw else {}
        except ValueError:
            return _envelope_error(400, "Invalid JSON body")
        if not isinstance(params, dict):
            return _envelope_error(400, "Invalid JSON body")
        call = Call(method, dict(params))
        self.calls.append(call)
        if method not in KNOWN_METHODS:
            return _envelope_error(404, f"Method {method} not found")
        faults = self._faults.get(method)
        if faults and faults[0].after > 0:
            faults[0].after -= 1
        elif faults:
            fault = faults.pop(0)
            if fault.hang:
                if fault.deliver_anyway:
                    self._accept(call)
                await asyncio.sleep(fault.hang)
            return _envelope_error(
                fault.error_code, fault.description, fault.http_status, fault.retry_after
            )
        handler = getattr(self, f"_api_{method}")
        result: web.Response = await handler(call)
        return result

    def _accept(self, call: Call) -> str:
        call.params["_accepted"] = True
        message_id = self.new_message_id()
        call.params["_message_id"] = message_id
        return message_id

    async def _api_getMe(self, call: Call) -> web.Response:
        return _ok(
            {"id": "1459232241454765289", "account_name": "bot.KeHoach", "can_join_groups": True}
        )

    async def _api_getUpdates(self, call: Call) -> web.Response:
        if self.webhook_url:
            return _envelope_error(400, "Webhook is active; getUpdates is not allowed")
        try:
            timeout = float(call.params.get("timeout", 30))
        except (TypeError, ValueError):
            return _envelope_error(400, "timeout must be a number")
        try:
            update = await asyncio.wait_for(self._updates.get(), timeout=max(timeout, 0.0))
        except TimeoutError:
            return _envelope_error(408, "Request timeout")
        return _ok(update)

    def _check_chat(self, call: Call) -> web.Response | None:
        chat_id = call.params.get("chat_id")
        if not isinstance(chat_id, str) or not chat_id:
            return _envelope_error(400, "chat_id is required")
        if chat_id in self.blocked_chats:
            return _envelope_error(403, "The user has blocked the bot")
        return None

    async def _api_sendMessage(self, call: Call) -> web.Response:
        refused = self._check_chat(call)
        if refused is not None:
            return refused
        text = call.params.get("text")
        if not isinstance(text, str) or not (1 <= len(text) <= MAX_TEXT):
            return _envelope_error(400, "text must be 1-2000 characters")
        refused = _unsupported(call, {"chat_id", "text"})
        if refused is not None:
            return refused
        return _ok({"message_id": self._accept(call), "date": self.now_ms})

    async def _api_sendPhoto(self, call: Call) -> web.Response:
        refused = self._check_chat(call)
        if refused is not None:
            return refused
        photo = call.params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            return _envelope_error(400, "photo must be an http(s) URL")
        caption = call.params.get("caption")
        if caption is not None and (not isinstance(caption, str) or len(caption) > MAX_TEXT):
            return _envelope_error(400, "caption must be at most 2000 characters")
        refused = _unsupported(call, {"chat_id", "photo", "caption"})
        if refused is not None:
            return refused
        return _ok({"message_id": self._accept(call), "date": self.now_ms})

    async def _api_sendSticker(self, call: Call) -> web.Response:
        refused = self._check_chat(call)
        if refused is not None:
            return refused
        return _ok({"message_id": self._accept(call), "date": self.now_ms})

    async def _api_sendChatAction(self, call: Call) -> web.Response:
        refused = self._check_chat(call)
        if refused is not None:
            return refused
        if call.params.get("action") not in ("typing", "upload_photo"):
            return _envelope_error(400, "action must be typing or upload_photo")
        refused = _unsupported(call, {"chat_id", "action"})
        if refused is not None:
            return refused
        return web.json_response({"ok": True})

    async def _api_setWebhook(self, call: Call) -> web.Response:
        url = call.params.get("url")
        secret = call.params.get("secret_token")
        if not isinstance(url, str) or not url.startswith("https://"):
            return _envelope_error(400, "url must be an HTTPS URL")
        if not isinstance(secret, str) or not (8 <= len(secret) <= 256):
            return _envelope_error(400, "secret_token must be 8-256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        return _ok({"url": url, "updated_at": self.now_ms})

    async def _api_deleteWebhook(self, call: Call) -> web.Response:
        self.webhook_url, self.webhook_secret = "", ""
        return _ok({"url": "", "updated_at": self.now_ms})

    async def _api_getWebhookInfo(self, call: Call) -> web.Response:
        return _ok({"url": self.webhook_url, "updated_at": self.now_ms})


def _unsupported(call: Call, allowed: set[str]) -> web.Response | None:
    """No reply_markup, parse_mode, reply_to_message_id...: the platform has none of them."""
    extra = set(call.params) - allowed
    if extra:
        return _envelope_error(400, f"unsupported parameters: {sorted(extra)}")
    return None


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _envelope_error(
    code: int, description: str, http_status: int = 200, retry_after: int | None = None
) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=http_status)


async def deliver_webhook(
    url: str, update: dict[str, Any], secret: str | None, *, wrapped: bool = True
) -> httpx.Response:
    """POST one update to a webhook the way the platform does (wrapped or flat body)."""
    body = {"ok": True, "result": update} if wrapped else update
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url, json=body, headers=headers)
