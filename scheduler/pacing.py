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

Time is injected: ``monotonic`` (seconds, float) and ``sleep`` (a coroutine function), so tests
can run the pacer on a fake clock and observe every wait.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

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

    def pacer(self) -> Pacer:
        """A pacer with these limits, its margin measured (the one of a running channel)."""
        return Pacer(
            overall_per_second=self.overall_per_second,
            chat_interval=self.chat_interval,
            group_per_minute=self.group_per_minute,
            groups_by_id=self.groups_by_id,
            margin=SAFETY_MARGIN,
            measure=True,
        )


# Telegram's Bot FAQ: about 30 messages a second overall, one a second to a chat, 20 a minute to
# a group (not published exactly; beyond them 429 with retry_after).
TELEGRAM = FloodLimits()
# Zalo documents no per-second limit (its quotas are per month: 3,000 messages on the Basic
# plan); the same one a second to a chat and 30 a second overall keep a burst polite, and a
# group is known only from the chat type the sender stored (ids are opaque strings).
ZALO = FloodLimits(groups_by_id=False)
PLATFORM_LIMITS = {"telegram": TELEGRAM, "zalo": ZALO}

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
        groups_by_id: bool = True,
    ) -> None:
        self._monotonic = monotonic
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
        """Await the request whose slot was just taken for ``chat_id``, noting its delay."""
        try:
            return await request
        finally:
            granted = self._last_by_chat.get(chat_id)
            if granted is not None:
                self.note_delay(self._monotonic() - granted)

    def note_delay(self, seconds: float) -> None:
        """One request was answered ``seconds`` after its slot was granted."""
        self._delays.append(max(0.0, seconds))

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def pause(self, retry_after: float) -> None:
        """Nothing may be sent for ``retry_after`` seconds from now (never shortens a pause)."""
        until = self._monotonic() + max(retry_after, 0.0)
        self._paused_until = max(self._paused_until, until)

    def earliest(self, chat_id: str, group: bool = False) -> float:
        """The earliest moment (monotonic seconds) a message to this chat may go out."""
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

    def is_group(self, chat_id: str, group: bool | None = None) -> bool:
        """Whether the per-group limit applies: the sender says so, or (Telegram) the id does."""
        return bool(group) or (self.groups_by_id and looks_like_group(chat_id))

    async def wait(self, chat_id: str, *, group: bool | None = None) -> float:
        """Wait until a message to this chat may go out and take the slot; returns the wait.

        The slot is held for the next request to this chat in the calling task
        (:meth:`holds_slot`)."""
        is_group = self.is_group(chat_id, group)
        started = self._monotonic()
        while True:
            now = self._monotonic()
            moment = self.earliest(chat_id, is_group)
            if moment <= now:
                self._take(chat_id, is_group, now)
                _held.set((id(self), chat_id))
                return now - started
            await self._sleep(moment - now)

    def holds_slot(self, chat_id: str) -> bool:
        """Whether the calling task's next request to ``chat_id`` already has its slot (taken by
        :meth:`wait` and not used yet); it is used by this call."""
        if _held.get() != (id(self), chat_id):
            return False
        _held.set(None)
        return True

    def _take(self, chat_id: str, group: bool, now: float) -> None:
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
