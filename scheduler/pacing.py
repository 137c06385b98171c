"""Outbound pacing under the platforms' flood limits (Telegram's, by default).

- at most ``overall_per_second`` messages in any one-second window (30);
- at most one message per ``chat_interval`` seconds to one chat (1 s);
- at most ``group_per_minute`` messages in any sixty-second window to one group chat (20).

When the platform answers "too many requests" (:class:`bot.messages.RetryLater`), the caller
calls :meth:`Pacer.pause` and nothing at all is sent through this pacer before ``retry_after``
seconds have passed: a later, longer pause extends it, a shorter one never shortens it, and a
sleep that returns early is followed by another (the wait is re-checked against the clock).

Time is injected: ``monotonic`` (seconds, float) and ``sleep`` (a coroutine function), so tests
can run the pacer on a fake clock and observe every wait.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

OVERALL_PER_SECOND = 30
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
# Slots are granted a little before the request leaves; this margin keeps event-loop jitter
# between the two from packing 31 requests into one second at the platform's end.
SAFETY_MARGIN = 0.02


def looks_like_group(chat_id: str) -> bool:
    """Telegram group and supergroup chat ids are negative; private chat ids are positive."""
    return chat_id.startswith("-")


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
    ) -> None:
        self._monotonic = monotonic
        self.margin = margin
        self._sleep = sleep
        self.overall_per_second = overall_per_second
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self._overall: deque[float] = deque()
        self._last_by_chat: dict[str, float] = {}
        self._group_sends: dict[str, deque[float]] = {}
        self._paused_until = float("-inf")

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
        if len(self._overall) >= self.overall_per_second:
            moment = max(moment, self._overall[-self.overall_per_second] + 1.0 + self.margin)
        last = self._last_by_chat.get(chat_id)
        if last is not None:
            moment = max(moment, last + self.chat_interval + self.margin)
        sends = self._group_sends.get(chat_id)
        if group and sends is not None and len(sends) >= self.group_per_minute:
            moment = max(moment, sends[-self.group_per_minute] + 60.0 + self.margin)
        return moment

    async def wait(self, chat_id: str, *, group: bool | None = None) -> float:
        """Wait until a message to this chat may go out and take the slot; returns the wait."""
        is_group = looks_like_group(chat_id) if group is None else group
        started = self._monotonic()
        while True:
            now = self._monotonic()
            moment = self.earliest(chat_id, is_group)
            if moment <= now:
                self._take(chat_id, is_group, now)
                return now - started
            await self._sleep(moment - now)

    def _take(self, chat_id: str, group: bool, now: float) -> None:
        self._overall.append(now)
        while self._overall and self._overall[0] <= now - 1.0:
            self._overall.popleft()
        self._last_by_chat[chat_id] = now
        if group:
            sends = self._group_sends.setdefault(chat_id, deque())
            sends.append(now)
            while sends and sends[0] <= now - 60.0:
                sends.popleft()
