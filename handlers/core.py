"""The router: one incoming message in, the replies out (platform-neutral).

Each feature lives in its own module (registration, tasks, report, help; the secretariat's
digest and report in ``handlers/secretariat.py``); this module only decides who answers.
Guard rails applied here, before any feature runs: groups (only when addressed), floods from
one chat, media, over-long text and unregistered chats.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bot.audit import begin_acting, message_actor
from bot.bootstrap import Services
from bot.conversation_state import load_state, save_state
from bot.digest import can_see_digest
from bot.i18n import translator
from bot.messages import Incoming, Reply, numbered_choices
from bot.plan import Plan
from bot.registration import find_user, looks_like_code
from bot.sent import context_of
from bot.text import fold
from bot.updates import MAX_TEXT
from handlers import ask, multi, plan_import, plans, registration, report, secretariat, tasks
from handlers import help as help_
from handlers.items import own_items, resolve_task
from handlers.payloads import Correct, Pick, Refile, Undo, owns_update, parse_payload
from handlers.plan_list import plan_list
from handlers.turn import Turn
from handlers.understanding import Intent, asks, reportable, understand

__all__ = ["ChatHandlers"]

log = logging.getLogger(__name__)

_QUIET_INTENTS = ("greeting", "thanks", "help", "ack")
_TYPED_NUMBER = re.compile(r"\s*(\d{1,3})\s*[.)]?\s*")  # "2", "2.", "2)"


@dataclass
class _ChatQueue:
    """The messages of one chat being answered, one at a time."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class ChatHandlers:
    """Answers one chat message at a time; the same for Telegram, Zalo and the shell."""

    def __init__(
        self,
        services: Services,
        *,
        flood_limit: int = 20,
        flood_window: timedelta = timedelta(minutes=1),
    ) -> None:
        self.services = services
        self.flood_limit = flood_limit
        self.flood_window = flood_window
        self._recent: dict[tuple[str, str], deque[datetime]] = {}
        self._warned: set[tuple[str, str]] = set()
        self._chat_queues: dict[tuple[str, str], _ChatQueue] = {}

    # ------------------------------------------------------------------ entry point

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """The replies to one incoming message or button press (possibly none).

        The conversation is synchronous database work: it runs in a worker thread, so that a
        slow write (SQLite waits up to its busy timeout) never stalls the event loop, the other
        chats or the sender. Messages of one chat are answered one at a time, in order.
        """
        begin_acting(*message_actor(incoming))  # every write below is audited as this message's
        key = (incoming.channel, incoming.chat_id)  # (the worker threads inherit the context)
        queue = self._chat_queues.setdefault(key, _ChatQueue())
        queue.waiting += 1
        try:
            async with queue.lock:
                answered = await asyncio.to_thread(self._turn, incoming)
                if isinstance(answered, Turn):  # a plan document: fetched and imported here
                    assert incoming.document is not None
                    return await plan_import.receive_plan(answered, incoming.document)
                return answered
        finally:
            queue.waiting -= 1
            if queue.waiting == 0:  # nobody queued behind: forget the chat
                del self._chat_queues[key]

    def _turn(self, incoming: Incoming) -> Turn | list[Reply]:
        """The replies to a message (a worker thread), or the turn of a plan document.

        One unit of work (``Database.unit``): the turn's reads share one session and its writes
        one transaction, the conversation state saved in it; committed before the replies go.
        """
        with self.services.db.unit():
            begun = self._begin(incoming)
            if not isinstance(begun, Turn) or incoming.document is not None:
                return begun
            return self._converse(begun)

    def _begin(self, incoming: Incoming) -> Turn | list[Reply]:
        """The turn of a message, or the replies already (not addressed, a flood)."""
        if incoming.chat_type == "group" and not incoming.addressed:
            return []
        now = self.services.clock.now()
        flooded = self._flood(incoming, now)
        if flooded is not None:
            return flooded
        user = find_user(self.services.db, incoming.channel, incoming.user_id)
        if user is not None and (
            user.agency_id is None or not _known(self.services, user.agency_id)
        ):
            user = None
        locale = user.language if user is not None and user.language else incoming.language
        return Turn(self.services, incoming, user, translator(locale), now)

    def _converse(self, turn: Turn) -> list[Reply]:
        """The replies to a message or a button press (synchronous: runs in a worker thread)."""
        incoming, now, db = turn.incoming, turn.now, self.services.db
        if incoming.media is not None:
            return self._media(turn)
        if incoming.text is not None and len(incoming.text) > MAX_TEXT:
            return [report._too_long(turn)]
        if incoming.payload is None and not (incoming.text or "").strip():
            return (
                help_.empty_message(turn) if turn.user is not None else registration.stranger(turn)
            )
        state_key = _state_key(incoming)
        turn.state = load_state(db, incoming.channel, state_key, now)
        if incoming.payload is not None:
            replies = self._payload(turn, incoming.payload)
            intent = Intent("unknown")
        else:
            self._plan_named(turn)
            intent = understand(turn.incoming.text)
            if intent.kind == "unknown" and turn.scope is not None and not turn.incoming.text:
                intent = Intent("tasks")  # "kh38" alone: that plan's tasks
            replies = self._route(turn, intent)
        self._remember_choices(turn, replies, intent)
        if turn.state_changed:
            save_state(db, incoming.channel, state_key, turn.state, now)
        return replies

    def _plan_named(self, turn: Turn) -> None:
        """A plan named in the message ("kh38 2.2 xong") scopes the turn; its code is cut out of
        the text before it is understood (handlers/plans.py)."""
        text = turn.incoming.text
        if turn.user is None or not text:
            return
        mention = plans.split_plan(text, partial(plans.lookup, self.services))
        if mention is None:
            return
        turn.scope = plans.plan_by_id(self.services, mention.plan_id)
        turn.incoming = replace(turn.incoming, text=mention.rest)
        if plans.several(self.services) and turn.state.plan != mention.plan_id:
            turn.state.plan = mention.plan_id
            turn.changed()

    # ------------------------------------------------------------------ guard rails

    def _flood(self, incoming: Incoming, now: datetime) -> list[Reply] | None:
        key = (incoming.channel, incoming.chat_id)
        recent = self._recent.setdefault(key, deque())
        while recent and now - recent[0] >= self.flood_window:
            recent.popleft()
        if len(recent) >= self.flood_limit:
            if key in self._warned:
                return []
            self._warned.add(key)
            _ = translator(incoming.language).gettext
            return [
                Reply(
                    _(
                        "You are sending messages too fast; I will answer again in a minute. "
                        "Nothing was recorded."
                    )
                )
            ]
        self._warned.discard(key)
        recent.append(now)
        return None

    def _media(self, turn: Turn) -> list[Reply]:
        if turn.user is None:
            return registration.stranger(turn)
        _ = turn.t.gettext
        return [
            Reply(
                _(
                    "I can only read text messages; stickers, photos, voice and files are not "
                    'recorded. Please type your update, e.g. "2.2: đã trình UBND tỉnh".'
                )
            )
        ]

    # ------------------------------------------------------------------ routing

    def _route(self, turn: Turn, intent: Intent) -> list[Reply]:
        if turn.user is None:
            return self._route_stranger(turn, intent)
        if intent.kind in ("number", "unknown", "update") and turn.state.choices:
            chosen = self._choice_by_text(turn, turn.incoming.text or "")
            if chosen is not None:
                return self._payload(turn, chosen)
        text = turn.incoming.text or ""
        if intent.kind == "reminded" or (intent.kind == "unknown" and asks(text)):
            # "sao em bị nhắc?" in reply to a reminder: answered about the tasks it named.
            reply_context = self._reply_context(turn)
            listed = reply_context.get("tasks") if reply_context is not None else None
            if isinstance(listed, list) and listed:
                assert reply_context is not None
                replied = plans.plan_by_id(self.services, _text(reply_context.get("plan")))
                if turn.scope is None and replied is not None:
                    turn.scope = replied
                return [
                    reply
                    for task in [str(task) for task in listed][:3]
                    for reply in ask.task_question(turn, task)
                ]
        # A reply to a reminder or to the task list is an update on those tasks: the update's
        # own text for "/capnhat …" or "đã …", the message itself when it reads like a report.
        body = intent.body if intent.kind == "update" else text
        if (
            intent.task is None
            and body
            and (intent.kind == "update" or (intent.kind == "unknown" and reportable(text)))
        ):
            reply_context = self._reply_context(turn)
            if reply_context is not None:
                listed = reply_context.get("tasks")
                candidates = [str(task) for task in listed] if isinstance(listed, list) else []
                replied = plans.plan_by_id(self.services, _text(reply_context.get("plan")))
                if turn.scope is None and replied is not None:
                    turn.scope = replied  # a reply to a message about one plan is for it
                return report.report(turn, None, body, candidates=candidates)
        if intent.kind == "update" and len(intent.items) >= 2:
            return multi.report_many(turn, intent.items)
        handlers: dict[str, Callable[[], list[Reply]]] = {
            "start": lambda: registration.register(turn, intent.argument),
            "help": lambda: help_.help_text(turn),
            "greeting": lambda: help_.greeting(turn),
            "thanks": lambda: help_.thanks(turn),
            "ack": lambda: help_.acknowledged(turn),
            "tasks": lambda: self._tasks(turn),
            "deadline": lambda: self._deadline(turn, intent),
            "question": lambda: self._question(turn, intent),
            "owed": lambda: self._owed(turn, intent.argument),
            "reminded": lambda: self._owed(turn),  # why reminded: what is owed, for which round
            "plans": lambda: plan_list(turn, self._is_secretariat(turn)),
            "overdue": lambda: self._each_plan(
                turn,
                lambda plan: secretariat.overdue_replies(self.services, turn.user, turn.t, plan),
            ),
            "blocked_list": lambda: self._each_plan(
                turn,
                lambda plan: secretariat.blocked_replies(self.services, turn.user, turn.t, plan),
            ),
            "unit_status": lambda: self._unit_status(turn, intent),
            "update": lambda: report.report(turn, intent.task, intent.body or ""),
            "undo": lambda: report.undo_latest(turn),
            "lang": lambda: registration.change_language(turn, intent.argument),
            "digest": lambda: self._secretariat(turn, "digest", intent),
            "overview": lambda: secretariat.overview_replies(self.services, turn.user, turn.t),
            "report": lambda: self._secretariat(turn, "report", intent),
            "unknown_command": lambda: self._unknown_command(turn, intent),
        }
        if intent.kind == "number" and turn.state.pending is not None:
            return report.report(turn, None, str(turn.state.pending.get("text", "")))
        handler = handlers.get(intent.kind)
        if handler is None:
            if turn.state.pending is not None and turn.incoming.text:
                return report.report(turn, None, str(turn.state.pending.get("text", "")))
            return help_.not_understood(turn)
        return handler()

    def _route_stranger(self, turn: Turn, intent: Intent) -> list[Reply]:
        if intent.kind == "start":
            return registration.register(turn, intent.argument)
        # A stranger's single token that looks like a code is a code, whatever words a random
        # code happens to spell ("hi_qDa6FWtzO" is not a greeting, "oOND2XG_iKTB" no update).
        text = (turn.incoming.text or "").strip()
        if looks_like_code(text):
            return registration.register(turn, text)
        return registration.stranger(turn)

    def _unknown_command(self, turn: Turn, intent: Intent) -> list[Reply]:
        _ = turn.t.gettext
        return [
            Reply(
                _("I do not know the command /{command}. Type /help to see what I can do.").format(
                    command=intent.argument or ""
                )
            )
        ]

    def _reply_context(self, turn: Turn) -> dict[str, Any] | None:
        incoming = turn.incoming
        if incoming.reply_to_message_id is None:
            return None
        return context_of(
            self.services.db, incoming.channel, incoming.chat_id, incoming.reply_to_message_id
        )

    # ------------------------------------------------------------------ choices

    def _choice_by_text(self, turn: Turn, text: str) -> str | None:
        """A numbered or labelled answer to the choices of the bot's last message."""
        folded = fold(text)
        choices = turn.state.choices
        number = _TYPED_NUMBER.fullmatch(folded)
        if number is not None:
            index = int(number.group(1)) - 1
            return choices[index][1] if 0 <= index < len(choices) else None
        for label, payload in choices:
            if folded and fold(label) == folded:
                return payload
        return None

    def _payload(self, turn: Turn, payload: str) -> list[Reply]:
        if turn.user is None:
            return registration.stranger(turn)
        _ = turn.t.gettext
        # Type and range first (handlers/payloads.py), then the owner, before anything else.
        parsed = parse_payload(
            payload,
            self.services.plan,
            report.STATUS_CODES,
            partial(plans.parse_round_of_any, self.services),
            lambda code: plans.plan_by_id(self.services, plans.lookup(self.services, code)),
        )
        if isinstance(parsed, Pick):
            return report.pick(turn, parsed.task_id, parsed.plan_id)
        if isinstance(parsed, Correct | Undo | Refile):
            if not owns_update(self.services.db, parsed.update_id, turn.agency_id):
                return [Reply(_("I could not find that update; nothing changed."))]
            if isinstance(parsed, Correct):
                return report.correct(turn, parsed.update_id, parsed.code)
            if isinstance(parsed, Refile):
                return report.refile(turn, parsed.update_id, parsed.period)
            return report.undo(turn, parsed.update_id)
        log.warning("malformed payload %r", payload[:80])
        return [Reply(_("This button is no longer valid. Type /help to see what I can do."))]

    def _remember_choices(self, turn: Turn, replies: list[Reply], intent: Intent) -> None:
        """Keep the numbered options of this answer (the same numbers every channel shows)."""
        numbered = numbered_choices(replies)
        if numbered:
            turn.state.choices = [(c.label, c.payload) for c in numbered]
            turn.changed()
        elif turn.state.choices and intent.kind not in _QUIET_INTENTS and replies:
            turn.state.choices = []
            turn.changed()

    # ------------------------------------------------------------------ questions

    def _is_secretariat(self, turn: Turn) -> bool:
        """Secretariat staff (they follow up every unit and lead no task of their own)."""
        user = turn.user
        return user is not None and (
            user.role in ("secretariat", "admin")
            or (
                any(can_see_digest(entry.plan, user) for entry in plans.followed(self.services))
                and not any(role != "general" for _i, role in _own(self.services, turn).values())
            )
        )

    def _tasks(self, turn: Turn) -> list[Reply]:
        if self._is_secretariat(turn):
            return secretariat.tasks_hint(turn.t)
        return tasks.task_list(turn)

    def _owed(self, turn: Turn, period: str | None = None) -> list[Reply]:
        if self._is_secretariat(turn):  # the secretariat owes nothing: who has not reported
            return secretariat.digest_replies(
                self.services, turn.user, turn.t, None, True, plan=turn.scope
            )
        return self._per_plan(turn, lambda scoped: ask.owed(scoped, period))

    def _deadline(self, turn: Turn, intent: Intent) -> list[Reply]:
        argument = intent.argument
        if argument:

            def asked(scoped: Turn) -> list[Reply]:
                return ask.deadline_of(scoped, argument) or []

            answer = self._per_plan(turn, asked)
            if answer:
                return answer
        return self._per_plan(turn, tasks.deadline)

    def _question(self, turn: Turn, intent: Intent) -> list[Reply]:
        """A question about one task: the unit's view, or across units for the secretariat."""
        task = intent.task
        assert task is not None
        own = _own(self.services, turn)
        mine = any(key == task or key.startswith(task + ".") for key in own)
        if turn.scope is None and plans.several(self.services) and turn.agency_id is not None:
            having = [
                entry
                for entry in plans.plans_for(self.services, turn.agency_id)
                if resolve_task(entry.plan, turn.agency_id, task).outcome in ("ok", "ambiguous")
            ]
            mine = bool(having)
            if len(having) == 1:
                turn.scope = having[0].plan
            elif having:
                return self._per_plan(turn, lambda scoped: ask.task_question(scoped, task), having)
        if not mine and can_see_digest(turn.plan, turn.user):
            return self._each_plan(
                turn,
                lambda plan: secretariat.task_across_units(
                    self.services, turn.user, turn.t, task, plan
                ),
                having=lambda plan: _has_task(plan, task),
            )
        return ask.task_question(turn, task)

    def _each_plan(
        self,
        turn: Turn,
        answer: Callable[[Plan | None], list[Reply]],
        having: Callable[[Plan], bool] | None = None,
    ) -> list[Reply]:
        return secretariat.each_plan(
            self.services, turn.user, turn.t, answer, turn.scope, having=having
        )

    def _per_plan(
        self,
        turn: Turn,
        answer: Callable[[Turn], list[Reply]],
        entries: Sequence[plans.Followed] | None = None,
    ) -> list[Reply]:
        """One plan's answer, or with several plans (none named) each plan's, newest first,
        each headed by its plan; a single plan reads exactly as before."""
        if not plans.several(self.services) or turn.agency_id is None:
            return answer(turn)
        if turn.scope is not None:
            entries = [plans.Followed(turn.scope, plans.code_of(self.services, turn.scope))]
        elif entries is None:
            entries = plans.plans_for(self.services, turn.agency_id)
        if not entries:
            return answer(turn)
        replies: list[Reply] = []
        for entry in entries:
            scoped = replace(turn, scope=entry.plan)
            for index, reply in enumerate(answer(scoped)):
                if index == 0:
                    reply = replace(reply, text=plans.heading(turn.t, entry) + "\n" + reply.text)
                context = dict(reply.context or {})
                context["plan"] = entry.id
                replies.append(replace(reply, context=context))
            if scoped.state_changed:
                turn.changed()
        return replies

    def _unit_status(self, turn: Turn, intent: Intent) -> list[Reply]:
        """ "tình hình Sở Y tế": the secretariat's view of a unit; a unit asking about itself
        is told what it still owes."""
        unit = self.services.agencies.find(intent.argument or "")
        if unit is not None and unit.id == turn.agency_id:
            return ask.owed(turn)
        unit_text = intent.argument or ""
        return self._each_plan(
            turn,
            lambda plan: secretariat.unit_status_replies(
                self.services, turn.user, turn.t, unit_text, plan
            ),
            having=lambda plan: unit is not None and unit.id in plan.reporting_units(),
        )

    # ------------------------------------------------------------------ secretariat

    def _secretariat(self, turn: Turn, what: str, intent: Intent) -> list[Reply]:
        """The digest and the report; who may see them is decided by bot.digest.can_see_digest."""
        if what == "digest":
            return secretariat.digest_replies(
                self.services,
                turn.user,
                turn.t,
                intent.argument,
                intent.missing_only,
                plan=turn.scope,
            )
        return secretariat.report_replies(
            self.services, turn.user, turn.t, intent.argument, plan=turn.scope
        )


def _has_task(plan: Plan, task: str) -> bool:
    return any(item.id == task or item.id.startswith(task + ".") for item in plan.tasks)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _state_key(incoming: Incoming) -> str:
    """Whose conversation state: the chat's, or in a group each member's own (one focal point's
    "which task?" must not be answered, nor its report undone, by another member)."""
    if incoming.chat_type == "group":
        return f"{incoming.chat_id}/{incoming.user_id}"
    return incoming.chat_id


def _own(services: Services, turn: Turn) -> dict[str, tuple[object, str]]:
    agency_id = turn.agency_id
    if agency_id is None:
        return {}
    return dict(own_items(turn.plan, agency_id))


def _known(services: Services, agency_id: str) -> bool:
    return services.agencies.get(agency_id) is not None
