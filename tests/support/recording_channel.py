"""A fake :class:`bot.messages.Channel` that records what it is asked to send.

Failures can be scripted per chat (or for any chat): the next send raises the given delivery
error. ``OutcomeUnknown`` can be scripted as "delivered" to model a time-out after the platform
accepted the message. :class:`FakeTime` is an injectable monotonic clock and sleep for the pacer.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.messages import DeliveryError, OutcomeUnknown, Reply


@dataclass(frozen=True)
class Delivered:
    """A message the fake platform accepted."""

    chat_id: str
    reply: Reply
    message_ids: tuple[str, ...]
    at: float  # the fake monotonic time it was accepted (0.0 without a clock)


@dataclass(frozen=True)
class Attempt:
    """Every call to send, delivered or not."""

    chat_id: str
    reply: Reply
    at: float
    error: DeliveryError | None


class RecordingChannel:
    """Records sends; raises scripted delivery errors."""

    def __init__(
        self,
        name: str = "telegram",
        *,
        monotonic: Callable[[], float] | None = None,
        delay: float = 0.0,
    ) -> None:
        self._name = name
        self._monotonic = monotonic
        self._delay = delay
        self._ids = itertools.count(1000)
        self._failures: dict[str | None, deque[tuple[DeliveryError, bool]]] = {}
        self.delivered: list[Delivered] = []
        self.attempts: list[Attempt] = []

    @property
    def name(self) -> str:
        return self._name

    def fail_next(
        self, error: DeliveryError, *, chat_id: str | None = None, delivered: bool = False
    ) -> None:
        """The next send (to ``chat_id``, or to any chat) raises ``error``.

        ``delivered=True`` means the platform got the message although the caller sees the
        error (a time-out after the request left)."""
        self._failures.setdefault(chat_id, deque()).append((error, delivered))

    def _now(self) -> float:
        return self._monotonic() if self._monotonic is not None else 0.0

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
        scripted = self._failures.get(chat_id) or self._failures.get(None)
        if self._delay:
            await asyncio.sleep(self._delay)
        if scripted:
            error, delivered = scripted.popleft()
            self.attempts.append(Attempt(chat_id, reply, self._now(), error))
            if delivered:
                self._accept(chat_id, reply)
            raise error
        self.attempts.append(Attempt(chat_id, reply, self._now(), None))
        return list(self._accept(chat_id, reply).message_ids)

    def _accept(self, chat_id: str, reply: Reply) -> Delivered:
        record = Delivered(chat_id, reply, (str(next(self._ids)),), self._now())
        self.delivered.append(record)
        return record

    def to(self, chat_id: str) -> list[Reply]:
        """The replies the platform accepted for one chat, in order."""
        return [record.reply for record in self.delivered if record.chat_id == chat_id]


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self, start: float = 0.0, *, early_wakeups: int = 0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._early = early_wakeups  # this many sleeps wake after half their time

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self._early > 0:
            self._early -= 1
            seconds /= 2
        # Concurrent sleepers share one time line: it moves to the latest wake-up asked for.
        target = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, target)


__all__ = ["Attempt", "Delivered", "FakeTime", "OutcomeUnknown", "RecordingChannel"]
