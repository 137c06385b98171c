"""The injected clock: production reads the system time, tests set it."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current, timezone-aware time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in the configured zone."""

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz

    def now(self) -> datetime:
        return datetime.now(self._tz)


class FrozenClock:
    """A clock that stands still until told to move; for tests and one-off runs (--at)."""

    def __init__(self, at: datetime) -> None:
        self._now = _aware(at)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = _aware(at)

    def advance(self, delta: timedelta) -> None:
        self._now = self._now + delta


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: give a time zone")
    return value
