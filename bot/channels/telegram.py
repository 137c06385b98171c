"""The Telegram channel: python-telegram-bot's Application in, neutral messages to the handlers.

Wiring follows PTB's own examples: ``ApplicationBuilder`` (base URL from settings, the token,
a rate limiter), ``MessageHandler``/``CallbackQueryHandler`` (commands are text too), ONE error
handler, and a typed context (``PlanbotContext``) that carries the services and the chat
handlers (as in ``examples/contexttypesbot.py``). Text is sent without ``parse_mode`` so what a
user typed is echoed verbatim, never interpreted as markup. Scheduled sends go through
:class:`TelegramChannel`, which maps PTB's errors to the core's delivery errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import warnings
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

# PTB 22 announces that durations such as RetryAfter.retry_after become timedelta objects and
# warns on every access unless the new behaviour is chosen; choose it (read at call time).
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.channels.telegram_limiter import PacedRateLimiter
from bot.chats import migrate_chat
from bot.delivery import answer, record_replies
from bot.i18n import DEFAULT_LOCALE, N_, SUPPORTED_LOCALES, translator
from bot.messages import (
    ChannelStartError,
    ChatMoved,
    ChatType,
    DeliveryError,
    Incoming,
    IncomingDocument,
    Media,
    OutcomeUnknown,
    Reply,
    RetryLater,
    TransientError,
    Undeliverable,
)
from bot.text import split_text
from handlers import ChatHandlers
from scheduler.pacing import TELEGRAM, Pacer

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.config import Settings

__all__ = [
    "CHANNEL",
    "MAX_MESSAGE",
    "BotData",
    "PlanbotContext",
    "TelegramChannel",
    "build_application",
    "build_channel",
    "send_reply",
    "split_text",
    "to_incoming",
]

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_MESSAGE = 4096
MAX_CAPTION = 1024
# The command menu Telegram clients show, per language: (command in Vietnamese, in English,
# description). Every command also reaches the handlers as text (MessageHandler(filters.TEXT)).
MENU: tuple[tuple[str, str, str], ...] = (
    ("nhiemvu", "tasks", N_("Your unit's tasks and their status")),
    ("capnhat", "update", N_("Report progress: /update 2.2 what was done")),
    ("han", "deadline", N_("The next reporting deadline")),
    ("huy", "undo", N_("Undo the update just sent (within 10 minutes)")),
    ("help", "help", N_("How to use planbot")),
)


class BotData:
    """``context.bot_data``: the services and the chat handlers, set once after building."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.chat: ChatHandlers | None = None


class PlanbotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The typed context handed to every callback."""

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("the application was built without services")
        return services

    @property
    def chat(self) -> ChatHandlers:
        chat = self.bot_data.chat
        if chat is None:
            raise RuntimeError("the application was built without chat handlers")
        return chat


PlanbotApplication = Application[
    ExtBot[None], PlanbotContext, dict[Any, Any], dict[Any, Any], BotData, Any
]


# ---------------------------------------------------------------------------- text and markup


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(choice.label, callback_data=choice.payload)]
            for choice in reply.choices
        ]
    )


async def send_reply(
    bot: Bot, chat_id: str, reply: Reply, *, sent: list[str] | None = None
) -> list[str]:
    """Send one neutral reply with Bot API calls; return the message ids it produced.

    ``sent`` (when given) collects the ids as they come, so a caller learns which pieces of a
    split reply were accepted before a failure."""
    markup = _markup(reply)
    if reply.edit_message_id is not None:
        try:
            await bot.edit_message_text(
                text=reply.text[:MAX_MESSAGE],
                chat_id=chat_id,
                message_id=int(reply.edit_message_id),
                reply_markup=markup,
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
        return [reply.edit_message_id]
    ids: list[str] = sent if sent is not None else []
    attachment = reply.attachment
    caption: str | None = None
    text_pieces = split_text(reply.text, MAX_MESSAGE) if reply.text else []
    if attachment is not None and len(reply.text) <= MAX_CAPTION:
        caption, text_pieces = reply.text or None, []
    for index, piece in enumerate(text_pieces):
        last = index == len(text_pieces) - 1 and attachment is None
        message = await bot.send_message(
            chat_id=chat_id, text=piece, reply_markup=markup if last else None
        )
        ids.append(str(message.message_id))
    if attachment is not None:
        upload = InputFile(attachment.content, filename=attachment.filename)
        uploaded: Message
        if attachment.kind == "photo":
            uploaded = await bot.send_photo(
                chat_id=chat_id, photo=upload, caption=caption, reply_markup=markup
            )
        else:
            uploaded = await bot.send_document(
                chat_id=chat_id, document=upload, caption=caption, reply_markup=markup
            )
        ids.append(str(uploaded.message_id))
    return ids


# ---------------------------------------------------------------------------- updates in


def _media_of(message: Message) -> Media:
    if message.sticker is not None:
        return "sticker"
    if message.photo:
        return "photo"
    if message.voice is not None or message.audio is not None:
        return "voice"
    if message.video is not None or message.video_note is not None or message.animation:
        return "video"
    if message.document is not None:
        return "document"
    if message.location is not None or message.venue is not None:
        return "location"
    return "other"


def _document_of(message: Message) -> IncomingDocument | None:
    """The file of a document message, downloaded only if a handler asks for it."""
    document = message.document
    if document is None:
        return None

    async def fetch() -> bytes:
        file = await document.get_file()
        return bytes(await file.download_as_bytearray())

    return IncomingDocument(
        filename=document.file_name or "",
        mime_type=document.mime_type,
        size=document.file_size,
        fetch=fetch,
    )


def to_incoming(update: Update, bot_id: int, bot_username: str | None) -> Incoming | None:
    """The neutral form of a message or button press (None for anything else)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return None
    chat_type: ChatType = "private" if chat.type == "private" else "group"
    query = update.callback_query
    if query is not None:
        message_id = None
        if isinstance(query.message, Message):
            message_id = str(query.message.message_id)
        return Incoming(
            channel=CHANNEL,
            chat_id=str(chat.id),
            user_id=str(user.id),
            display_name=user.full_name,
            received_at=(query.message.date if query.message is not None else None) or _epoch(),
            message_id=message_id,
            payload=query.data,
            language=user.language_code,
            chat_type=chat_type,
            addressed=True,
        )
    message = update.message
    if message is None:
        return None
    text = message.text
    addressed = chat_type == "private"
    replied = message.reply_to_message
    if not addressed:
        mention = f"@{bot_username}" if bot_username else None
        if text and mention and mention.lower() in text.lower():
            addressed = True
            start = text.lower().index(mention.lower())
            text = (text[:start] + text[start + len(mention) :]).strip()
        elif text and text.startswith("/"):
            # "/nhiemvu" is for every bot of the group, "/nhiemvu@other_bot" for another one.
            addressed = "@" not in text.split(maxsplit=1)[0]
        elif replied is not None and replied.from_user is not None:
            addressed = replied.from_user.id == bot_id
    media: Media | None = None
    if text is None:
        media = _media_of(message)
    return Incoming(
        document=_document_of(message),
        channel=CHANNEL,
        chat_id=str(chat.id),
        user_id=str(user.id),
        display_name=user.full_name,
        received_at=message.date,
        text=text,
        message_id=str(message.message_id),
        reply_to_message_id=str(replied.message_id) if replied is not None else None,
        language=user.language_code,
        chat_type=chat_type,
        addressed=addressed,
        media=media,
    )


def _epoch() -> datetime:
    return datetime.fromtimestamp(0, UTC)


# ---------------------------------------------------------------------------- callbacks


async def _answer(update: Update, context: PlanbotContext) -> None:
    incoming = to_incoming(update, context.bot.id, context.bot.username)
    if incoming is None:
        return
    replies = await context.chat.handle(incoming)
    services = context.services
    channel = TelegramChannel(context.bot)
    for reply in replies:
        ids = await _send_interactive(channel, incoming.chat_id, reply, services)
        await record_replies(
            services.db,
            CHANNEL,
            incoming.chat_id,
            [(reply, ids)],
            services.clock.now(),
            edits_in_place=True,
        )


