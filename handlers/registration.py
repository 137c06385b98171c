"""Registration: ``/start <code>`` binds a chat user to an agency; strangers are told how."""

from __future__ import annotations

from bot.i18n import normalize_locale, translator
from bot.messages import Reply
from bot.registration import redeem, set_language
from handlers.turn import Turn

__all__ = ["change_language", "register", "stranger"]


def stranger(turn: Turn) -> list[Reply]:
    """What an unregistered chat hears, whatever it asks (no plan data)."""
    _ = turn.t.gettext
    return [
        Reply(
            _(
                "This chat is not registered yet. Ask the secretariat (the provincial "
                "People's Committee office) for an invitation code, then send:\n"
                "/start YOUR_CODE"
            )
        )
    ]


def register(turn: Turn, code: str | None) -> list[Reply]:
    """Redeem an invitation code (or greet a registered user who sends /start again)."""
    _ = turn.t.gettext
    services = turn.services
    if not code:
        if turn.user is not None and turn.user.agency_id is not None:
            agency = services.plan.agency(turn.user.agency_id)
            return [
                Reply(
                    _(
                        "Welcome back, {agency}! Type /nhiemvu to see your tasks, /help for help."
                    ).format(agency=agency.name)
                )
            ]
        return stranger(turn)
    incoming = turn.incoming
    outcome = redeem(
        services.db,
        code,
        channel=incoming.channel,
        external_id=incoming.user_id,
        chat_id=incoming.chat_id,
        display_name=incoming.display_name,
        language=normalize_locale(incoming.language) if incoming.language else None,
        now=turn.now,
        chat_type=incoming.chat_type,
    )
    if outcome.user is None:
        messages = {
            "unknown": _(
                "This code is not valid. Check that you copied it exactly, or ask the "
                "secretariat for a new code."
            ),
            "used": _(
                "This code has already been used: each code works once. Ask the secretariat "
                "for a new code."
            ),
            "expired": _("This code has expired. Ask the secretariat for a new code."),
            "revoked": _("This code has been revoked. Ask the secretariat for a new code."),
        }
        return [Reply(messages[outcome.failure or "unknown"])]
    turn.user = outcome.user
    if outcome.user.language:
        turn.t = translator(outcome.user.language)
        _ = turn.t.gettext
    assert outcome.user.agency_id is not None
    agency = services.plan.agency(outcome.user.agency_id)
    if outcome.user.role in ("secretariat", "admin"):
        text = _(
            "Welcome, {agency}! This chat is registered for the secretariat. Type /tonghop for "
            "the reporting status, /baocao for the consolidated report, /help for help."
        )
    else:
        text = _(
            "Welcome, {agency}! This chat is now registered as a focal point of {agency}.\n"
            "Type /nhiemvu to see your tasks, or report in one line, e.g. "
            '"2.2: đã trình UBND tỉnh". /help explains everything.'
        )
    return [Reply(text.format(agency=agency.name))]


def change_language(turn: Turn, argument: str | None) -> list[Reply]:
    """``/lang en`` or ``/lang vi``: the language of the bot's answers for this user."""
    wanted = (argument or "").strip().lower()
    if wanted not in ("en", "vi") or turn.user is None or turn.user.id is None:
        _ = turn.t.gettext
        return [Reply(_("Choose a language: /lang vi (Tiếng Việt) or /lang en (English)."))]
    set_language(turn.services.db, turn.user.id, wanted)
    turn.user.language = wanted
    turn.t = translator(wanted)
    _ = turn.t.gettext
    return [Reply(_("Language set to English."))]
