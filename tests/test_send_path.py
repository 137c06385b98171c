"""One send path, one flood limiter per channel (issue 11).

A reminder sent through the Telegram application's own bot (as in ``planbot run``) takes one
slot of the channel's one pacer, the same pacer the bot's answers go through, and a 429 on it
reaches the scheduler's ledger logic at once (python-telegram-bot does not retry it first). Zalo
chats are never taken for Telegram groups by the sign of their id. Real PTB over HTTP against
the fake Bot API; the pacer on a fake clock, so every wait is observed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlmodel import select
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.bootstrap import Services
from bot.channels.telegram import TelegramChannel, build_application, build_channel
from bot.channels.telegram_limiter import PacedRateLimiter
from bot.clock import FrozenClock
from bot.delivery import INTERACTIVE_ATTEMPTS, answer
from bot.messages import Reply, TransientError
from bot.models import SentMessage
from bot.runtime import scheduler_runner
from bot.web.channel import WebChannel
from bot.web.store import ChatStore
from scheduler.pacing import PLATFORM_LIMITS, Pacer
from scheduler.runner import SchedulerRunner
from tests.conftest import local, make_settings
from tests.support.recording_channel import FakeTime, RecordingChannel
from tests.support.telegram_server import FakeTelegram, TgUser
from tests.test_reminders_sending import HEALTH, add_user, ledger

USER = TgUser(int(HEALTH), "Lan")


def paced_channel(url: str, token: str, pacer: Pacer) -> TelegramChannel:
    """A channel over a bot with planbot's rate limiter on ``pacer`` (the application's kind)."""
    request = HTTPXRequest(read_timeout=2, write_timeout=2, connect_timeout=2, pool_timeout=2)
    bot: ExtBot[None] = ExtBot(
        token,
        base_url=f"{url}/bot",
        request=request,
        rate_limiter=PacedRateLimiter(pacer),  # type: ignore[arg-type]
    )
    return TelegramChannel(bot)


async def test_the_scheduler_and_the_answers_share_the_applications_pacer(
    services: Services,
) -> None:
    async with FakeTelegram() as tg:
        application = build_application(services, token=tg.token, api_url=tg.url)
        channel = TelegramChannel(application.bot)
        runner = scheduler_runner(services, {"telegram": channel})
        limiter: object = application.bot.rate_limiter
        assert isinstance(limiter, PacedRateLimiter)
        assert runner.pacer("telegram") is limiter.pacer is channel.pacer
        await runner.shutdown()


async def test_remind_sends_through_a_paced_bot_too(tmp_path: Path, sqlite_url: str) -> None:
    settings = make_settings(tmp_path, sqlite_url, telegram_token="123:abc")
    channel = build_channel(settings)
    assert channel is not None
    limiter = getattr(channel._bot, "rate_limiter", None)
    assert isinstance(limiter, PacedRateLimiter)
    assert channel.pacer is limiter.pacer


async def test_a_reminder_takes_one_slot_not_two(services: Services, clock: FrozenClock) -> None:
    add_user(services.db, HEALTH, "so-y-te")
    clock.set(local(2021, 3, 17, 8))
    fake = FakeTime()
    pacer = Pacer(monotonic=fake.monotonic, sleep=fake.sleep)
    async with FakeTelegram() as tg:
        tg.private_chat(USER)
        async with paced_channel(tg.url, tg.token, pacer) as channel:
            runner = SchedulerRunner(services, {"telegram": channel}, holder="one-slot")
            assert runner.pacer("telegram") is pacer
            result = await runner.tick()
            await runner.shutdown()
        assert result.sent == 1
        assert len(tg.bot_messages(USER.id)) == 1
    # Paced twice, the limiter would have waited a second for the chat slot the runner took.
    assert fake.sleeps == []
    # The answers that follow wait for the slot the reminder used (one limiter for both).
    assert pacer.earliest(HEALTH) >= fake.now + pacer.chat_interval


async def test_a_429_on_a_reminder_reaches_the_scheduler_without_a_retry_inside_ptb(
    services: Services, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    add_user(services.db, HEALTH, "so-y-te")
    clock.set(local(2021, 3, 17, 8))
    fake = FakeTime()
    pacer = Pacer(monotonic=fake.monotonic, sleep=fake.sleep)
    async with FakeTelegram() as tg:
        tg.private_chat(USER)
        async with paced_channel(tg.url, tg.token, pacer) as channel:
            runner = SchedulerRunner(services, {"telegram": channel}, holder="one-retry")
            tg.fail_next("sendMessage", "429", retry_after=7)
            with caplog.at_level(logging.WARNING, logger="scheduler.runner"):
                result = await runner.tick()
            await runner.shutdown()
        assert result.sent == 1
        # The 429, then the one resend the scheduler decided: nothing retried behind its back.
        assert len(tg.calls_of("sendMessage")) == 2
        assert len(tg.bot_messages(USER.id)) == 1
    assert "asked to wait 7" in caplog.text
    assert any(seconds >= 7 for seconds in fake.sleeps)  # the whole channel paused
    (row,) = ledger(services.db)
    assert row.state == "sent"


async def test_an_answer_is_attempted_as_often_as_the_one_policy_says(services: Services) -> None:
    fake = FakeTime()
    pacer = Pacer(monotonic=fake.monotonic, sleep=fake.sleep)
    async with FakeTelegram() as tg:
        tg.private_chat(USER)
        async with paced_channel(tg.url, tg.token, pacer) as channel:
            tg.fail_next("sendMessage", "429", retry_after=2)
            ids = await answer(lambda: channel.send(HEALTH, Reply("Đã ghi nhận")), sleep=fake.sleep)
            assert len(ids) == 1
            # Always refused: three attempts in all (the limiter itself never retries).
            tg.fail_next("sendMessage", "500", times=10)
            with pytest.raises(TransientError):
                await answer(lambda: channel.send(HEALTH, Reply("Lần hai")), sleep=fake.sleep)
        statuses = [call.status for call in tg.calls_of("sendMessage")]
        assert statuses == [429, 200, 500, 500, 500]
        assert len(tg.bot_messages(USER.id)) == 1
    # The 429 paused the channel's pacer: the retry waited it out there.
    assert any(seconds >= 2 for seconds in fake.sleeps)
    assert INTERACTIVE_ATTEMPTS == 3


async def test_zalo_chats_are_not_taken_for_telegram_groups(services: Services) -> None:
    channel = RecordingChannel("zalo")
    runner = SchedulerRunner(services, {"zalo": channel})
    zalo = runner.pacer("zalo")
    assert not zalo.is_group("-12345")  # a Zalo id that happens to start with "-"
    assert zalo.is_group("abc", group=True)  # a group chat the sender knows of
    assert runner.pacer("telegram").is_group("-100200")
    assert PLATFORM_LIMITS["telegram"].groups_by_id
    assert not PLATFORM_LIMITS["zalo"].groups_by_id


async def test_two_answers_to_one_chat_in_one_turn_leave_a_second_apart(
    services: Services,
) -> None:
    """The limiter's own slot is not held for the next request (only the scheduler's is): the
    second reply of one turn waits for the chat's second like any other."""
    fake = FakeTime()
    pacer = PLATFORM_LIMITS["telegram"].pacer(monotonic=fake.monotonic, sleep=fake.sleep)
    async with FakeTelegram() as tg:
        tg.private_chat(USER)
        async with paced_channel(tg.url, tg.token, pacer) as channel:
            await channel.send(HEALTH, Reply("Đã ghi nhận 2.2.1"))
            await channel.send(HEALTH, Reply("Còn 1.4 chưa báo cáo"))
        assert len(tg.bot_messages(USER.id)) == 2
    assert fake.sleeps == [pytest.approx(1.002)]  # one second after the first one's answer
    assert pacer.in_flight == 0


async def test_a_web_reminder_and_a_web_answer_are_each_recorded_once(
    services: Services, clock: FrozenClock, tmp_path: Path
) -> None:
    add_user(services.db, "w-7", "so-y-te", channel="web")
    clock.set(local(2021, 3, 17, 8))
    channel = WebChannel(services.db, clock, ChatStore(services.db, tmp_path / "files"))
    runner = SchedulerRunner(services, {"web": channel}, holder="web-sender")
    result = await runner.tick()
    await runner.shutdown()
    assert result.sent == 1
    (shown,) = await channel.answer(
        "w-7", [Reply("Đã ghi nhận", context={"kind": "confirmation"})], clock.now()
    )
    services.db.flush_deferred()  # an answer's context waits for the next write (bot.sent)
    with services.db.session() as session:
        rows = session.exec(select(SentMessage).where(SentMessage.chat_id == "w-7")).all()
    kinds = sorted(str(row.context["kind"]) for row in rows)
    assert kinds == ["confirmation", "reminder"]  # one row each: not recorded twice
    assert shown.id in {row.message_id for row in rows}
