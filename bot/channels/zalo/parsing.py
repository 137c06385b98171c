"""Reading Zalo updates: the webhook body, the neutral :class:`Incoming`, typed registration."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.channels.zalo.client import number
from bot.channels.zalo.platform import CHANNEL
from bot.clock import Clock
from bot.messages import ChatType, Incoming, Media
from bot.text import fold

__all__ = ["parse_update", "platform_id", "resolve_typed_answer", "unwrap_webhook_body"]


_EVENT_MEDIA: dict[str, Media] = {
    "message.image.received": "photo",
    "message.sticker.received": "sticker",
    "message.unsupported.received": "other",
}
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
    chat_id = platform_id(chat.get("id")) or platform_id(sender.get("id"))
    user_id = platform_id(sender.get("id")) or chat_id
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
        message_id=platform_id(message.get("message_id")) or None,
        chat_type=chat_type,
        # Only @mentions of the bot reach it in a group: every group message is addressed.
        addressed=True,
        media=media,
        extra=extra,
    )


def platform_id(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()


def _message_time(value: Any, clock: Clock) -> datetime:
    stamp = number(value)
    if stamp is None or stamp <= 0:
        return clock.now()
    seconds = stamp / 1000 if stamp > 10_000_000_000 else stamp
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


def resolve_typed_answer(incoming: Incoming) -> Incoming:
    """What a deep link would have carried on Telegram: "dangky CODE" is passed on as "/start CODE".

    A typed number or HUỶ is left as it is: the handlers read it against the chat's
    conversation state, the one place that remembers the numbered choices.
    """
    text = incoming.text
    if text is None:
        return incoming
    words = text.split()
    if len(words) >= 2 and fold(" ".join(words[:-1])) in _REGISTER_WORDS:
        return replace(
            incoming, text=f"/start {words[-1]}", extra={**incoming.extra, "typed": text}
        )
    return incoming
