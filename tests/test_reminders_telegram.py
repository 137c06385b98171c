"""``planbot remind`` as an operator runs it: a separate process, the real python-telegram-bot
stack, over HTTP to the fake Bot API server. Each unit hears exactly what it still owes, once."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.clock import FrozenClock
from tests.conftest import local, make_settings
from tests.support.cli_process import start_planbot
from tests.support.telegram_server import FakeTelegram, TgUser
from tests.test_reminders_sending import (
    FINANCE,
    HEALTH,
    PLANNING,
    SECRETARIAT,
    TRANSPORT,
    report,
    seed_users,
)


async def remind(fake: FakeTelegram, url: str, data_dir: Path, at: str) -> tuple[int, str]:
    env = dict(os.environ)
    env.update(
        {
            "PLANBOT_DATABASE_URL": url,
            "PLANBOT_DATA_DIR": str(data_dir),
            "PLANBOT_TELEGRAM_TOKEN": fake.token,
            "PLANBOT_TELEGRAM_API_URL": fake.url,
            "PTB_TIMEDELTA": "true",
        }
    )
    env.pop("PLANBOT_ZALO_TOKEN", None)
    process = await start_planbot(
        "remind",
        "--at",
        at,
        env=env,
        merge_stderr=True,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_remind_sends_each_unit_what_it_still_owes_and_a_second_run_sends_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'planbot.db'}"
    services = bootstrap(make_settings(tmp_path, url), clock=FrozenClock(local(2021, 3, 1, 9)))
    seed_users(services.db)
    for task in ("2.3", "2.4", "2.7.3", "1.9"):  # Sở GTVT has reported everything
        report(services.db, "so-gtvt", task, local(2021, 3, 15, 10), "2021-Q1")
    services.db.dispose()

    async with FakeTelegram() as fake:
        for chat in (HEALTH, TRANSPORT, PLANNING, FINANCE, SECRETARIAT):
            fake.private_chat(TgUser(int(chat), f"user{chat}"))

        code, output = await remind(fake, url, tmp_path / "data", "2021-03-17T08:00+07:00")
        assert code == 0, output
        assert fake.token not in output

        (health,) = fake.bot_messages(int(HEALTH))
        assert "Quý I/2021" in health.text
        assert "2.2.1" in health.text
        assert "trước thứ Bảy, ngày 20/03/2021" in health.text
        assert fake.bot_messages(int(TRANSPORT)) == []  # nothing owed, nothing sent
        (finance,) = fake.bot_messages(int(FINANCE))
        owed, _, for_information = finance.text.partition("phối hợp:")
        assert "1.1–1.9" in owed  # Sở Tài chính leads nothing: only the general part is owed
        assert "2.2.1" not in owed
        assert "2.2.1" in for_information
        sent = len(fake.calls_of("sendMessage"))

        code, output = await remind(fake, url, tmp_path / "data", "2021-03-17T08:00+07:00")
        assert code == 0, output
        assert len(fake.calls_of("sendMessage")) == sent
