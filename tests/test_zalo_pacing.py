"""Zalo's answers go through the channel's one flood limiter too (issue 11): the same pacer as
its reminders, one message a second to a chat, and a "too many requests" answer pauses every
later request. The real Zalo client over HTTP to the fake Bot API; the pacer on a fake clock,
so every wait is observed."""

from __future__ import annotations

import pytest

from bot.bootstrap import Services
from bot.channels.zalo import ZaloBot, ZaloChannel, ZaloClient
from bot.messages import Incoming, Reply
from scheduler.pacing import ZALO
from scheduler.runner import SchedulerRunner
from tests.support.recording_channel import FakeTime
from tests.support.zalo_server import ZaloBotApiServer
from tests.test_zalo_bot import api, client  # the fake Zalo Bot API and a client of it

__all__ = ["api", "client"]


def _paced(client: ZaloClient, services: Services, fake: FakeTime) -> ZaloChannel:
    """The Zalo channel with its pacer on the fake clock."""
    pacer = ZALO.pacer(monotonic=fake.monotonic, sleep=fake.sleep)
    return ZaloChannel(client, services.db, pacer=pacer)


async def _two_replies(incoming: Incoming) -> list[Reply]:
    return [Reply(f"Đã nhận: {incoming.text}"), Reply("Còn 2 nhiệm vụ chưa báo cáo.")]


async def test_answers_to_one_chat_leave_a_second_apart(
    api: ZaloBotApiServer, client: ZaloClient, services: Services
) -> None:
    fake = FakeTime()
    channel = _paced(client, services, fake)
    bot = ZaloBot(channel, _two_replies, services.db, services.clock)
    await bot.process(api.text_update("2.2 xong", chat_id="c-1"))
    await bot.process(api.text_update("1.4 đang làm", chat_id="c-2"))
    assert api.texts("c-1") == ["Đã nhận: 2.2 xong", "Còn 2 nhiệm vụ chưa báo cáo."]
    assert len(api.texts("c-2")) == 2
    # The second message to c-1 waited a second after the first one's answer; c-2's first
    # did not wait for c-1; its second waited its own second.
    assert fake.sleeps == [pytest.approx(1.002), pytest.approx(1.002)]
    assert channel.pacer.in_flight == 0


async def test_too_many_requests_pauses_the_channel_and_the_answer_is_sent_once(
    api: ZaloBotApiServer, client: ZaloClient, services: Services
) -> None:
    fake = FakeTime()
    channel = _paced(client, services, fake)

    async def one_reply(incoming: Incoming) -> list[Reply]:
        return [Reply(f"Đã nhận: {incoming.text}")]

    bot = ZaloBot(channel, one_reply, services.db, services.clock)
    api.fail_next("sendMessage", 429, "Too many requests", http_status=429, retry_after=1)
    await bot.process(api.text_update("2.2 xong", chat_id="c-1"))
    assert api.texts("c-1") == ["Đã nhận: 2.2 xong"]  # retried once the pause was over, once
    assert channel.pacer.paused_until == pytest.approx(1.0)
    await bot.process(api.text_update("1.4 đang làm", chat_id="c-2"))
    assert fake.now >= 1.0  # another chat's answer waited the pause out too


async def test_reminders_and_answers_share_the_channels_pacer(
    client: ZaloClient, services: Services
) -> None:
    channel = ZaloChannel(client, services.db)
    runner = SchedulerRunner(services, {"zalo": channel}, holder="z")
    assert runner.pacer("zalo") is channel.pacer
    assert not channel.pacer.is_group("-123")  # Zalo ids are opaque: no group by the sign
