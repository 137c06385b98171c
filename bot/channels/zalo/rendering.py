"""Rendering neutral replies for Zalo, which has no buttons, edits or documents.

- choices become a numbered list plus a hint, numbered across the whole batch as
  :func:`bot.messages.numbered_choices` does (the handlers remember the same numbers in the
  chat's conversation state and read a typed number back: the channel keeps no menu of its own);
- an undo choice becomes "gõ HUỶ" (the handlers read a typed HUỶ as undo);
- long text is split at 2,000 characters on line breaks;
- an attachment becomes a link (photos: ``sendPhoto`` with the URL) when a public base URL is
  configured, otherwise a note that the file is on Telegram / the command line (for a report
  document: and that /tonghop gives the digest as text, on Zalo);
- ``edit_message_id`` sends a new message.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.channels.zalo.platform import MAX_TEXT
from bot.i18n import Translator
from bot.messages import Attachment, Reply, is_undo_choice
from bot.text import fold, split_text

__all__ = ["Outgoing", "PublicFiles", "render_replies"]


@dataclass(frozen=True)
class Outgoing:
    """One platform call: a text message or a photo by URL."""

    kind: Literal["text", "photo"]
    text: str = ""
    url: str = ""
    reply_index: int = 0


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


def render_replies(
    replies: Sequence[Reply], t: Translator, public: PublicFiles | None
) -> list[Outgoing]:
    """Turn neutral replies into Zalo calls; choices are numbered across the whole batch."""
    outgoing: list[Outgoing] = []
    numbered = 0
    for index, reply in enumerate(replies):
        body, numbered = _with_choices(reply, reply.text.strip(), numbered, t)
        photo_url = ""
        if reply.attachment is not None:
            body, photo_url = _with_attachment(reply.attachment, body, t, public)
        outgoing.extend(
            Outgoing("text", part, reply_index=index) for part in split_text(body, MAX_TEXT)
        )
        if photo_url:
            outgoing.append(Outgoing("photo", url=photo_url, reply_index=index))
    return outgoing


def _join(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _with_choices(reply: Reply, body: str, numbered: int, t: Translator) -> tuple[str, int]:
    """The body with its choices as numbered lines (going on from ``numbered``) and hints."""
    _ = t.gettext
    options = [choice for choice in reply.choices if not is_undo_choice(choice)]
    if options:
        first, last = numbered + 1, numbered + len(options)
        lines = "\n".join(
            f"{number}. {choice.label}" for number, choice in enumerate(options, start=first)
        )
        hint = (
            _("Reply with the number {number}.").format(number=first)
            if first == last
            else _("Reply with a number from {first} to {last}.").format(first=first, last=last)
        )
        body = _join(body, lines, hint)
        numbered = last
    has_undo = any(is_undo_choice(choice) for choice in reply.choices)
    if has_undo and "huy" not in fold(body).split():  # the handlers may already say "type HUỶ"
        body = _join(body, _("To undo, type HUỶ."))
    return body, numbered


def _with_attachment(
    attachment: Attachment, body: str, t: Translator, public: PublicFiles | None
) -> tuple[str, str]:
    """The body with a link or a note for the file, and the URL of a photo to send."""
    _ = t.gettext
    if public is not None:
        url = public.publish(attachment.filename, attachment.content)
        if attachment.kind == "photo":
            return body, url
        link = _("Download {filename}: {url}").format(filename=attachment.filename, url=url)
        return _join(body, link), ""
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
    return _join(body, note.format(filename=attachment.filename)), ""
