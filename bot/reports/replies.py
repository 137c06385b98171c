"""The digest and the consolidated report as chat replies: what a person asking for them and
the scheduled sending both get (:mod:`handlers.secretariat`, :mod:`scheduler.digests`).

"What changed since the last digest" is kept per chat (``chat:<channel>:<chat id>``).
"""

from __future__ import annotations

from bot.digest import Digest
from bot.i18n import Translator
from bot.messages import Attachment, Reply
from bot.models import User
from bot.reports import (
    DOCX_MIME,
    PNG_MIME,
    render_chart_png,
    render_docx,
    render_headline,
    render_text,
)
from bot.text import split_text

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "audience_of",
    "chat_audience",
    "digest_with_chart",
    "report_attachment",
]

CAPTION_LIMIT = 1024  # Telegram photo caption
TEXT_LIMIT = 4000  # below Telegram's 4096; a channel with a lower limit splits further


def chat_audience(channel: str, chat_id: str) -> str:
    return f"chat:{channel}:{chat_id}"


def audience_of(user: User) -> str:
    """The snapshot audience of a person's chat: "what changed since the last digest I saw"."""
    return chat_audience(user.channel, user.chat_id)


def digest_with_chart(digest: Digest, t: Translator, context: dict[str, str]) -> list[Reply]:
    """The chart as a photo with the digest text as caption if it fits, else photo then text."""
    text = render_text(digest, t)
    photo = Attachment(
        filename=f"tong-hop-{digest.round.id}.png",
        content=render_chart_png(digest, t),
        mime_type=PNG_MIME,
        kind="photo",
    )
    if len(text) <= CAPTION_LIMIT:
        return [Reply(text=text, attachment=photo, context=context)]
    headline = render_headline(digest, t)
    caption = headline if len(headline) <= CAPTION_LIMIT else digest.round.label(t)
    replies = [Reply(text=caption, attachment=photo, context=context)]
    replies += [Reply(text=piece, context=context) for piece in split_text(text, TEXT_LIMIT)]
    return replies


def report_attachment(digest: Digest, t: Translator) -> Attachment:
    """The consolidated report draft as a .docx attachment."""
    return Attachment(
        filename=f"bao-cao-{digest.round.id}.docx",
        content=render_docx(digest, t),
        mime_type=DOCX_MIME,
        kind="document",
    )
