"""Reminders reach Zalo users through the same scheduler, and a Zalo user registers by message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.bootstrap import Services
from bot.channels.zalo import ZaloBot, ZaloChannel, ZaloClient
from bot.cli.schedule import build_channels
from bot.clock import FrozenClock
from bot.registration import create_invitations, find_user
from handlers.core import ChatHandlers
from scheduler.runner import SchedulerRunner
from tests.conftest import make_settings
from tests.support.zalo_server import ZaloBotApiServer


@pytest.fixture
async def api() -> AsyncIterator[ZaloBotApiServer]:
    async with ZaloBotApiServer() as server:
        yield server


@pytest.fixture
async def channel(api: ZaloBotApiServer, services: Services) -> AsyncIterator[ZaloChannel]:
    async with ZaloChannel(ZaloClient(api.token, api.root, timeout=2.0), services.db) as zalo:
        yield zalo


def invitation_code(services: Services, agency_id: str) -> str:
    [invitation] = create_invitations(
        services.db,
        agency_id,
        role="focal",
        count=1,
        expires_days=30,
        now=services.clock.now(),
    )
    return invitation.code


@pytest.mark.parametrize("form", ["dangky {code}", "Đăng ký {code}", "/start {code}", "{code}"])
async def test_register_by_message(
    api: ZaloBotApiServer, channel: ZaloChannel, services: Services, form: str
) -> None:
    agency_id = services.plan.reporting_units()[0]
    code = invitation_code(services, agency_id)
    bot = ZaloBot(channel, ChatHandlers(services).handle, services.db, services.clock)
    await bot.process(api.text_update(form.format(code=code), chat_id="z-1", user_id="z-1"))
    user = find_user(services.db, "zalo", "z-1")
    assert user is not None
    assert (user.agency_id, user.chat_id) == (agency_id, "z-1")
    [welcome] = api.texts("z-1")
    assert services.plan.agency(agency_id).name in welcome


async def test_reminder_reaches_a_zalo_user(
    api: ZaloBotApiServer, channel: ZaloChannel, services: Services, clock: FrozenClock
) -> None:
    agency_id = services.plan.reporting_units()[0]
    code = invitation_code(services, agency_id)
    bot = ZaloBot(channel, ChatHandlers(services).handle, services.db, services.clock)
    await bot.process(api.text_update(f"dangky {code}", chat_id="z-7", user_id="z-7"))
    welcome_count = len(api.texts("z-7"))

    runner = SchedulerRunner(services, {"zalo": channel})
    first = next(
        i
        for i in runner.schedule.between(clock.now().date(), date(2021, 12, 31))
        if i.kind == "before-due"
    )
    clock.set(first.at)
    result = await runner.tick()
    assert result.sent >= 1
    reminders = api.texts("z-7")[welcome_count:]
    assert reminders
    assert all(len(text) <= 2000 for text in reminders)
    # The same tick again sends nothing twice.
    again = await runner.tick()
    assert again.sent == 0
    assert api.texts("z-7")[welcome_count:] == reminders


async def test_build_channels_includes_zalo_with_a_token(tmp_path: Path, sqlite_url: str) -> None:
    assert "zalo" not in build_channels(make_settings(tmp_path, sqlite_url))
    channels = build_channels(make_settings(tmp_path, sqlite_url, zalo_token="1:abc"))
    zalo = channels["zalo"]
    assert isinstance(zalo, ZaloChannel)
    async with zalo:
        assert zalo.name == "zalo"