async def _send_interactive(
    channel: TelegramChannel, chat_id: str, reply: Reply, services: Services | None = None
) -> list[str]:
    """Send an answer under the interactive retry policy (:func:`bot.delivery.answer`): a
    failure known to have sent nothing is retried; an answer that may have arrived is not, so
    the user never gets it twice; a refusal is logged. A group that became a supergroup is
    followed once."""
    try:
        return await answer(lambda: channel.send(chat_id, reply))
    except PartlySent as error:
        log.warning("a long reply to chat %s was sent in part: %s", chat_id, error)
        return error.message_ids
    except ChatMoved as moved:
        if services is None:
            log.warning("a reply to chat %s could not be sent: %s", chat_id, moved)
            return []
        await asyncio.to_thread(migrate_chat, services.db, CHANNEL, chat_id, moved.new_chat_id)
        return await _send_interactive(channel, moved.new_chat_id, reply)
    except OutcomeUnknown as error:
        log.warning("a reply to chat %s may not have arrived (%s); not resent", chat_id, error)
    except Undeliverable as error:
        log.warning("Telegram refused a reply to chat %s: %s", chat_id, error)
    except DeliveryError as error:
        log.warning("a reply to chat %s could not be sent: %s", chat_id, error)
    return []


async def on_message(update: Update, context: PlanbotContext) -> None:
    """Every text message, command and media message."""
    await _answer(update, context)


async def on_callback(update: Update, context: PlanbotContext) -> None:
    """A button press: answer the callback query first (Telegram requires it), then act."""
    query = update.callback_query
    if query is not None:
        try:
            await query.answer()
        except TelegramError:
            log.warning("could not answer a callback query", exc_info=True)
    await _answer(update, context)


