"""Outbound pacing under a platform's flood limits (Telegram's, by default): one :class:`Pacer`
per channel, shared by everything that sends through that channel (the scheduler and the bot's
answers), so a platform's limits are applied once.

- at most ``overall_per_second`` messages in any one-second window (30);
- at most one message per ``chat_interval`` seconds to one chat (1 s);
- at most ``group_per_minute`` messages in any sixty-second window to one group chat (20).

Which chats are groups: the sender says so (a reminder knows its chat's type); Telegram's
pacer also counts a negative chat id as a group (``groups_by_id``), Zalo's does not (its ids
are opaque strings). :data:`TELEGRAM` and :data:`ZALO` are the two platforms' limits.

A slot taken by :meth:`Pacer.wait` belongs to the next request for that chat in the same task
(:meth:`Pacer.holds_slot`): a rate limiter further down (python-telegram-bot's) lets that one
request through without a second wait, and paces the pieces that follow it.

When the platform answers "too many requests" (:class:`bot.messages.RetryLater`), the caller
calls :meth:`Pacer.pause` and nothing at all is sent through this pacer before ``retry_after``
seconds have passed: a later, longer pause extends it, a shorter one never shortens it, and a
sleep that returns early is followed by another (the wait is re-checked against the clock).

The platform judges the limits when a request *arrives*, and a slot is granted a little before
the request leaves: between the two lie the sender's own work, the network and the server's
queue, and that delay varies. Thirty slots granted 1.000 s apart can arrive 0.95 s apart when
the first request of the thirty was slow and the last one fast, and a strict server answers 429
(one lost second: 3 % of a 1,000-chat fan-out). So every gap the pacer keeps is widened by a
margin: a fixed one (``margin``), or, with ``measure=True``, the spread of the delays it has
measured (the time from a slot to its request's answer, :meth:`Pacer.timed`, over the last
``JITTER_SAMPLES`` requests), never below ``margin`` and never above ``MAX_MARGIN``. The spread
bounds how much two requests' arrival delays can differ; the 20 ms fixed margin used before was
smaller than the jitter of a loaded machine (BENCHMARKS.md).

With ``answered=True`` (the pacer of a running channel, :meth:`FloodLimits.pacer`) the gaps are
not guessed at all: they are clocked by the answers. A request reaches the server after its slot
was granted and before its answer comes back, so its arrival lies between the two moments this
process sees. A slot is therefore granted only when, among the slots granted before it, the
30th latest *answer* came at least one second ago (the chat's previous answer one second ago,
the group's 20th latest one minute ago); a slot whose answer has not come yet counts as
arriving at any moment, so it holds the slots after it until it is answered. Then for any 31
requests the last one arrives at least a second after the first one of them did, whatever the
delays: zero 429 by construction, and the cost is one request's round trip per second (a few
milliseconds), not the spread of many (BENCHMARKS.md, third session). Every slot taken from
such a pacer is followed by :meth:`Pacer.timed` (the request) or :meth:`Pacer.done` (nothing
was sent); a slot left unanswered for ``MAX_IN_FLIGHT`` seconds counts as answered then, so a
caller's bug cannot stop a channel for good.

Time is injected: ``monotonic`` (seconds, float) and ``sleep`` (a coroutine function), so tests
can run the pacer on a fake clock and observe every wait.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

OVERALL_PER_SECOND = 30
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
# The least margin added to every gap (see the module's docstring), and the most a measured one
# may reach (a stalled request must not slow every later send for long).
SAFETY_MARGIN = 0.02
MAX_MARGIN = 0.5
# How many recent requests the measured margin is taken over, and the margin assumed until
# MIN_JITTER_SAMPLES of them have been answered.
JITTER_SAMPLES = 64
MIN_JITTER_SAMPLES = 8
INITIAL_MARGIN = 0.1
# Answer-clocked pacing (``answered=True``): the margin added to every gap (clock granularity,
# a server judging with a slightly different clock), and how long a slot may stay unanswered
# before it counts as answered (longer than any request's time-out).
ANSWER_MARGIN = 0.002
MAX_IN_FLIGHT = 300.0


def looks_like_group(chat_id: str) -> bool:
    """Telegram group and supergroup chat ids are negative; private chat ids are positive."""
    return chat_id.startswith("-")


@dataclass(frozen=True)
class FloodLimits:
    """One platform's flood limits, as a :class:`Pacer` applies them."""

    overall_per_second: int = OVERALL_PER_SECOND
    chat_interval: float = CHAT_INTERVAL
    group_per_minute: int = GROUP_PER_MINUTE
    groups_by_id: bool = True  # a negative chat id is a group (Telegram's ids)

    def pacer(self, **clock: Any) -> Pacer:
        """A pacer with these limits, clocked by the answers (the one of a running channel);
        ``clock``: ``monotonic`` and ``sleep`` (tests)."""
        return Pacer(
            overall_per_second=self.overall_per_second,
            chat_interval=self.chat_interval,
            group_per_minute=self.group_per_minute,
            groups_by_id=self.groups_by_id,
            margin=ANSWER_MARGIN,
            answered=True,
            **clock,
        )


