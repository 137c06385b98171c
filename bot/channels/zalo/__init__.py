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

The modules, one concern each:
    - :mod:`.platform`: the platform's limits and names;
    - :mod:`.client`: the HTTP client (:class:`ZaloClient`, :class:`ZaloApiError`);
    - :mod:`.errors`: a failed call as a neutral delivery error;
    - :mod:`.rendering`: neutral replies as Zalo calls (numbered choices, HUỶ, links, splits);
    - :mod:`.parsing`: updates as :class:`bot.messages.Incoming`;
    - :mod:`.channel`: :class:`ZaloChannel`, the sending side;
    - :mod:`.receiver`: :class:`ZaloBot`, de-duplication, polling and the webhook;
    - :mod:`.wiring`: building and starting the Zalo side of ``planbot run``.

Numbered choices have one owner: the handlers' conversation state
(:mod:`bot.conversation_state`). The renderer numbers choices the way
:func:`bot.messages.numbered_choices` does, and a typed "2" or "HUỶ" reaches the handlers as text.
"""

from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.client import ZaloApiError, ZaloClient
from bot.channels.zalo.errors import PartialDelivery, delivery_error
from bot.channels.zalo.parsing import parse_update, resolve_typed_answer, unwrap_webhook_body
from bot.channels.zalo.platform import CHANNEL, MAX_TEXT
from bot.channels.zalo.receiver import ZaloBot
from bot.channels.zalo.rendering import PublicFiles, render_replies
from bot.channels.zalo.wiring import (
    ZaloService,
    ZaloStartError,
    build_bot,
    build_channel,
    check_start,
    invite_instruction,
    public_files,
    serve,
)

__all__ = [
    "CHANNEL",
    "MAX_TEXT",
    "PartialDelivery",
    "PublicFiles",
    "ZaloApiError",
    "ZaloBot",
    "ZaloChannel",
    "ZaloClient",
    "ZaloService",
    "ZaloStartError",
    "build_bot",
    "build_channel",
    "check_start",
    "delivery_error",
    "invite_instruction",
    "parse_update",
    "public_files",
    "render_replies",
    "resolve_typed_answer",
    "serve",
    "unwrap_webhook_body",
]
