"""A fake Telegram Bot API server for tests: a real aiohttp app on 127.0.0.1.

It speaks the Bot API over HTTP (``/bot<token>/<method>``, JSON, form or multipart bodies) so the
real python-telegram-bot stack can be pointed at it with ``base_url``. It:

- validates every call against the Bot API description in ``api.min.json`` (required parameters)
  and rejects what the real server would: unknown method (404), wrong token (401), empty or
  over-long text (> 4096), caption > 1024, ``callback_data`` over 64 bytes, unknown chat;
- serves ``getUpdates`` as a long poll (``offset``/``timeout``/``limit``) over updates the test
  injects (:meth:`FakeTelegram.user_says`, :meth:`FakeTelegram.user_presses`...);
- keeps the webhook as Telegram does: ``setWebhook`` wants an HTTPS URL and a ``secret_token`` of
  1-256 characters from ``A-Z a-z 0-9 _ -``; while a webhook is set ``getUpdates`` answers 409.
  :meth:`FakeTelegram.text_update` builds an update for a test to POST to a webhook itself;
- records every call (:attr:`FakeTelegram.calls`) and the bot's messages per chat, edits applied;
- can be told, for the next N calls of a method (:meth:`FakeTelegram.fail_next`), to answer 429
  with ``retry_after``, 500, 401, 403, an HTML error page (502 from a proxy), a group migration
  (400 with ``migrate_to_chat_id``, as Telegram answers for a group upgraded to a supergroup),
  to hang past the client's time-out ("hang"), or to carry the call out and close the
  connection without an answer ("drop"); a refused connection is a port nobody listens on;
- confirms updates by offset as Telegram does: ``getUpdates`` with ``offset`` forgets every
  update below it (:attr:`FakeTelegram.offset_confirmed`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from aiohttp import web

__all__ = ["BotMessage", "Call", "FakeTelegram", "TgUser", "api_description"]

API_JSON = Path("/work/shared/telegram-bot-api/api.min.json")
_LOCAL_API_JSON = Path(__file__).with_name("telegram_api.min.json")
BOT_ID = 777000111
FailMode = Literal["429", "500", "hang", "drop", "401", "403", "html", "migrate"]
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@cache
def api_description() -> dict[str, Any]:
    """The Bot API description (methods with their fields and required flags)."""
    for path in (_LOCAL_API_JSON, API_JSON):
        if path.exists():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    raise FileNotFoundError("api.min.json (the Bot API description) is missing")


def _method_index() -> dict[str, dict[str, Any]]:
    return {name.lower(): method for name, method in api_description()["methods"].items()}


@dataclass(frozen=True)
class TgUser:
    """A Telegram account in the test (its private chat has the same id)."""

    id: int
    first_name: str
    language_code: str = "vi"
    username: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    status: int


@dataclass
class BotMessage:
    """A message the bot sent (its current state, edits applied)."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, callback_data)
    kind: str = "text"
    filename: str | None = None
    edited: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Failure:
    method: str | None
    mode: FailMode
    retry_after: int
    remaining: int
    deliver: bool
    migrate_to: int = 0


