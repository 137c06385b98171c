"""Outbound pacing on a fake clock: 30/s overall, 1/s per chat, 20/min per group, 429 pauses."""

from __future__ import annotations

import asyncio

from scheduler.pacing import Pacer
from tests.support.recording_channel import FakeTime


def _pacer(fake: FakeTime) -> Pacer:
    return Pacer(monotonic=fake.monotonic, sleep=fake.sleep)


async def _times(pacer: Pacer, fake: FakeTime, chats: list[str]) -> list[float]:
    moments = []
    for chat in chats:
        await pacer.wait(chat)
        moments.append(fake.now)
    return moments


async def test_at_most_thirty_messages_in_any_second() -> None:
    fake = FakeTime()
    pacer = _pacer(fake)
    moments = await _times(pacer, fake, [str(n) for n in range(95)])
    for index, moment in enumerate(moments):
        window = [m for m in moments if moment <= m < moment + 1.0]
        assert len(window) <= 30, index
    assert moments[29] == 0.0
    assert moments[30] == 1.0
    assert moments[-1] == 3.0


async def test_at_most_one_message_per_second_to_one_chat() -> None:
    fake = FakeTime()
    pacer = _pacer(fake)
    moments = await _times(pacer, fake, ["42", "43", "42", "42", "43"])
    assert moments == [0.0, 0.0, 1.0, 2.0, 2.0]


async def test_at_most_twenty_per_minute_to_a_group() -> None:
    fake = FakeTime()
    pacer = _pacer(fake)
    moments = await _times(pacer, fake, ["-100123"] * 25)
    assert moments[:20] == [float(n) for n in range(20)]  # 1/s for the first twenty
    assert moments[20] == 60.0  # then the minute window is full
    for moment in moments:
        assert len([m for m in moments if moment <= m < moment + 60.0]) <= 20


async def test_retry_after_pauses_every_chat_and_is_never_ended_early() -> None:
    fake = FakeTime(100.0, early_wakeups=5)  # the timer wakes up early five times
    pacer = _pacer(fake)
    await pacer.wait("1")
    pacer.pause(30)
    pacer.pause(5)  # a shorter pause does not shorten the first one
    await pacer.wait("2")
    assert fake.now >= 130.0
    pacer.pause(10)
    moments = await asyncio.gather(pacer.wait("3"), pacer.wait("4"))
    assert fake.now >= 140.0
    assert all(m >= 0 for m in moments)


async def test_a_longer_pause_extends_the_wait() -> None:
    fake = FakeTime()
    pacer = _pacer(fake)
    pacer.pause(2)
    pacer.pause(7)
    await pacer.wait("1")
    assert fake.now == 7.0