async def on_error(update: object, context: PlanbotContext) -> None:
    """The one error handler: log with the exception (the log filter hides the token)."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)


# ---------------------------------------------------------------------------- application


def build_application(
    services: Services,
    chat: ChatHandlers | None = None,
    *,
    token: str | None = None,
    api_url: str | None = None,
    rate_limiter: bool = True,
    request_timeout: float = 10.0,
    post_init: Callable[[PlanbotApplication], Coroutine[Any, Any, None]] | None = None,
    post_shutdown: Callable[[PlanbotApplication], Coroutine[Any, Any, None]] | None = None,
) -> PlanbotApplication:
    """The PTB application wired to the chat handlers (not started)."""
    settings = services.settings
    if token is None:
        if settings.telegram_token is None:
            raise ValueError("no Telegram token")
        token = settings.telegram_token.get_secret_value()
    root = (api_url or settings.telegram_api_url).rstrip("/")
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .context_types(ContextTypes(context=PlanbotContext, bot_data=BotData))
        .connect_timeout(request_timeout)
        .read_timeout(request_timeout)
        .write_timeout(request_timeout)
        .pool_timeout(request_timeout)
    )
    if rate_limiter:
        # Sliding windows judged like Telegram does, not PTB's leaky bucket (telegram_limiter.py).
        builder = builder.rate_limiter(PacedRateLimiter())  # type: ignore[arg-type]
    if post_init is not None:
        builder = builder.post_init(post_init)
    if post_shutdown is not None:
        builder = builder.post_shutdown(post_shutdown)
    application: PlanbotApplication = builder.build()
    application.bot_data.services = services
    application.bot_data.chat = chat or ChatHandlers(services)
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, on_message))
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_message
        )
    )
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_error_handler(on_error)
    return application


def menu_commands(locale: str) -> list[BotCommand]:
    """The command menu in one language, from the catalogs."""
    t = translator(locale)
    return [
        BotCommand(vietnamese if t.locale == "vi" else english, t.gettext(description))
        for vietnamese, english, description in MENU
    ]


async def set_menu(bot: Bot, default_locale: str = DEFAULT_LOCALE) -> None:
    """The command menu of every supported language, and the default for other languages."""
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(menu_commands(locale), language_code=locale)
    await bot.set_my_commands(menu_commands(default_locale))


# ---------------------------------------------------------------------------- outcomes

# httpx errors raised before any byte of the request was written: nothing reached Telegram.
_NOT_SENT: tuple[type[BaseException], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
    httpx.LocalProtocolError,
)


class PartlySent(OutcomeUnknown):
    """A long reply was split and only its first pieces were accepted (their ids kept)."""

    def __init__(self, message: str, message_ids: list[str]) -> None:
        super().__init__(message)
        self.message_ids = message_ids


def _transport_cause(error: BaseException) -> BaseException | None:
    """The transport exception (httpx's) PTB wrapped, if the failure was in the transport.

    PTB raises ``TimedOut``/``NetworkError`` directly ``from`` the httpx error; an error
    answer (a status code, an unparsable body) is raised ``from`` another ``TelegramError`` or
    from nothing: Telegram, or a proxy in front of it, did answer."""
    cause = error.__cause__
    if cause is None or isinstance(cause, TelegramError):
        return None
    return cause


def classify(error: TelegramError) -> DeliveryError:
    """What a PTB error says about a send (DESIGN.md §5): one of the core's delivery errors.

    - accepted: no error;
    - refused for good (:class:`Undeliverable`): 400, 401, 403, 404; a group that became a
      supergroup (:class:`ChatMoved`, nothing was sent);
    - retry later: 429 (:class:`RetryLater`); a 5xx or another error answer, an HTML error page
      from a proxy, a connection refused or a pool time-out (:class:`TransientError`): Telegram
      answered that it did not take the message, or the request never left;
    - unknown (:class:`OutcomeUnknown`): the request was written and no answer came (a read or
      write time-out, the connection closed without an answer, a 200 that is not JSON).

    PTB maps every httpx time-out to ``TimedOut`` and every other transport error to
    ``NetworkError``; the httpx exception it wraps (``__cause__``) tells which side of the
    request the failure was on.
    """
    if isinstance(error, RetryAfter):
        return RetryLater(_retry_seconds(error), "Telegram flood control")
    if isinstance(error, ChatMigrated):
        return ChatMoved(str(error.new_chat_id), "the group was upgraded to a supergroup")
    if isinstance(error, (Forbidden, InvalidToken, BadRequest)):
        return Undeliverable(_describe(error))
    cause = _transport_cause(error)
    if isinstance(error, (TimedOut, NetworkError)):
        if cause is None:  # Telegram (or a proxy) answered with an error status: not taken
            return TransientError(_describe(error))
        if isinstance(cause, _NOT_SENT):
            return TransientError(f"not sent: {_describe(error)}")
        if isinstance(cause, RuntimeError) and "not initialized" in str(cause):
            return TransientError(f"not sent: {_describe(error)}")
        return OutcomeUnknown(f"sent, no answer: {_describe(error)}")
    if cause is None and "invalid server response" in str(error).lower():
        return OutcomeUnknown(f"sent, the answer was not understood: {_describe(error)}")
    return TransientError(_describe(error))


def _describe(error: TelegramError) -> str:
    cause = _transport_cause(error)
    text = f"{type(error).__name__}: {error}"
    if cause is not None and type(cause).__name__ not in text:
        text += f" ({type(cause).__name__})"
    return text


# ---------------------------------------------------------------------------- scheduled sends


def _retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    """``bot.messages.Channel`` over a PTB bot, for messages the bot sends on its own.

    The sender (the scheduler) records each message's context itself. As an async context
    manager it initialises and shuts down its bot (for a channel built by :func:`build_channel`).
    """

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        limiter = getattr(bot, "rate_limiter", None)
        # The channel's one flood limiter: the bot's own when it has one (the application's,
        # build_channel's), so the scheduler and the answers share it.
        self.pacer: Pacer = (
            limiter.pacer if isinstance(limiter, PacedRateLimiter) else TELEGRAM.pacer()
        )

    @property
    def name(self) -> str:
        return CHANNEL

    async def __aenter__(self) -> TelegramChannel:
        try:
            await self._bot.initialize()
        except InvalidToken as error:  # its text carries the token: never shown
            raise TelegramStartError("token") from error.__cause__
        except TelegramError as error:
            raise TelegramStartError("network") from error.__cause__
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._bot.shutdown()

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
        """Send; raise one of the core's delivery errors (:func:`classify`) on failure."""
        sent: list[str] = []
        try:
            return await send_reply(self._bot, chat_id, reply, sent=sent)
        except TelegramError as error:
            outcome = classify(error)
            if sent:  # the first pieces of a split reply arrived: resending would double them
                raise PartlySent(
                    f"{len(sent)} piece(s) sent, then: {outcome}", list(sent)
                ) from error
            raise outcome from error


def build_channel(
    settings: Settings, *, request_timeout: float = 10.0, pacer: Pacer | None = None
) -> TelegramChannel | None:
    """The Telegram channel for scheduled sends, when a token is configured; its one flood
    limiter is ``pacer`` (default: Telegram's limits)."""
    if settings.telegram_token is None:
        return None
    root = settings.telegram_api_url.rstrip("/")
    request = HTTPXRequest(
        connect_timeout=request_timeout,
        read_timeout=request_timeout,
        write_timeout=request_timeout,
        pool_timeout=request_timeout,
    )
    bot: ExtBot[None] = ExtBot(
        settings.telegram_token.get_secret_value(),
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=request,
        rate_limiter=PacedRateLimiter(pacer),  # type: ignore[arg-type]
    )
    return TelegramChannel(bot)


# ---------------------------------------------------------------------------- planbot run


class TelegramStartError(ChannelStartError):
    """``planbot run`` cannot start or cannot go on: one line for the operator (no token)."""


class PollingStopped(TelegramStartError):
    """Receiving stopped for good while running (Telegram refused the token on getUpdates)."""


POLLING_TASK_NAME = "Updater:start_polling:polling_task"  # the name PTB gives its polling task


async def serve(
    application: PlanbotApplication,
    *,
    on_started: Callable[[], Coroutine[Any, Any, None]],
    on_stopping: Callable[[], Coroutine[Any, Any, None]],
    webhook: dict[str, Any] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the application until SIGINT/SIGTERM (or ``stop``), then stop in order.

    Start: ``initialize`` (getMe: a refused token or an unreachable server raises
    :class:`TelegramStartError`), the command menu, ``on_started`` (the scheduler and other
    channels), then receiving (long polling, or the webhook listener when ``webhook`` gives
    ``Updater.start_webhook``'s arguments) and dispatching.

    Stop, in this order: stop receiving (the offset of what was handled is confirmed), let the
    handlers in progress finish (``Application.stop``), ``on_stopping`` (the scheduler lets its
    sends on the wire finish, then stops; the other channels stop), and only then close the
    bot's HTTP client (``Application.shutdown``). A polling loop that dies (a 401 on getUpdates:
    PTB gives up and would leave a deaf process) ends the run with :class:`PollingStopped`.
    """
    stop = stop or asyncio.Event()
    dead: list[BaseException] = []
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        try:
            await application.initialize()
        except InvalidToken as error:
            raise TelegramStartError("token") from error.__cause__
        except TelegramError as error:
            raise TelegramStartError("network") from error.__cause__
        started = False
        try:
            services = application.bot_data.services
            await set_menu(
                application.bot, services.settings.locale if services else DEFAULT_LOCALE
            )
            await on_started()
            started = True
            updater = application.updater
            assert updater is not None
            allowed = ["message", "callback_query"]
            if webhook is not None:
                await updater.start_webhook(allowed_updates=allowed, **webhook)
            else:
                await updater.start_polling(allowed_updates=allowed)
                _watch_polling(stop, dead)
            await application.start()
            await stop.wait()
        except InvalidToken as error:
            raise TelegramStartError("token") from error.__cause__
        except TelegramError as error:
            raise TelegramStartError("network") from error.__cause__
        finally:
            await _stop_in_order(application, on_stopping if started else None)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
    if dead:
        raise PollingStopped("polling") from None


def _watch_polling(stop: asyncio.Event, dead: list[BaseException]) -> None:
    """End the run when PTB's polling task ends with an error (it does not retry a 401)."""
    for task in asyncio.all_tasks():
        if task.get_name() == POLLING_TASK_NAME:

            def ended(task: asyncio.Task[Any]) -> None:
                if task.cancelled() or stop.is_set():
                    return
                error = task.exception()
                if error is not None:
                    dead.append(error)
                    log.error("receiving from Telegram stopped: %s", type(error).__name__)
                    stop.set()

            task.add_done_callback(ended)


async def _stop_in_order(
    application: PlanbotApplication,
    on_stopping: Callable[[], Coroutine[Any, Any, None]] | None,
) -> None:
    updater = application.updater
    if updater is not None and updater.running:
        try:
            await updater.stop()
        except Exception as error:  # a dead polling task re-raises here: already reported
            log.debug("stopping the updater: %s", type(error).__name__)
    if application.running:
        await application.stop()
    try:
        if on_stopping is not None:
            await on_stopping()
    finally:
        with contextlib.suppress(TelegramError):
            await application.shutdown()
