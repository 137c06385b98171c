"""Benchmark: one reminder tick for a province-sized roster, through python-telegram-bot over
HTTP to the local fake Bot API server (tests/support/telegram_server.py), with the real pacer.

What it measures: how long planning what is owed takes (the database and progress work of a
tick), how long delivering takes, and whether the sender stays under Telegram's flood limits
(≤ 30 messages in any one second overall, ≤ 1 per second per chat). A second tick must send
nothing. Run:  .venv/bin/python -m bench.bench_reminders [--per-unit 20]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import deque
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.channels.telegram import TelegramChannel, build_channel
from bot.clock import FrozenClock
from bot.messages import Reply
from bot.models import User
from scheduler.runner import SchedulerRunner
from tests.conftest import local, make_settings
from tests.support.telegram_server import FakeTelegram, TgUser


class TimedChannel:
    """Wraps the real Telegram channel and notes when each send was handed to it."""

    def __init__(self, inner: TelegramChannel) -> None:
        self.inner = inner
        self.sent_at: list[float] = []
        self.by_chat: dict[str, list[float]] = {}

    @property
    def name(self) -> str:
        return self.inner.name

    async def send(self, chat_id: str, reply: Reply) -> list[str]:
        moment = time.monotonic()
        self.sent_at.append(moment)
        self.by_chat.setdefault(chat_id, []).append(moment)
        return await self.inner.send(chat_id, reply)


def max_in_window(moments: list[float], window: float) -> int:
    best = 0
    recent: deque[float] = deque()
    for moment in sorted(moments):
        recent.append(moment)
        while recent[0] <= moment - window:
            recent.popleft()
        best = max(best, len(recent))
    return best


async def main(per_unit: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'bench.db'}"
        async with FakeTelegram() as fake:
            settings = make_settings(tmp, url, telegram_token=fake.token, telegram_api_url=fake.url)
            services = bootstrap(settings, clock=FrozenClock(local(2021, 3, 17, 8, 0)))
            units = services.plan.reporting_units()
            chat = 100_000
            with services.db.write() as session:
                for unit in units:
                    for _ in range(per_unit):
                        chat += 1
                        fake.private_chat(TgUser(chat, f"user{chat}"))
                        session.add(
                            User(
                                channel="telegram",
                                external_id=str(chat),
                                chat_id=str(chat),
                                agency_id=unit,
                                role="focal",
                                created_at=local(2021, 1, 5, 9),
                            )
                        )
            channel = build_channel(settings)
            assert channel is not None
            async with channel:
                timed = TimedChannel(channel)
                runner = SchedulerRunner(services, {"telegram": timed}, holder="bench")
                now = services.clock.now()

                started = time.perf_counter()
                owed = runner.owed(now)
                planning = time.perf_counter() - started

                started = time.perf_counter()
                first = await runner.tick(now)
                delivering = time.perf_counter() - started

                started = time.perf_counter()
                second = await runner.tick(now)
                repeat = time.perf_counter() - started
                await runner.shutdown()
            services.db.dispose()

    chats = len(units) * per_unit
    per_chat_gaps = [
        later - earlier
        for moments in timed.by_chat.values()
        for earlier, later in zip(sorted(moments), sorted(moments)[1:], strict=False)
    ]
    print(f"units: {len(units)}, focal points: {chats}")
    print(f"owed messages planned: {len(owed)} in {planning * 1000:.0f} ms")
    print(
        f"first tick: {first.sent} sent in {delivering:.2f} s ({first.sent / delivering:.1f} msg/s)"
    )
    print(f"max sends in any 1 s window: {max_in_window(timed.sent_at, 1.0)} (limit 30)")
    if per_chat_gaps:
        print(f"min gap between two sends to one chat: {min(per_chat_gaps):.2f} s (limit 1.00)")
    print(f"second tick: {second.sent} sent in {repeat * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-unit", type=int, default=20, help="focal points per unit")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.per_unit))