# Telegram's Bot FAQ: about 30 messages a second overall, one a second to a chat, 20 a minute to
# a group (not published exactly; beyond them 429 with retry_after).
TELEGRAM = FloodLimits()
# Zalo documents no per-second limit (its quotas are per month: 3,000 messages on the Basic
# plan); the same one a second to a chat and 30 a second overall keep a burst polite, and a
# group is known only from the chat type the sender stored (ids are opaque strings).
ZALO = FloodLimits(groups_by_id=False)
PLATFORM_LIMITS = {"telegram": TELEGRAM, "zalo": ZALO}


class _Slot:
    """One granted slot of an answer-clocked pacer: when it was granted and answered."""

    __slots__ = ("answered", "granted")

    def __init__(self, granted: float) -> None:
        self.granted = granted
        self.answered: float | None = None


# The slot a Pacer.wait took in this task, for the next request to that chat: (pacer, chat).
_held: ContextVar[tuple[int, str] | None] = ContextVar("planbot_paced_slot", default=None)


class Pacer:
    """Grants send slots so that a sender stays within the flood limits."""

    def __init__(
        self,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        overall_per_second: int = OVERALL_PER_SECOND,
        chat_interval: float = CHAT_INTERVAL,
        group_per_minute: int = GROUP_PER_MINUTE,
        margin: float = 0.0,
        measure: bool = False,
        answered: bool = False,
        groups_by_id: bool = True,
    ) -> None:
        self._monotonic = monotonic
        self.answered = answered
        self.groups_by_id = groups_by_id
        self._fixed_margin = margin
        self._measure = measure
        self._delays: deque[float] = deque(maxlen=JITTER_SAMPLES)
        self._sleep = sleep
        self.overall_per_second = overall_per_second
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self._overall: deque[float] = deque()
        self._last_by_chat: dict[str, float] = {}
        self._group_sends: dict[str, deque[float]] = {}
        self._paused_until = float("-inf")
        # Answer-clocked state: the slots not answered yet (oldest first), the answers of the
        # last second (sorted), each chat's last slot, each group's last slots, and a future
        # resolved at the next answer (for the waiters an answer may let through).
        self._out: dict[int, _Slot] = {}
        self._answers: list[float] = []
        self._chat_slot: dict[str, _Slot] = {}
        self._group_slots: dict[str, deque[_Slot]] = {}
        self._next_answer: asyncio.Future[None] | None = None

    @property
    def margin(self) -> float:
        """The margin added to every gap now (seconds)."""
        if not self._measure:
            return self._fixed_margin
        if len(self._delays) < MIN_JITTER_SAMPLES:
            return max(self._fixed_margin, INITIAL_MARGIN)
        spread = max(self._delays) - min(self._delays)
        return min(MAX_MARGIN, max(self._fixed_margin, spread))

    async def timed(self, chat_id: str, request: Awaitable[T]) -> T:
        """Await the request whose slot was just taken for ``chat_id``, noting its delay (and,
        answer-clocked, that it was answered: :meth:`done`)."""
        try:
            return await request
        finally:
            if self.answered:
                self.done(chat_id)
            else:
                granted = self._last_by_chat.get(chat_id)
                if granted is not None:
                    self.note_delay(self._monotonic() - granted)

    def done(self, chat_id: str) -> None:
        """The request of the slot last taken for ``chat_id`` was answered, or nothing was sent
        under it: from now on it holds the later slots only by the limits' windows. Idempotent;
        a no-op on a pacer that is not answer-clocked."""
        slot = self._chat_slot.get(chat_id)
        if slot is not None and slot.answered is None:
            self._answer(slot, self._monotonic())

    def _answer(self, slot: _Slot, moment: float) -> None:
        slot.answered = moment
        self._out.pop(id(slot), None)
        bisect.insort(self._answers, moment)
        waiters, self._next_answer = self._next_answer, None
        if waiters is not None and not waiters.done():
            waiters.set_result(None)

    def note_delay(self, seconds: float) -> None:
        """One request was answered ``seconds`` after its slot was granted."""
        self._delays.append(max(0.0, seconds))

    @property
    def in_flight(self) -> int:
        """Answer-clocked: the slots granted whose request has not been answered yet."""
        return len(self._out)

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def pause(self, retry_after: float) -> None:
        """Nothing may be sent for ``retry_after`` seconds from now (never shortens a pause)."""
        until = self._monotonic() + max(retry_after, 0.0)
        self._paused_until = max(self._paused_until, until)

    def earliest(self, chat_id: str, group: bool = False) -> float:
        """The earliest moment (monotonic seconds) a message to this chat may go out; answer-
        clocked, infinite while a slot it depends on is not answered."""
        if self.answered:
            return self._earliest_answered(chat_id, group)
        moment = self._paused_until
        margin = self.margin
        if len(self._overall) >= self.overall_per_second:
            moment = max(moment, self._overall[-self.overall_per_second] + 1.0 + margin)
        last = self._last_by_chat.get(chat_id)
        if last is not None:
            moment = max(moment, last + self.chat_interval + margin)
        sends = self._group_sends.get(chat_id)
        if group and sends is not None and len(sends) >= self.group_per_minute:
            moment = max(moment, sends[-self.group_per_minute] + 60.0 + margin)
        return moment

    def _earliest_answered(self, chat_id: str, group: bool) -> float:
        now = self._monotonic()
        self._forget(now)
        margin = self._fixed_margin
        moment = self._paused_until
        limit = self.overall_per_second
        out = len(self._out)
        if out >= limit:
            return math.inf
        if out + len(self._answers) >= limit:  # the limit-th latest answer, unanswered first
            moment = max(moment, self._answers[out - limit] + 1.0 + margin)
        slot = self._chat_slot.get(chat_id)
        if slot is not None:
            if slot.answered is None:
                return math.inf
            moment = max(moment, slot.answered + self.chat_interval + margin)
        slots = self._group_slots.get(chat_id)
        if group and slots is not None and len(slots) >= self.group_per_minute:
            answered = slots[-self.group_per_minute].answered
            if answered is None:
                return math.inf
            moment = max(moment, answered + 60.0 + margin)
        return moment

    def _forget(self, now: float) -> None:
        """Drop the answers that can no longer hold a slot; count a slot unanswered for too
        long as answered (see the module's docstring)."""
        while self._out:
            oldest = next(iter(self._out.values()))
            if oldest.granted > now - MAX_IN_FLIGHT:
                break
            self._answer(oldest, oldest.granted + MAX_IN_FLIGHT)
        stale = bisect.bisect_right(self._answers, now - 1.0 - self._fixed_margin)
        if stale:
            del self._answers[:stale]
        if len(self._chat_slot) > 4 * self.overall_per_second + 1024:
            horizon = now - self.chat_interval - self._fixed_margin
            self._chat_slot = {
                chat: slot
                for chat, slot in self._chat_slot.items()
                if slot.answered is None or slot.answered > horizon or chat in self._group_slots
            }

    async def _until(self, moment: float, now: float) -> None:
        """Sleep until ``moment``, or (answer-clocked, with a slot out) until the next answer,
        which may let the caller through earlier, or until the oldest slot out expires."""
        if not (self.answered and self._out):
            await self._sleep(moment - now)
            return
        oldest = next(iter(self._out.values()))
        until = min(moment, oldest.granted + MAX_IN_FLIGHT)
        if self._next_answer is None:
            self._next_answer = asyncio.get_running_loop().create_future()
        sleeper: asyncio.Future[Any] = asyncio.ensure_future(self._sleep(max(0.0, until - now)))
        either: list[asyncio.Future[Any]] = [self._next_answer, sleeper]
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()

    def is_group(self, chat_id: str, group: bool | None = None) -> bool:
        """Whether the per-group limit applies: the sender says so, or (Telegram) the id does."""
        return bool(group) or (self.groups_by_id and looks_like_group(chat_id))

    async def wait(self, chat_id: str, *, group: bool | None = None, hold: bool = True) -> float:
        """Wait until a message to this chat may go out and take the slot; returns the wait.

        With ``hold`` (a sender above the platform's client: the scheduler) the slot is held
        for the next request to this chat in the calling task (:meth:`holds_slot`); a rate
        limiter that makes the request itself right after waiting passes ``hold=False``, so
        the request after that one waits for its own slot."""
        is_group = self.is_group(chat_id, group)
        started = self._monotonic()
        while True:
            now = self._monotonic()
            moment = self.earliest(chat_id, is_group)
            if moment <= now:
                self._take(chat_id, is_group, now)
                _held.set((id(self), chat_id) if hold else None)
                return now - started
            await self._until(moment, now)

    def holds_slot(self, chat_id: str) -> bool:
        """Whether the calling task's next request to ``chat_id`` already has its slot (taken by
        :meth:`wait` and not used yet); it is used by this call."""
        if _held.get() != (id(self), chat_id):
            return False
        _held.set(None)
        return True

    def _take(self, chat_id: str, group: bool, now: float) -> None:
        if self.answered:
            slot = _Slot(now)
            self._out[id(slot)] = slot
            self._chat_slot[chat_id] = slot
            if group:
                slots = self._group_slots.get(chat_id)
                if slots is None:
                    slots = self._group_slots[chat_id] = deque(maxlen=self.group_per_minute)
                slots.append(slot)
            return
        # Slots are kept a margin longer than their window: the gaps are judged with it.
        self._overall.append(now)
        while self._overall and self._overall[0] <= now - 1.0 - MAX_MARGIN:
            self._overall.popleft()
        self._last_by_chat[chat_id] = now
        if group:
            sends = self._group_sends.setdefault(chat_id, deque())
            sends.append(now)
            while sends and sends[0] <= now - 60.0 - MAX_MARGIN:
                sends.popleft()
