"""A roster larger than one planning chunk: the tick plans and sends it chunk by chunk (its
memory bounded by the chunk, not the roster), and every chat still gets exactly the message
planned for the whole roster, once, across a stop and a second sender."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.clock import FrozenClock
from scheduler import runner as runner_module
from scheduler.outbox import Outbox
from scheduler.pacing import TELEGRAM
from scheduler.runner import SchedulerRunner
from tests.conftest import local
from tests.support.recording_channel import FakeTime, RecordingChannel
from tests.test_reminders_sending import add_user, ledger

UNITS = ("so-y-te", "so-gtvt", "so-khdt", "so-tai-chinh")
GROUP = "-100555"  # one group chat shared by two units' focal points: one merged message


def _seed(services: Services) -> list[str]:
    chats = []
    for number in range(14):
        chat = str(500 + number)
        add_user(services.db, chat, UNITS[number % len(UNITS)])
        chats.append(chat)
    add_user(services.db, GROUP, "so-y-te")
    add_user(services.db, GROUP, "so-gtvt")
    add_user(services.db, "900", "vp-ubnd-tinh", role="secretariat")
    return chats


def _runner(services: Services, channel: RecordingChannel, holder: str) -> SchedulerRunner:
    fake = FakeTime()  # the channel's answer-clocked pacer, its waits on a fake clock
    return SchedulerRunner(
        services,
        {"telegram": channel},
        holder=holder,
        pacer_factory=lambda _name: TELEGRAM.pacer(monotonic=fake.monotonic, sleep=fake.sleep),
        concurrency=3,
    )


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner_module, "PLAN_CHUNK", 4)


async def test_a_roster_sent_in_chunks_gets_what_the_whole_roster_is_owed(
    services: Services, clock: FrozenClock, small_chunks: None
) -> None:
    _seed(services)
    clock.set(local(2021, 3, 22, 8))  # overdue: the units and the secretariat's list
    channel = RecordingChannel("telegram")
    runner = _runner(services, channel, "chunked")
    owed = sorted((m.chat_id, m.reply.text) for m in runner.owed(clock.now()))
    chats = {chat for chat, _text in owed}
    assert len(chats) == 16  # 14 private chats, the group (one message), the secretariat

    result = await runner.tick(keep=False)

    sent = sorted((record.chat_id, record.reply.text) for record in channel.delivered)
    assert sent == owed  # the same messages, each once
    assert runner.pacer("telegram").in_flight == 0  # every slot was answered
    assert result.sent == len(owed)
    assert result.deliveries == []
    assert result.owed == ()
    again = await runner.tick()
    assert again.sent == 0
    assert again.count("already") == len(owed)
    assert len(channel.delivered) == len(owed)
    await runner.shutdown()


async def test_a_stop_in_the_middle_of_the_roster_loses_and_doubles_nothing(
    services: Services, clock: FrozenClock, small_chunks: None
) -> None:
    _seed(services)
    clock.set(local(2021, 3, 22, 8))
    channel = RecordingChannel("telegram")
    first = _runner(services, channel, "first")
    owed = [message.chat_id for message in first.owed(clock.now())]
    original_send = channel.send

    async def send_then_stop(chat_id: str, reply: object) -> list[str]:
        ids = await original_send(chat_id, reply)  # type: ignore[arg-type]
        if len(channel.delivered) == 5:
            first.stop_sending()  # SIGTERM: the requests on the wire finish, nothing new starts
        return ids

    channel.send = send_then_stop  # type: ignore[method-assign]
    stopped = await first.tick()
    await first.shutdown()
    assert 5 <= stopped.sent < len(owed)
    assert {row.state for row in ledger(services.db)} <= {"sent", "failed"}  # given back

    second = _runner(services, channel, "second")
    assert Outbox(services.db, holder="second").acquire_lease(clock.now())
    await second.tick()
    await second.shutdown()
    chats = [record.chat_id for record in channel.delivered]
    assert sorted(chats) == sorted(owed)  # everyone once: nobody twice, nobody missed
    assert {row.state for row in ledger(services.db)} == {"sent"}
