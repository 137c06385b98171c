"""The pacer holds the flood limits as a strict server judges them on arrival: each request
reaches the server some delay after its slot, and the pacer widens its gaps by the spread of
the delays it measured, so no 1-second window at the server ever holds 31 requests."""

from __future__ import annotations

import asyncio
import itertools

from scheduler.pacing import INITIAL_MARGIN, MAX_MARGIN, SAFETY_MARGIN, Pacer
from tests.support.recording_channel import FakeTime


def _max_in_window(moments: list[float], window: float) -> int:
    ordered = sorted(moments)
    return max(len([m for m in ordered if start <= m < start + window]) for start in ordered)


async def _send_all(pacer: Pacer, fake: FakeTime, delays: list[float]) -> list[float]:
    """Send one message per delay (to distinct chats, many in flight at once, as the runner
    does); returns the moments the requests reached the server. Each answer comes back twice
    the one-way delay after its slot, which is what the pacer measures."""
    arrivals = []
    for number, delay in enumerate(delays):
        await pacer.wait(str(1000 + number))
        arrivals.append(fake.now + delay)
        pacer.note_delay(2 * delay)
    return arrivals


async def test_jitter_larger_than_the_fixed_margin_is_absorbed() -> None:
    # One request in four takes 60 ms to arrive, the others 5 ms: 55 ms of jitter.
    delays = list(itertools.islice(itertools.cycle([0.06, 0.005, 0.005, 0.005]), 300))
    fake = FakeTime()
    measured = Pacer(monotonic=fake.monotonic, sleep=fake.sleep, margin=SAFETY_MARGIN, measure=True)
    arrivals = await _send_all(measured, fake, delays)
    assert _max_in_window(arrivals, 1.0) <= 30
    assert SAFETY_MARGIN < measured.margin <= MAX_MARGIN

    fake = FakeTime()
    fixed = Pacer(monotonic=fake.monotonic, sleep=fake.sleep, margin=SAFETY_MARGIN)
    arrivals = await _send_all(fixed, fake, delays)
    assert _max_in_window(arrivals, 1.0) > 30  # the old fixed 20 ms margin let 31 arrive


async def test_steady_delays_cost_only_the_least_margin() -> None:
    fake = FakeTime()
    pacer = Pacer(monotonic=fake.monotonic, sleep=fake.sleep, margin=SAFETY_MARGIN, measure=True)
    assert pacer.margin == INITIAL_MARGIN  # nothing measured yet: be careful
    await _send_all(pacer, fake, [0.01] * 300)
    assert pacer.margin == SAFETY_MARGIN
    # The 300th message leaves after nine full windows of 1 s + 20 ms: 0.98 of the ceiling.
    assert abs(fake.now - 9 * (1.0 + SAFETY_MARGIN)) < 1e-6


async def test_a_slot_older_than_one_second_still_counts_within_the_margin() -> None:
    fake = FakeTime()
    pacer = Pacer(monotonic=fake.monotonic, sleep=fake.sleep, margin=0.3)
    for number in range(30):
        await pacer.wait(str(number))
    fake.now = 1.1  # past the first slot's second, within its margin
    await pacer.wait("next")
    assert fake.now == 1.3


async def test_timed_measures_from_the_slot_to_the_answer() -> None:
    fake = FakeTime()
    pacer = Pacer(monotonic=fake.monotonic, sleep=fake.sleep, measure=True)
    for number, delay in enumerate([0.01] * 7 + [0.25]):
        await pacer.wait(str(number))

        async def request(delay: float = delay) -> str:
            await asyncio.sleep(0)
            fake.now += delay
            return "ok"

        assert await pacer.timed(str(number), request()) == "ok"
    assert abs(pacer.margin - 0.24) < 1e-9
