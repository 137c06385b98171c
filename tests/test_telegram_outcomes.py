"""Every outcome of a send has a name (DESIGN.md §5), told apart on the real PTB HTTP stack.

The fake Bot API answers 429, 5xx, 401, 403, an HTML error page, a group migration, hangs past
the time-out, or carries the call out and drops the connection; a refused connection is a port
nobody listens on. A reminder whose request left without an answer is marked ``unknown`` and
never resent; a migrated group is followed to its new id everywhere and gets its reminder there.
"""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.bootstrap import Services
from bot.channels.telegram import TelegramChannel
from bot.clock import FrozenClock
from bot.messages import (
    ChatMoved,
    DeliveryError,
    OutcomeUnknown,
    Reply,
    RetryLater,
    TransientError,
    Undeliverable,
)
from bot.models import Reminder, SentMessage, User
from scheduler.pacing import Pacer
from scheduler.runner import SchedulerRunner
from tests.conftest import local
from tests.support.ports import free_port
from tests.support.recording_channel import FakeTime
from tests.support.telegram_server import FailMode, FakeTelegram, TgUser
from tests.test_reminders_sending import HEALTH, add_user, ledger

USER = TgUser(int(HEALTH), "Lan")
GROUP = -100200
SUPERGROUP = -1001234567890


def channel_for(url: str, token: str, timeout: float = 0.5) -> TelegramChannel:
    request = HTTPXRequest(
        read_timeout=timeout, write_timeout=timeout, connect_timeout=timeout, pool_timeout=timeout
    )
    return TelegramChannel(Bot(token, base_url=f"{url}/bot", request=request))


@pytest.mark.parametrize(
    ("mode", "expected", "delivered"),
    [
        ("429", RetryLater, False),
        ("500", TransientError, False),
        ("html", TransientError, False),
        ("401", Undeliverable, False),
        ("403", Undeliverable, False),
        ("hang", OutcomeUnknown, True),
        ("drop", OutcomeUnknown, True),
    ],
)
async def test_each_answer_is_classified(
    mode: FailMode, expected: type[DeliveryError], delivered: bool
) -> None:
    async with FakeTelegram(hang_seconds=2.0) as tg:
        tg.private_chat(USER)
        async with channel_for(tg.url, tg.token) as channel:
            tg.fail_next("sendMessage", mode, retry_after=3)
            with pytest.raises(DeliveryError) as raised:
                await channel.send(HEALTH, Reply("Nhắc báo cáo"))
            assert type(raised.value) is expected or isinstance(raised.value, expected)
            assert not isinstance(raised.value, ChatMoved)
            if isinstance(raised.value, RetryLater):
                assert raised.value.retry_after == 3
            assert tg.token not in str(raised.value)
            assert len(tg.bot_messages(USER.id)) == (1 if delivered else 0)
            # The next call goes through: nothing is stuck.
            assert await channel.send(HEALTH, Reply("Lần sau"))


async def test_a_group_migration_names_the_new_chat() -> None:
    async with FakeTelegram() as tg:
        tg.group_chat(GROUP, "Nhóm đầu mối")
        async with channel_for(tg.url, tg.token) as channel:
            tg.fail_next("sendMessage", "migrate", migrate_to=SUPERGROUP)
            with pytest.raises(ChatMoved) as raised:
                await channel.send(str(GROUP), Reply("Nhắc"))
            assert raised.value.new_chat_id == str(SUPERGROUP)
            assert tg.bot_messages(GROUP) == []


async def test_a_refused_connection_is_retried_later() -> None:
    port = free_port()  # a port nobody listens on
    token = "123456789:TEST_fake_token_abcdefghijklmnopqrstu"
    channel = channel_for(f"http://127.0.0.1:{port}", token)  # not initialised: no getMe
    with pytest.raises(TransientError) as raised:
        await channel.send(HEALTH, Reply("x"))
    assert "not sent" in str(raised.value)
    assert token not in str(raised.value)


def _runner(services: Services, channel: TelegramChannel) -> SchedulerRunner:
    fake = FakeTime()
    return SchedulerRunner(
        services,
        {"telegram": channel},
        holder="outcome-test",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
    )


async def test_accepted_then_dropped_is_unknown_and_never_resent(
    services: Services, clock: FrozenClock
) -> None:
    add_user(services.db, HEALTH, "so-y-te")
    clock.set(local(2021, 3, 17, 8))
    async with FakeTelegram() as tg:
        tg.private_chat(USER)
        async with channel_for(tg.url, tg.token) as channel:
            runner = _runner(services, channel)
            tg.fail_next("sendMessage", "drop")
            first = await runner.tick()
            assert first.count("unknown") == 1
            for minutes in (1, 5, 60):
                clock.set(
                    local(2021, 3, 17, 8, minutes % 60) if minutes < 60 else local(2021, 3, 17, 9)
                )
                later = await runner.tick()
                assert later.sent == 0
            await runner.shutdown()
        assert len(tg.bot_messages(USER.id)) == 1  # it did arrive, once
    (row,) = ledger(services.db)
    assert row.state == "unknown"
    assert row.last_error is not None
    assert "sent, no answer" in row.last_error


async def test_a_migrated_group_gets_its_reminder_at_the_new_id(
    services: Services, clock: FrozenClock
) -> None:
    add_user(services.db, str(GROUP), "so-y-te")
    with services.db.write() as session:
        session.add(
            SentMessage(
                channel="telegram",
                chat_id=str(GROUP),
                message_id="5",
                context={"kind": "tasks"},
                created_at=local(2021, 3, 1, 9),
            )
        )
    clock.set(local(2021, 3, 17, 8))
    async with FakeTelegram() as tg:
        tg.group_chat(GROUP, "Nhóm Sở Y tế")
        async with channel_for(tg.url, tg.token) as channel:
            runner = _runner(services, channel)
            tg.fail_next("sendMessage", "migrate", migrate_to=SUPERGROUP)
            result = await runner.tick()
            assert result.sent == 1
            clock.set(local(2021, 3, 17, 8, 1))
            assert (await runner.tick()).sent == 0
            await runner.shutdown()
        assert tg.bot_messages(GROUP) == []
        (message,) = tg.bot_messages(SUPERGROUP)
        assert "Sở Y tế" in message.text
    with services.db.session() as session:
        (user,) = session.exec(select(User)).all()
        assert user.chat_id == str(SUPERGROUP)
        rows = session.exec(select(SentMessage).order_by(col(SentMessage.id))).all()
        assert {row.chat_id for row in rows} == {str(SUPERGROUP)}
        (reminder,) = session.exec(select(Reminder)).all()
        assert (reminder.chat_id, reminder.state) == (str(SUPERGROUP), "sent")
