"""A reminder the platform accepted is marked sent in the transaction of its sending task's next
claim (one ledger transaction a reminder, not two): when a tick returns every reminder it sent
is stored as sent with its context, a reminder followed by an extra is stored as sent before the
extra leaves, and a reminder that could not be marked sent leaves the others sent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.messages import Attachment
from bot.sent import context_of
from scheduler.pacing import Pacer
from scheduler.reminders import OwedMessage
from scheduler.runner import SchedulerRunner
from tests.conftest import local
from tests.support.recording_channel import FakeTime, RecordingChannel
from tests.test_reminders_sending import add_user, ledger

# Focal points of units that owe their lead items on 17/3/2021 (the 3-days-before reminder).
CHATS = {"101": "so-y-te", "102": "so-gtvt", "103": "so-khdt", "104": "so-tai-chinh"}


def _runner(services: Services, channel: RecordingChannel, **kwargs: Any) -> SchedulerRunner:
    for chat, agency in CHATS.items():
        add_user(services.db, chat, agency)
    fake = FakeTime()
    return SchedulerRunner(
        services,
        {"telegram": channel},
        holder="test-sender",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
        **kwargs,
    )


def _writes(services: Services) -> list[int]:
    """Counts the writing transactions (BEGIN IMMEDIATE) begun on the database."""
    count = [0]

    def begun(connection: Any) -> None:
        if connection.get_execution_options().get("planbot_immediate"):
            count[0] += 1

    event.listen(services.db.engine, "begin", begun)
    return count


async def test_one_sending_task_writes_one_ledger_transaction_a_reminder(
    services: Services, clock: FrozenClock
) -> None:
    channel = RecordingChannel("telegram")
    runner = _runner(services, channel, concurrency=1)
    clock.set(local(2021, 3, 17, 8))
    writes = _writes(services)

    result = await runner.tick()

    assert result.sent == len(CHATS)
    # The lease taken, then each reminder's claim (with the one before it marked sent), and
    # the last one marked sent alone: not a claim and a mark for each.
    assert writes[0] <= len(CHATS) + 2
    rows = ledger(services.db)
    assert {row.chat_id: row.state for row in rows} == dict.fromkeys(CHATS, "sent")
    for delivered in channel.delivered:
        assert context_of(services.db, "telegram", delivered.chat_id, delivered.message_ids[0])
    await runner.shutdown()


async def test_a_reminder_is_stored_as_sent_before_its_extra_leaves(
    services: Services, clock: FrozenClock
) -> None:
    channel = RecordingChannel("telegram")
    runner = _runner(services, channel)
    seen: dict[str, str] = {}

    def extras(message: OwedMessage) -> list[Attachment]:
        (row,) = [row for row in ledger(services.db) if row.chat_id == message.chat_id]
        seen[message.chat_id] = row.state
        return [Attachment("bao-cao.docx", b"PK..", "application/octet-stream")]

    runner.add_extras(extras)
    clock.set(local(2021, 3, 17, 8))

    result = await runner.tick()

    assert result.sent == len(CHATS)
    assert seen == dict.fromkeys(CHATS, "sent")
    assert all(len(channel.to(chat)) == 2 for chat in CHATS)
    await runner.shutdown()


async def test_a_reminder_that_cannot_be_marked_sent_leaves_the_others_sent(
    services: Services, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = RecordingChannel("telegram")
    runner = _runner(services, channel, concurrency=1)
    settle_on = runner._settle_on

    def failing(connection: Any, settles: Any) -> None:
        if any(message.chat_id == "102" for _claim, message, _ids, _at in settles):
            raise RuntimeError("the disk is full")
        settle_on(connection, settles)

    monkeypatch.setattr(runner, "_settle_on", failing)
    clock.set(local(2021, 3, 17, 8))

    with pytest.raises(RuntimeError, match="the disk is full"):
        await runner.tick()

    assert {delivered.chat_id for delivered in channel.delivered} == set(CHATS)
    states = {row.chat_id: row.state for row in ledger(services.db)}
    # Left "sending": unknown at the next start, never sent twice; the others are sent.
    assert states == {**dict.fromkeys(CHATS, "sent"), "102": "sending"}
    await runner.shutdown()
