"""A plan sent to the bot as a file (.docx, .pdf): the importer's review comes back as files.

Only the secretariat (and admins) may do it; a focal point, a file over
:data:`MAX_PLAN_BYTES` or of another type gets a clear refusal and nothing is downloaded. The
draft plan is sent back for review with the review table; nothing is loaded: loading stays
``planbot plan load`` of the reviewed draft.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bot.messages import Attachment, IncomingDocument, Reply
from handlers import registration
from handlers.turn import Turn

__all__ = ["ACCEPTED_SUFFIXES", "IMPORT_ROLES", "MAX_PLAN_BYTES", "receive_plan"]

MAX_PLAN_BYTES = 10 * 1024 * 1024
ACCEPTED_SUFFIXES = (".docx", ".pdf")
IMPORT_ROLES = ("secretariat", "admin")


async def receive_plan(turn: Turn, document: IncomingDocument) -> list[Reply]:
    """The replies to a file someone sent."""
    if turn.user is None:
        return registration.stranger(turn)
    _ = turn.t.gettext
    if turn.user.role not in IMPORT_ROLES:
        return [
            Reply(
                _(
                    "Only the secretariat can send a plan to import. To report progress, type "
                    'your update, e.g. "2.2: đã trình UBND tỉnh".'
                )
            )
        ]
    name = Path(document.filename).name or "ke-hoach"
    if Path(name).suffix.lower() not in ACCEPTED_SUFFIXES:
        return [
            Reply(
                _("I can import a plan from a .docx or .pdf file; «{file}» is neither.").format(
                    file=name
                )
            )
        ]
    if document.size is not None and document.size > MAX_PLAN_BYTES:
        return [Reply(_too_big(turn, name))]
    content = await document.fetch()
    if len(content) > MAX_PLAN_BYTES:
        return [Reply(_too_big(turn, name))]
    # The importer (2 MiB, 0.06 s) loads with the first plan sent, not with every planbot run.
    from bot.importer import NoPlanFound, UnreadableFile, import_plan
    from bot.importer.review import draft_json, failure_message, review_text

    with tempfile.TemporaryDirectory(prefix="planbot-import-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            result = await asyncio.to_thread(
                import_plan,
                path,
                turn.services.plan.agencies,
                timezone=turn.services.settings.timezone,
            )
        except UnreadableFile as error:
            return [Reply(failure_message(error, name, turn.t))]
        except NoPlanFound:
            return [
                Reply(
                    _(
                        "No numbered task or task table was found in «{file}»; nothing was written."
                    ).format(file=name)
                )
            ]
    stem = Path(name).stem
    summary = _(
        "Read «{file}»: {tasks} task items, {new} new agencies, {rules} reporting rules. "
        "The review and the draft plan are attached; nothing was loaded. After review, load "
        "the draft with: planbot plan load {draft}"
    ).format(
        file=name,
        tasks=len(result.tasks),
        new=len(result.new_agencies),
        rules=len(result.draft["reporting"]),
        draft=f"{stem}.draft.json",
    )
    review = review_text(result, turn.t).encode("utf-8")
    return [
        Reply(summary),
        Reply(
            _("Review of «{file}»").format(file=name),
            attachment=Attachment(f"{stem}.review.txt", review, "text/plain"),
        ),
        Reply(
            _("Draft plan (not loaded)"),
            attachment=Attachment(
                f"{stem}.draft.json", draft_json(result).encode("utf-8"), "application/json"
            ),
        ),
    ]


def _too_big(turn: Turn, name: str) -> str:
    return turn.t.gettext("«{file}» is larger than {size} MB; send a smaller file.").format(
        file=name, size=MAX_PLAN_BYTES // (1024 * 1024)
    )
