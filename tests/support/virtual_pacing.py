"""Flood limiters on virtual time, for tests that are not about pacing.

A conversation test sends several answers to one chat within a second, and a reminder tick
several messages to one chat; the real pacer makes each wait out Telegram's one message a second
per chat in real time (about a second per message). These pacers have the same limits on a
clock that only moves when they sleep (:class:`FakeTime`): every request still takes its slot
in the same order through the same code (the application keeps its own
:class:`PacedRateLimiter`), nothing waits in real time. Pacing itself is tested on that clock in
tests/test_send_path.py, tests/test_pacing_margin.py and tests/test_reminders_pacing.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.ext import ExtBot

from bot.channels.telegram_limiter import PacedRateLimiter
from scheduler.pacing import PLATFORM_LIMITS, TELEGRAM, ZALO, Pacer
from tests.support.recording_channel import FakeTime


def pace_on_virtual_time(bot: ExtBot[Any]) -> FakeTime:
    """Swap the bot's pacer for one of the same limits on a :class:`FakeTime`; returns it."""
    limiter: object = bot.rate_limiter
    assert isinstance(limiter, PacedRateLimiter), limiter
    real = limiter.pacer
    time = FakeTime()
    limiter.pacer = Pacer(
        monotonic=time.monotonic,
        sleep=time.sleep,
        overall_per_second=real.overall_per_second,
        chat_interval=real.chat_interval,
        group_per_minute=real.group_per_minute,
        groups_by_id=real.groups_by_id,
        margin=real.margin,
    )
    return time


def virtual_pacers() -> Callable[[str], Pacer]:
    """A ``pacer_factory`` for :class:`SchedulerRunner`: each channel's pacer has its
    platform's limits (:data:`PLATFORM_LIMITS`) on one shared :class:`FakeTime`."""
    time = FakeTime()

    def pacer(channel: str) -> Pacer:
        limits = PLATFORM_LIMITS.get(channel, TELEGRAM)
        return Pacer(
            monotonic=time.monotonic,
            sleep=time.sleep,
            overall_per_second=limits.overall_per_second,
            chat_interval=limits.chat_interval,
            group_per_minute=limits.group_per_minute,
            groups_by_id=limits.groups_by_id,
        )

    return pacer


def zalo_pacer_on_virtual_time() -> Pacer:
    """The Zalo channel's pacer (:data:`ZALO`'s limits, clocked by the answers as in a running
    channel) on its own :class:`FakeTime`: for conversation tests that are not about pacing
    (the fake Zalo server judges no rate; pacing is tested in tests/test_zalo_pacing.py)."""
    time = FakeTime()
    return ZALO.pacer(monotonic=time.monotonic, sleep=time.sleep)
