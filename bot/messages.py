"""Platform-neutral messages: what comes in from a chat and what goes out to one.

Channel adapters (``bot/channels``) translate platform updates into :class:`Incoming` and send
:class:`Reply` back with the platform's own calls. Nothing here knows Telegram or Zalo.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

ChatType = Literal["private", "group"]
Media = Literal["sticker", "photo", "voice", "video", "document", "location", "other"]


@dataclass(frozen=True)
class Choice:
    """A button (Telegram) or a numbered option (Zalo). ``payload`` fits in 64 bytes."""

    label: str
    payload: str


@dataclass(frozen=True)
class Attachment:
    """A generated file: a report document or a chart picture."""

    filename: str
    content: bytes
    mime_type: str
    kind: Literal["document", "photo"] = "document"


@dataclass(frozen=True)
class Reply:
    """One message to send.

    ``context`` says what the message is about (e.g. the task list, a reminder for a round, a
    confirmation of update 42); it is stored with the sent message id so that a later reply to
    this message can be understood. ``undo_hint`` asks channels without buttons to print how to
    undo (e.g. "gõ HUỶ").
    """

    text: str
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None
    context: dict[str, Any] | None = None
    edit_message_id: str | None = None


def is_undo_choice(choice: Choice) -> bool:
    """Whether a choice is the "undo what I just recorded" button (typed as HUỶ without buttons)."""
    payload = choice.payload.casefold()
    return payload.startswith("undo") or payload.split(":", 1)[0] in ("undo", "revert", "huy")


def numbered_choices(replies: Sequence[Reply]) -> list[Choice]:
    """The options of a batch of replies that a user can answer by typing their number.

    Every choice but undo, in order across the batch, numbered from 1: channels without buttons
    print these numbers, and the handlers remember exactly this list to read a typed number back.
    """
    return [choice for reply in replies for choice in reply.choices if not is_undo_choice(choice)]


@dataclass(frozen=True)
class IncomingDocument:
    """A file someone sent: its name, type and size as the platform states them, and how to
    download its bytes (``fetch``, bound by the channel adapter; called only when wanted)."""

    filename: str
    mime_type: str | None
    size: int | None
    fetch: Callable[[], Awaitable[bytes]] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Incoming:
    """One message or button press from a chat, as the handlers see it."""

    channel: str
    chat_id: str
    user_id: str
    display_name: str
    received_at: datetime
    text: str | None = None
    message_id: str | None = None
    reply_to_message_id: str | None = None
    payload: str | None = None
    language: str | None = None
    chat_type: ChatType = "private"
    addressed: bool = True
    media: Media | None = None
    document: IncomingDocument | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ChannelStartError(Exception):
    """A channel cannot start (its args[0] names the problem: "token", "network"...)."""


class SettingToFix(Exception):
    """A part of ``planbot run`` cannot start until the operator changes a setting; the message
    says which, in one line (Zalo's token or webhook secret, the web's port). A base of its own
    here so that ``planbot run`` can catch it without importing the parts it did not start."""


class DeliveryError(Exception):
    """A message could not be delivered."""


class RetryLater(DeliveryError):
    """The platform asked to slow down (Telegram 429): nothing may be sent before ``retry_after``."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        super().__init__(message or f"retry after {retry_after} s")
        self.retry_after = retry_after


class TransientError(DeliveryError):
    """The request failed before it reached the platform (or the platform failed): retry."""


class OutcomeUnknown(DeliveryError):
    """The request left but no answer came (timed out): retrying may deliver twice."""


class Undeliverable(DeliveryError):
    """The platform refused for good (blocked by the user, chat gone, bad request)."""


class ChatMoved(Undeliverable):
    """The chat has a new id (a Telegram group upgraded to a supergroup): nothing was sent;
    send to ``new_chat_id`` instead, and store the new id wherever the old one is kept."""

    def __init__(self, new_chat_id: str, message: str = "") -> None:
        super().__init__(message or f"the chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Channel(Protocol):
    """What the core needs from a messaging platform to send on its own initiative."""

    @property
    def name(self) -> str: ...

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
        """Send one reply (split as the platform needs); return the platform message ids."""
        ...
