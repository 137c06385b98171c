"""The Zalo channel: the same handlers, served over the Zalo Bot Platform.

Decision: a thin client of our own on httpx, not python-zalo-bot.
    python-zalo-bot is a fork of python-telegram-bot 13-style code: its ``telegram`` look-alike
    classes would clash conceptually (and by import paths and dependencies) with the real
    python-telegram-bot 22 that the Telegram channel runs on in the same process, it pins its own
    HTTP stack, and it is a small, young package with few releases. What we need of the platform
    is eight JSON POST methods with one envelope, so a ~150-line client that we fully control
    (timeouts that tell "never left" from "left, no answer", error envelopes that arrive with
    HTTP 200, the single-update ``getUpdates`` with its 408 idle answer, both webhook body shapes)
    is simpler and safer than adapting a framework. It also never logs the token.

The platform (verified against copies of its documentation and SDKs):
    ``<root>/bot<token>/<method>``, POST JSON; envelope ``{"ok": true, "result": ...}`` or
    ``{"ok": false, "error_code": N, "description": ...}``, errors often with HTTP 200.
    ``getUpdates(timeout)`` has no offset and returns ONE update; an idle poll answers
    ``error_code`` 408, which is not an error. ``sendMessage`` text is 1-2,000 characters;
    ``sendPhoto`` takes only a public http(s) URL. No buttons, callbacks, edits, documents,
    quote replies or deep-link payloads; in groups only @mentions reach the bot. A webhook
    carries the secret in ``X-Bot-Api-Secret-Token``; its body is wrapped in ``{ok, result}``
    or flat.

How the neutral replies degrade (the handlers never branch on the channel):
    - choices become a numbered list plus a hint; a bare number typed next is turned back into
      the chosen payload (the numbered menu is kept per chat, see :class:`MenuStore`);
    - an undo choice becomes "gõ HUỶ", and "HUỶ" typed next becomes the undo payload;
    - long text is split at 2,000 characters on line breaks;
    - an attachment becomes a link (photos: ``sendPhoto`` with the URL) when a public base URL
      is configured, otherwise a note that the file is on Telegram / the command line (for a
      report document: and that /tonghop gives the digest as text, on Zalo);
    - ``edit_message_id`` sends a new message.
    Registration: "/start CODE", "dangky CODE" / "đăng ký CODE" are passed on as "/start CODE".
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import httpx
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select

from bot.clock import Clock, SystemClock
from bot.conversation_state import STATE_TTL
from bot.db import Database
from bot.i18n import Translator, translator
from bot.messages import (
    ChatType,
    Choice,
    DeliveryError,
    Incoming,
    Media,
    OutcomeUnknown,
    Reply,
    RetryLater,
    TransientError,
    Undeliverable,
)
from bot.models import Conversation, ProcessedMessage, User
from bot.sent import record_sent
from bot.text import fold, split_text

if TYPE_CHECKING:
    from aiohttp import web

    from bot.bootstrap import Services
    from bot.config import Settings

log = logging.getLogger(__name__)

CHANNEL = "zalo"
MAX_TEXT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX = 8, 256
IDLE_ERROR_CODE = 408
DEFAULT_POLL_TIMEOUT = 30
DEFAULT_RETRY_AFTER = 30.0
MENU_CHANNEL = "zalo#menu"  # conversation rows of the adapter itself, apart from the handlers'
INTERACTIVE_RETRIES = 2
MAX_INTERACTIVE_WAIT = 5.0  # a user is waiting: do not hold an answer back longer than this
MENU_LIFETIME = STATE_TTL  # as long as the handlers keep a chat's conversation state

Handle = Callable[[Incoming], Awaitable[list[Reply]]]


# -- the client -------------------------------------------------------------------------------


PROCESSED_KEEP = timedelta(days=7)  # how long a message id is remembered for de-duplication


class ZaloApiError(Exception):
    """The platform answered ``ok: false`` (or a non-JSON HTTP error)."""

    def __init__(
        self,
        method: str,
        error_code: int,
        description: str,
        *,
        http_status: int = 200,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"Zalo {method} failed: {error_code} {description}")
        self.method = method
        self.error_code = error_code
        self.description = description
        self.http_status = http_status
        self.retry_after = retry_after


class ZaloClient:
    """A thin async client of the Zalo Bot API. The token only ever lives in the base URL."""

    def __init__(
        self,
        token: str,
        api_url: str = "https://bot-api.zaloplatforms.com",
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required")
        self._token = token
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._http = httpx.AsyncClient(
            base_url=f"{api_url.rstrip('/')}/bot{token}/",
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ZaloClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def redact(self, text: str) -> str:
        """``text`` without the token (for logs of transport errors)."""
        return text.replace(self._token, "***")

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        read_seconds: float | None = None,
    ) -> Any:
        """POST one method; return ``result`` or raise :class:`ZaloApiError` / ``httpx`` errors."""
        request_timeout = httpx.Timeout(
            read_seconds if read_seconds is not None else self._timeout,
            connect=self._connect_timeout,
        )
        response = await self._http.post(method, json=params or {}, timeout=request_timeout)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            retry_after = _header_seconds(response.headers.get("Retry-After"))
            raise ZaloApiError(
                method,
                response.status_code,
                response.reason_phrase or "not a Zalo envelope",
                http_status=response.status_code,
                retry_after=retry_after,
            )
        if body.get("ok") is True:
            return body.get("result")
        parameters = body.get("parameters")
        retry_after = None
        if isinstance(parameters, dict):
            retry_after = _number(parameters.get("retry_after"))
        if retry_after is None:
            retry_after = _header_seconds(response.headers.get("Retry-After"))
        code = _number(body.get("error_code"))
        raise ZaloApiError(
            method,
            int(code) if code is not None else response.status_code,
            str(body.get("description") or ""),
            http_status=response.status_code,
            retry_after=retry_after,
        )

    async def get_update(self, poll_seconds: float = DEFAULT_POLL_TIMEOUT) -> dict[str, Any] | None:
        """Long-poll for ONE update; ``None`` when the poll ended idle (error 408)."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": poll_seconds}, read_seconds=poll_seconds + self._timeout
            )
        except ZaloApiError as error:
            if error.error_code == IDLE_ERROR_CODE:
                return None
            raise
        if result is None or result == {}:
            return None
        if isinstance(result, list):  # defensive: a Telegram-like list, should it ever come
            raise ZaloApiError("getUpdates", 0, "a list of updates where one was expected")
        if not isinstance(result, dict):
            raise ZaloApiError("getUpdates", 0, "an update that is not an object")
        return result

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        return _result_object(await self.call("sendMessage", {"chat_id": chat_id, "text": text}))

    async def send_photo(
        self, chat_id: str, photo_url: str, caption: str | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return _result_object(await self.call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def get_me(self) -> dict[str, Any]:
        return _result_object(await self.call("getMe"))

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        return _result_object(
            await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        )

    async def delete_webhook(self) -> dict[str, Any]:
        return _result_object(await self.call("deleteWebhook"))

    async def get_webhook_info(self) -> dict[str, Any]:
        return _result_object(await self.call("getWebhookInfo"))


def _result_object(result: Any) -> dict[str, Any]:
    return dict(result) if isinstance(result, dict) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None


def _header_seconds(value: str | None) -> float | None:
    return _number(value) if value else None


def delivery_error(error: Exception, client: ZaloClient | None = None) -> DeliveryError:
    """Map a client failure onto the neutral delivery errors the scheduler understands."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, ZaloApiError):
        code = error.error_code
        if code == 429 or error.http_status == 429:
            return RetryLater(error.retry_after or DEFAULT_RETRY_AFTER, str(error))
        if code >= 500 or error.http_status >= 500:
            return TransientError(str(error))
        return Undeliverable(str(error))
    text = f"{type(error).__name__}: {error}"
    if client is not None:
        text = client.redact(text)
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransientError(text)  # the request never reached the platform
    if isinstance(
        error,
        httpx.ReadTimeout
        | httpx.WriteTimeout
        | httpx.ReadError
        | httpx.WriteError
        | httpx.RemoteProtocolError,
    ):
        return OutcomeUnknown(text)  # it may have arrived: a retry could send twice
    if isinstance(error, httpx.HTTPError):
        return TransientError(text)
    raise error


class PartialDelivery(OutcomeUnknown):
    """A reply split into several messages failed after some of them were delivered."""

    def __init__(self, message_ids: list[str], cause: DeliveryError) -> None:
        super().__init__(f"{len(message_ids)} part(s) delivered, then: {cause}")
        self.message_ids = message_ids
        self.cause = cause


# -- rendering a neutral reply ----------------------------------------------------------------


def is_undo_choice(choice: Choice) -> bool:
    """Whether a choice is the "undo what I just recorded" button."""
    payload = choice.payload.casefold()
    return payload.startswith("undo") or payload.split(":", 1)[0] in ("undo", "revert", "huy")


@dataclass(frozen=True)
class Outgoing:
    """One platform call: a text message or a photo by URL."""

    kind: Literal["text", "photo"]
    text: str = ""
    url: str = ""
    reply_index: int = 0


@dataclass
class Menu:
    """What a chat can answer by number (or with HUỶ) to the bot's latest messages."""

    payloads: list[str] = field(default_factory=list)
    undo: str | None = None

    def to_data(self, at: datetime) -> dict[str, Any]:
        return {"payloads": list(self.payloads), "undo": self.undo, "at": at.isoformat()}


@dataclass(frozen=True)
class Rendered:
    outgoing: list[Outgoing]
    menu: Menu


class PublicFiles:
    """Saves generated files where the public base URL serves them, under unguessable names."""

    def __init__(self, directory: Path, base_url: str) -> None:
        self.directory = directory
        self.base_url = base_url.rstrip("/")

    def publish(self, filename: str, content: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        suffix = Path(filename).suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
            suffix = ""
        name = f"{secrets.token_urlsafe(24)}{suffix}"
        (self.directory / name).write_bytes(content)
        return f"{self.base_url}/{name}"


def render_replies(replies: Sequence[Reply], t: Translator, public: PublicFiles | None) -> Rendered:
    """Turn neutral replies into Zalo calls; choices are numbered across the whole batch."""
    _ = t.gettext
    outgoing: list[Outgoing] = []
    menu = Menu()
    for index, reply in enumerate(replies):
        body = reply.text.strip()
        numbered = [choice for choice in reply.choices if not is_undo_choice(choice)]
        undo = [choice for choice in reply.choices if is_undo_choice(choice)]
        if numbered:
            first = len(menu.payloads) + 1
            lines = []
            for choice in numbered:
                menu.payloads.append(choice.payload)
                lines.append(f"{len(menu.payloads)}. {choice.label}")
            last = len(menu.payloads)
            hint = (
                _("Reply with the number {number}.").format(number=first)
                if first == last
                else _("Reply with a number from {first} to {last}.").format(first=first, last=last)
            )
            body = "\n\n".join(part for part in (body, "\n".join(lines), hint) if part)
        if undo:
            menu.undo = undo[-1].payload
            if "huy" not in fold(body).split():  # the handlers may already say "type HUỶ"
                body = "\n\n".join(part for part in (body, _("To undo, type HUỶ.")) if part)
        photo_url = ""
        if reply.attachment is not None:
            attachment = reply.attachment
            if public is not None:
                url = public.publish(attachment.filename, attachment.content)
                if attachment.kind == "photo":
                    photo_url = url
                else:
                    link = _("Download {filename}: {url}").format(
                        filename=attachment.filename, url=url
                    )
                    body = "\n\n".join(part for part in (body, link) if part)
            else:
                if attachment.kind == "photo":  # a chart: the digest text goes with it
                    note = _(
                        "The file {filename} cannot be sent on Zalo: get it on Telegram "
                        "or from the planbot command line."
                    )
                else:  # a report document: point to the same digest as text, on Zalo
                    note = _(
                        "The file {filename} cannot be sent on Zalo: type /tonghop for the "
                        "digest as text, or get the file on Telegram or from the planbot "
                        "command line."
                    )
                note = note.format(filename=attachment.filename)
                body = "\n\n".join(part for part in (body, note) if part)
        outgoing.extend(
            Outgoing("text", part, reply_index=index) for part in split_text(body, MAX_TEXT)
        )
        if photo_url:
            outgoing.append(Outgoing("photo", url=photo_url, reply_index=index))
    return Rendered(outgoing, menu)


# -- per-chat menu state ----------------------------------------------------------------------


class MenuStore:
    """The numbered choices (and pending undo) of the bot's latest messages in each chat.

    Kept in the ``conversation`` table under the channel name ``zalo#menu`` so that it survives
    a restart and stays apart from the handlers' own conversation state for the chat. Every send
    to a chat replaces it: a number answers only the latest menu, HUỶ only the latest undo.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def remember(self, chat_id: str, menu: Menu) -> None:
        now = self._clock.now()
        with self._db.write() as session:
            row = session.get(Conversation, (MENU_CHANNEL, chat_id))
            if row is None:
                if not menu.payloads and menu.undo is None:
                    return
                row = Conversation(channel=MENU_CHANNEL, chat_id=chat_id, updated_at=now)
            row.state = "menu" if (menu.payloads or menu.undo) else ""
            row.data = menu.to_data(now)
            row.updated_at = now
            session.add(row)

    def current(self, chat_id: str) -> Menu:
        with self._db.session() as session:
            row = session.get(Conversation, (MENU_CHANNEL, chat_id))
            if row is None or not row.state:
                return Menu()
            if self._clock.now() - row.updated_at > MENU_LIFETIME:
                return Menu()
            data = dict(row.data)
        payloads = [str(p) for p in data.get("payloads") or []]
        undo = data.get("undo")
        return Menu(payloads, str(undo) if undo else None)


# -- updates ----------------------------------------------------------------------------------

_EVENT_MEDIA: dict[str, Media] = {
    "message.image.received": "photo",
    "message.sticker.received": "sticker",
    "message.unsupported.received": "other",
}
_NUMBER = re.compile(r"\s*(\d{1,3})\s*[.)]?\s*")
_UNDO_WORDS = frozenset({"huy", "/huy", "huy bo"})
_REGISTER_WORDS = frozenset({"start", "dangky", "dang ky"})


def unwrap_webhook_body(body: Any) -> dict[str, Any] | None:
    """The update inside a webhook body: wrapped in ``{ok, result}`` or flat."""
    if not isinstance(body, dict):
        return None
    result = body.get("result")
    if "message" not in body and isinstance(result, dict):
        return result
    return body


def parse_update(
    update: dict[str, Any], clock: Clock, bot_name: str | None = None
) -> Incoming | None:
    """A Zalo update as the neutral :class:`Incoming`; ``None`` for what carries no message."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
    assert isinstance(sender, dict)
    assert isinstance(chat, dict)
    chat_id = _id(chat.get("id")) or _id(sender.get("id"))
    user_id = _id(sender.get("id")) or chat_id
    if not chat_id or not user_id or sender.get("is_bot") is True:
        return None
    event = str(update.get("event_name") or "")
    media: Media | None = _EVENT_MEDIA.get(event)
    text_value = message.get("text")
    if media is None and not event:  # an update without event_name: infer from its content
        if message.get("photo_url") or message.get("photo"):
            media = "photo"
        elif message.get("sticker"):
            media = "sticker"
    if media == "photo":
        text_value = message.get("caption") or text_value
    text = text_value if isinstance(text_value, str) and text_value.strip() else None
    if media is None and text is None:
        media = "other"  # an event we do not read (file, link, voice...): not a text message
    chat_type: ChatType = (
        "group" if str(chat.get("chat_type", "")).upper() == "GROUP" else "private"
    )
    if text is not None and chat_type == "group":
        text = _strip_mention(text, bot_name)
    display_name = str(
        sender.get("display_name") or sender.get("name") or sender.get("first_name") or ""
    )
    extra: dict[str, Any] = {"event_name": event} if event else {}
    if media == "photo":
        extra["photo_url"] = str(message.get("photo_url") or message.get("photo") or "")
    return Incoming(
        channel=CHANNEL,
        chat_id=chat_id,
        user_id=user_id,
        display_name=display_name,
        received_at=_message_time(message.get("date"), clock),
        text=text,
        message_id=_id(message.get("message_id")) or None,
        chat_type=chat_type,
        # Only @mentions of the bot reach it in a group: every group message is addressed.
        addressed=True,
        media=media,
        extra=extra,
    )


def _id(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()


def _message_time(value: Any, clock: Clock) -> datetime:
    number = _number(value)
    if number is None or number <= 0:
        return clock.now()
    seconds = number / 1000 if number > 10_000_000_000 else number
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return clock.now()


def _strip_mention(text: str, bot_name: str | None) -> str:
    """A group message without the leading @mention of the bot (only mentions reach it)."""
    stripped = text.lstrip()
    if not stripped.startswith("@"):
        return text
    if bot_name:
        mention = f"@{bot_name}"
        if stripped.casefold().startswith(mention.casefold()):
            rest = stripped[len(mention) :].lstrip(" ,:")
            return rest or text
    command = stripped.find(" /")  # "@Any Name /nhiemvu": the command starts the message
    if command > 0:
        return stripped[command + 1 :]
    return text


def resolve_typed_answer(incoming: Incoming, menu: Menu) -> Incoming:
    """Turn what buttons would have sent back into the payload: "2", "HUỶ", "dangky CODE"."""
    text = incoming.text
    if text is None:
        return incoming
    number = _NUMBER.fullmatch(text)
    if number is not None and menu.payloads:
        index = int(number.group(1))
        if 1 <= index <= len(menu.payloads):
            return _as_payload(incoming, menu.payloads[index - 1])
    if menu.undo and fold(text) in _UNDO_WORDS:
        return _as_payload(incoming, menu.undo)
    words = text.split()
    if len(words) >= 2 and fold(" ".join(words[:-1])) in _REGISTER_WORDS:
        return _replace_text(incoming, f"/start {words[-1]}")
    return incoming


def _as_payload(incoming: Incoming, payload: str) -> Incoming:
    return replace(
        incoming,
        text=None,
        payload=payload,
        media=None,
        extra={**incoming.extra, "typed": incoming.text},
    )


def _replace_text(incoming: Incoming, text: str) -> Incoming:
    return replace(incoming, text=text, extra={**incoming.extra, "typed": incoming.text})


# -- the channel (sending) --------------------------------------------------------------------


class ZaloChannel:
    """Sends neutral replies over Zalo; implements :class:`bot.messages.Channel`."""

    def __init__(
        self,
        client: ZaloClient,
        db: Database,
        clock: Clock,
        *,
        locale: str = "vi",
        public: PublicFiles | None = None,
    ) -> None:
        self.client = client
        self.menus = MenuStore(db, clock)
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
        rendered = self.render(chat_id, replies)
        per_reply = await self.send_rendered(chat_id, rendered, len(replies))
        return [message_id for ids in per_reply for message_id in ids]

    def render(self, chat_id: str, replies: Sequence[Reply]) -> Rendered:
        return render_replies(replies, self._translator(chat_id), self._public)

    def _translator(self, chat_id: str) -> Translator:
        """The language of the chat's registered user (set with /lang), else the default."""
        with self._db.session() as session:
            language = session.exec(
                select(User.language).where(
                    col(User.channel) == CHANNEL,
                    col(User.chat_id) == chat_id,
                    col(User.active).is_(True),
                )
            ).first()
        return translator(language or self._locale)

    async def send_rendered(self, chat_id: str, rendered: Rendered, count: int) -> list[list[str]]:
        """Send rendered replies; the message ids of each of the ``count`` replies."""
        per_reply: list[list[str]] = [[] for _ in range(count)]
        sent: list[str] = []
        for item in rendered.outgoing:
            try:
                if item.kind == "photo":
                    result = await self.client.send_photo(chat_id, item.url)
                else:
                    result = await self.client.send_message(chat_id, item.text)
            except (ZaloApiError, httpx.HTTPError) as error:
                mapped = delivery_error(error, self.client)
                if sent:
                    self.menus.remember(chat_id, rendered.menu)
                    raise PartialDelivery(sent, mapped) from error
                raise mapped from error
            message_id = _id(result.get("message_id"))
            if message_id:
                sent.append(message_id)
                per_reply[item.reply_index].append(message_id)
        self.menus.remember(chat_id, rendered.menu)
        return per_reply


# -- receiving: de-duplication, handling, polling, webhook ------------------------------------


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
        incoming = resolve_typed_answer(incoming, self.channel.menus.current(incoming.chat_id))
        try:
            replies = await self._handle(incoming)
        except Exception:
            self._unclaim(incoming)
            raise
        if not replies:
            return []
        return await self._answer(incoming.chat_id, replies)

    async def _answer(self, chat_id: str, replies: list[Reply]) -> list[str]:
        """Send the replies; a failure before the platform got them is retried (twice)."""
        rendered = self.channel.render(chat_id, replies)
        for attempt in range(INTERACTIVE_RETRIES + 1):
            try:
                per_reply = await self.channel.send_rendered(chat_id, rendered, len(replies))
            except PartialDelivery as error:
                log.warning("Zalo reply partly delivered to %s: %s", chat_id, error)
                return error.message_ids
            except (RetryLater, TransientError) as error:
                if attempt == INTERACTIVE_RETRIES:
                    log.warning("Zalo reply to %s not delivered: %s", chat_id, error)
                    return []
                wait = error.retry_after if isinstance(error, RetryLater) else 0.2 * (attempt + 1)
                await asyncio.sleep(min(wait, MAX_INTERACTIVE_WAIT))
                continue
            except DeliveryError as error:  # refused, or no answer (a retry could double)
                log.warning("Zalo reply to %s not delivered: %s", chat_id, error)
                return []
            now = self._clock.now()
            for reply, ids in zip(replies, per_reply, strict=True):
                if ids and reply.context:
                    record_sent(self._db, CHANNEL, chat_id, ids, reply.context, now)
            return [message_id for ids in per_reply for message_id in ids]
        return []

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
        from aiohttp import web

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


# -- wiring -----------------------------------------------------------------------------------


def public_files(settings: Settings) -> PublicFiles | None:
    if settings.public_base_url is None:
        return None
    return PublicFiles(settings.data_dir / "public", str(settings.public_base_url))


def build_channel(
    settings: Settings, db: Database | None = None, clock: Clock | None = None
) -> ZaloChannel | None:
    """The Zalo channel for scheduled sends, or ``None`` without a token.

    Without ``db`` / ``clock`` (``bot.cli.schedule.build_channels`` only has the settings) it
    opens the configured database and uses the system clock, to keep each chat's menu current.
    """
    if settings.zalo_token is None:
        return None
    if db is None:
        db = Database(settings.resolved_database_url)
    if clock is None:
        clock = SystemClock(settings.tz)
    client = ZaloClient(settings.zalo_token.get_secret_value(), settings.zalo_api_url)
    return ZaloChannel(client, db, clock, locale=settings.locale, public=public_files(settings))


def build_bot(services: Services, handle: Handle, channel: ZaloChannel | None = None) -> ZaloBot:
    """A receiving bot for ``planbot run`` (raises without PLANBOT_ZALO_TOKEN)."""
    settings = services.settings
    channel = channel or build_channel(settings, services.db, services.clock)
    if channel is None:
        raise ValueError("PLANBOT_ZALO_TOKEN is not set")
    return ZaloBot(channel, handle, services.db, services.clock)


class ZaloStartError(ValueError):
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
    from aiohttp import web

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

    def __init__(self, services: Services, handle: Handle | None = None) -> None:
        if handle is None:
            from handlers import ChatHandlers

            handle = ChatHandlers(services).handle
        channel = build_channel(services.settings, services.db, services.clock)
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


async def run_zalo_only(services: Services) -> None:
    """``planbot run`` without Telegram: Zalo and the reminder scheduler until SIGINT/SIGTERM."""
    import signal

    from handlers.secretariat import install_scheduled
    from scheduler.runner import SchedulerRunner

    zalo = ZaloService(services)
    runner = SchedulerRunner(services, {zalo.channel.name: zalo.channel})
    install_scheduled(runner)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await zalo.start()
    await runner.start()
    try:
        await stop.wait()
    finally:
        await runner.shutdown()
        await zalo.stop()


def invite_instruction(code: str, t: Translator) -> str:
    """What to tell a person invited on Zalo (there is no deep link with a payload)."""
    return t.gettext(
        "Open Zalo, find the planbot Zalo bot and send it this message: dangky {code}"
    ).format(code=code)