class FakeTelegram:
    """The fake server; ``async with FakeTelegram() as tg:`` starts it on a free port."""

    def __init__(
        self,
        token: str = "123456789:TEST_fake_token_abcdefghijklmnopqrstu",
        bot_username: str = "planbot_test_bot",
        hang_seconds: float = 3.0,
        send_latency: float = 0.0,
        max_poll_seconds: float | None = None,
    ) -> None:
        self.token = token
        # A long poll with nothing to deliver answers [] after at most this long, however long
        # the bot asked to wait (Telegram's timeout is an upper bound): a test that waits for
        # the bot's next poll need not wait out its full 10 s timeout.
        self.max_poll_seconds = max_poll_seconds
        self.send_latency = send_latency  # seconds each send takes before it is carried out
        self.bot_username = bot_username
        self.hang_seconds = hang_seconds
        self.calls: list[Call] = []
        self.messages: dict[int, list[BotMessage]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.offset_confirmed = 0
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._failures: list[_Failure] = []
        self._methods = _method_index()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_allowed_updates: list[str] | None = None
        self.clock_seconds = 1_615_341_600  # 2021-03-10 09:00 +07:00
        self.files: dict[str, bytes] = {}  # file_id -> content users sent (getFile, /file/)
        self.uploads: list[tuple[str, bytes]] = []  # (filename, content) the bot sent

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.1
        )
        await self._runner.setup()
        # Bound to port 0 and read back: a port probed free and then bound could be taken in
        # between by a test running beside this one.
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test controls

    def fail_next(
        self,
        method: str | None,
        mode: FailMode,
        *,
        times: int = 1,
        retry_after: int = 1,
        deliver: bool = True,
        migrate_to: int = 0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (None: any but getUpdates) fail.

        "hang": the call is carried out (when ``deliver``) but the answer never comes in time.
        "drop": the call is carried out (when ``deliver``), then the connection is closed.
        "migrate": the chat became the supergroup ``migrate_to`` (registered as a chat here).
        """
        if mode == "migrate":
            self.chats[migrate_to] = {"id": migrate_to, "type": "supergroup", "title": "Nhóm"}
        self._failures.append(_Failure(method, mode, retry_after, times, deliver, migrate_to))

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def bot_messages(self, chat_id: int) -> list[BotMessage]:
        return list(self.messages.get(chat_id, []))

    def private_chat(self, user: TgUser) -> dict[str, Any]:
        chat = {"id": user.id, "type": "private", "first_name": user.first_name}
        self.chats[user.id] = chat
        return chat

    def group_chat(self, chat_id: int, title: str) -> dict[str, Any]:
        chat = {"id": chat_id, "type": "group", "title": title}
        self.chats[chat_id] = chat
        return chat

    async def user_says(
        self,
        user: TgUser,
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        reply_to: BotMessage | None = None,
    ) -> int:
        """Inject a text message (for ``getUpdates``); returns its update id."""
        update = self.text_update(user, text, chat=chat, reply_to=reply_to)
        return await self._push(update)

    def text_update(
        self,
        user: TgUser,
        text: str,
        *,
        chat: dict[str, Any] | None = None,
        reply_to: BotMessage | None = None,
    ) -> dict[str, Any]:
        """A text message update with a fresh ``update_id``, not queued (to POST to a webhook)."""
        chat = chat or self.private_chat(user)
        message = self._user_message(user, chat)
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        elif f"@{self.bot_username}" in text:
            start = text.index(f"@{self.bot_username}")
            message["entities"] = [
                {"type": "mention", "offset": start, "length": len(self.bot_username) + 1}
            ]
        if reply_to is not None:
            message["reply_to_message"] = reply_to.raw
        return {"update_id": next(self._update_ids), "message": message}

    async def user_sends_sticker(self, user: TgUser, chat: dict[str, Any] | None = None) -> int:
        chat = chat or self.private_chat(user)
        message = self._user_message(user, chat)
        message["sticker"] = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return await self._push({"message": message})

    async def user_sends_document(
        self,
        user: TgUser,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        *,
        file_size: int | None = None,
        chat: dict[str, Any] | None = None,
    ) -> int:
        """Inject a document message; its bytes are served by getFile and /file/bot<token>/."""
        chat = chat or self.private_chat(user)
        message = self._user_message(user, chat)
        file_id = f"upload-{chat['id']}-{message['message_id']}"
        self.files[file_id] = content
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{chat['id']}{message['message_id']}",
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content) if file_size is None else file_size,
        }
        return await self._push({"message": message})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        content = self.files.get(path.removeprefix("documents/"))
        if content is None:
            return _error(404, "Not Found")
        return web.Response(body=content)

    async def user_presses(self, user: TgUser, message: BotMessage, label: str) -> int:
        """Inject a press on the button labelled ``label`` of one of the bot's messages."""
        payload = next((data for text, data in message.buttons if text == label), None)
        if payload is None:
            raise AssertionError(f"no button {label!r} on message: {message.buttons!r}")
        query = {
            "id": str(next(self._callback_ids)),
            "from": user.to_dict(),
            "message": message.raw,
            "chat_instance": f"ci-{message.chat_id}",
            "data": payload,
        }
        return await self._push({"callback_query": query})

    # ------------------------------------------------------------------ internals

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _user_message(self, user: TgUser, chat: dict[str, Any]) -> dict[str, Any]:
        self.chats[chat["id"]] = chat
        self.clock_seconds += 1
        return {
            "message_id": self._next_message_id(chat["id"]),
            "date": self.clock_seconds,
            "chat": chat,
            "from": user.to_dict(),
        }

    async def _push(self, body: dict[str, Any]) -> int:
        update_id = body["update_id"] if "update_id" in body else next(self._update_ids)
        async with self._new_update:
            self._updates.append({**body, "update_id": update_id})
            self._new_update.notify_all()
        return update_id

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Planbot",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error(404, "Not Found")

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return params
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
            return params
        if content_type.startswith("multipart/"):
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                name = getattr(part, "name", None)
                if name is None:
                    continue
                filename = getattr(part, "filename", None)
                data = await part.read()  # type: ignore[union-attr]
                if filename:
                    params[name] = {"filename": filename, "size": len(data)}
                    self.uploads.append((filename, bytes(data)))
                    params.setdefault("_files", {})[name] = filename
                else:
                    params[name] = _decode(data.decode("utf-8"))
            return params
        form = await request.post()
        for key, value in form.items():
            params[key] = _decode(value) if isinstance(value, str) else value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        description = self._methods.get(method.lower())
        if description is None:
            self.calls.append(Call(method, {}, 404))
            return _error(404, "Not Found")
        failure = self._take_failure(method)
        params = await self._params(request)
        if failure is not None and failure.mode in ("401", "403", "html", "migrate"):
            return self._refuse(method, params, failure)
        if failure is not None and failure.mode not in ("hang", "drop"):
            self.calls.append(Call(method, params, 429 if failure.mode == "429" else 500))
            if failure.mode == "429":
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {failure.retry_after}",
                        "parameters": {"retry_after": failure.retry_after},
                    },
                    status=429,
                )
            return _error(500, "Internal Server Error")
        problem = self._validate(description, params)
        if problem is not None:
            self.calls.append(Call(method, params, 400))
            return _error(400, f"Bad Request: {problem}")
        if description["name"] == "getUpdates" and self.webhook_url:
            self.calls.append(Call(method, params, 409))
            return _error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if failure is not None and failure.mode == "drop":
            self.calls.append(Call(method, params, 0))
            if failure.deliver:
                await self._perform(description["name"], params)
            _close(request)
            raise ConnectionResetError("dropped after the call was carried out")
        if failure is not None:  # hang
            self.calls.append(Call(method, params, 0))
            if failure.deliver:
                await self._perform(description["name"], params)
            await asyncio.sleep(self.hang_seconds)
            return _error(504, "Gateway Timeout")
        if self.send_latency and description["name"].startswith("send"):
            await asyncio.sleep(self.send_latency)  # a client killed now leaves it "sending"
        self.calls.append(Call(method, params, 200))
        result = await self._perform(description["name"], params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    def _refuse(self, method: str, params: dict[str, Any], failure: _Failure) -> web.Response:
        if failure.mode == "html":
            self.calls.append(Call(method, params, 502))
            return web.Response(
                status=502,
                content_type="text/html",
                text="<html><head><title>502 Bad Gateway</title></head>"
                "<body><center><h1>502 Bad Gateway</h1></center><hr>nginx</body></html>",
            )
        if failure.mode == "migrate":
            self.calls.append(Call(method, params, 400))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: group chat was upgraded to a supergroup chat",
                    "parameters": {"migrate_to_chat_id": failure.migrate_to},
                },
                status=400,
            )
        code = int(failure.mode)
        self.calls.append(Call(method, params, code))
        if code == 401:
            return _error(401, "Unauthorized")
        return _error(403, "Forbidden: bot was blocked by the user")

    def _take_failure(self, method: str) -> _Failure | None:
        for failure in self._failures:
            matches = (
                failure.method.lower() == method.lower()
                if failure.method is not None
                else method.lower() != "getupdates"
            )
            if matches and failure.remaining > 0:
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _validate(self, description: dict[str, Any], params: dict[str, Any]) -> str | None:
        """What the real server would refuse in this call (its 400 description), or None."""
        method = description["name"]
        return (
            _check_fields(description, params)
            or _check_text(method, params)
            or _check_webhook(method, params)
            or _check_markup(params)
            or self._check_chat(method, params)
        )

    def _check_chat(self, method: str, params: dict[str, Any]) -> str | None:
        chat_id = params.get("chat_id")
        if chat_id is None or method == "getChat":
            return None
        try:
            known = int(chat_id) in self.chats
        except (TypeError, ValueError):
            known = False
        return None if known else "chat not found"

    async def _perform(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in ("sendMessage", "sendDocument", "sendPhoto"):
            return self._send(method, params)
        if method in ("editMessageText", "editMessageReplyMarkup"):
            return self._edit(method, params)
        simple = {
            "getMe": lambda _params: self._bot_user(),
            "getFile": self._get_file,
            "getWebhookInfo": lambda _params: self._webhook_info(),
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
        }
        perform = simple.get(method)
        return True if perform is None else perform(params)  # logOut, close, the rest: True

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"f-{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    def _webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_allowed_updates is not None:
            info["allowed_updates"] = self.webhook_allowed_updates
        return info

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = str(params.get("url", ""))
        secret = params.get("secret_token")
        self.webhook_secret = str(secret) if self.webhook_url and secret is not None else None
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self.webhook_allowed_updates = [str(kind) for kind in allowed]
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        if self.max_poll_seconds is not None:
            timeout = min(timeout, self.max_poll_seconds)
        limit = int(params.get("limit") or 100)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self.offset_confirmed = max(self.offset_confirmed, offset)
        async with self._new_update:
            if not self._updates and timeout > 0:
                try:
                    async with asyncio.timeout(timeout):
                        await self._new_update.wait_for(lambda: bool(self._updates))
                except TimeoutError:
                    pass
        return list(self._updates[:limit])

    def _send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        self.clock_seconds += 1
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": self.clock_seconds,
            "chat": self.chats[chat_id],
            "from": self._bot_user(),
        }
        kind = "text"
        filename = None
        text = str(params.get("text", ""))
        if method == "sendMessage":
            message["text"] = text
        else:
            text = str(params.get("caption") or "")
            if text:
                message["caption"] = text
            if method == "sendDocument":
                kind = "document"
                document = params.get("document")
                filename = document.get("filename") if isinstance(document, dict) else None
                message["document"] = {
                    "file_id": f"doc-{message['message_id']}",
                    "file_unique_id": f"d{message['message_id']}",
                    "file_name": filename,
                }
            else:
                kind = "photo"
                message["photo"] = [
                    {
                        "file_id": f"ph-{message['message_id']}",
                        "file_unique_id": f"p{message['message_id']}",
                        "width": 800,
                        "height": 600,
                    }
                ]
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            message["reply_markup"] = markup
        record = BotMessage(
            chat_id=chat_id,
            message_id=message["message_id"],
            text=text,
            buttons=_buttons(markup),
            kind=kind,
            filename=filename,
            raw=message,
        )
        self.messages.setdefault(chat_id, []).append(record)
        return message

    def _edit(self, method: str, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        message_id = int(params["message_id"])
        record = next(
            (m for m in self.messages.get(chat_id, []) if m.message_id == message_id), None
        )
        if record is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if method == "editMessageText":
            new_text = str(params["text"])
            if new_text == record.text and _buttons(markup) == record.buttons:
                return _error(400, "Bad Request: message is not modified")
            record.text = new_text
            record.raw["text"] = new_text
        record.buttons = _buttons(markup)
        if isinstance(markup, dict):
            record.raw["reply_markup"] = markup
        else:
            record.raw.pop("reply_markup", None)
        record.edited = True
        return record.raw


def _buttons(markup: Any) -> list[tuple[str, str]]:
    if not isinstance(markup, dict):
        return []
    return [
        (str(button.get("text")), str(button.get("callback_data")))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def _decode(value: str) -> Any:
    stripped = value.strip()
    if stripped[:1] in ("{", "[") or stripped in ("true", "false", "null"):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _check_fields(description: dict[str, Any], params: dict[str, Any]) -> str | None:
    """Unknown parameters and missing required ones, as the Bot API description says."""
    known = {spec["name"] for spec in description.get("fields", [])}
    unknown = sorted(name for name in params if name not in known and name != "_files")
    if unknown:
        return f"unknown parameter {unknown[0]}"
    for spec in description.get("fields", []):
        name = spec["name"]
        if spec.get("required") and (name not in params or params[name] in ("", None)):
            return "message text is empty" if name == "text" else f"parameter {name} is required"
    return None


def _check_text(method: str, params: dict[str, Any]) -> str | None:
    """A message text empty or over 4,096 characters, a caption over 1,024."""
    if "text" in params and method in ("sendMessage", "editMessageText"):
        text = str(params["text"])
        if not text.strip():
            return "message text is empty"
        if len(text) > 4096:
            return "message is too long"
    caption = params.get("caption")
    if caption is not None and len(str(caption)) > 1024:
        return "message caption is too long"
    return None


def _check_webhook(method: str, params: dict[str, Any]) -> str | None:
    """setWebhook wants an HTTPS URL and a secret token of A-Z a-z 0-9 _ - only."""
    if method != "setWebhook":
        return None
    url = str(params["url"])
    if url and not url.lower().startswith("https://"):
        return "bad webhook: An HTTPS URL must be provided for webhook"
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
        return "secret token contains unallowed characters"
    return None


def _check_markup(params: dict[str, Any]) -> str | None:
    """Inline buttons with callback data of 1-64 bytes and a label."""
    markup = params.get("reply_markup")
    if not isinstance(markup, dict):
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                return "BUTTON_DATA_INVALID"
            if not str(button.get("text", "")).strip():
                return "BUTTON_TEXT_EMPTY"
    return None


def _close(request: web.Request) -> None:
    """Close the connection at once, without an answer."""
    transport = request.transport
    if transport is not None:
        transport.abort()


def _error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )
