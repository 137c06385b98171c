"""The command line for Zalo: ``invite --channel zalo`` and ``planbot run`` serving Zalo."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.bootstrap import bootstrap
from bot.cli import app
from bot.config import Settings
from bot.registration import create_invitations, redeem
from tests.conftest import REPO_ROOT
from tests.support.cli_process import start_planbot
from tests.support.telegram_server import FakeTelegram, TgUser
from tests.support.zalo_server import ZaloBotApiServer

cli = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
    }
    for name in list(os.environ):
        if name.startswith("PLANBOT_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return values


@pytest.fixture
async def api() -> AsyncIterator[ZaloBotApiServer]:
    async with ZaloBotApiServer() as server:
        yield server


def invite_zalo(*args: str) -> list[dict[str, object]]:
    result = cli.invoke(app, ["invite", "so y te", "--channel", "zalo", *args])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)) if "--format" in args else []


def test_invite_for_zalo_prints_the_message_to_send(env: dict[str, str]) -> None:
    [row] = invite_zalo("--format", "json")
    code = str(row["code"])
    assert row["link"] is None  # no deep link on Zalo
    assert row["instruction"] == (
        f"Mở Zalo, tìm bot Zalo của planbot và gửi cho bot tin nhắn: dangky {code}"
    )
    table = cli.invoke(app, ["invite", "so y te", "--channel", "zalo"])
    assert table.exit_code == 0
    assert "dangky" in table.output
    assert "t.me" not in table.output
    wrong = cli.invoke(app, ["invite", "so y te", "--channel", "viber"])
    assert wrong.exit_code == 2
    assert "telegram, zalo hoặc web" in wrong.output


async def test_run_serves_zalo_without_telegram(env: dict[str, str], api: ZaloBotApiServer) -> None:
    [row] = invite_zalo("--format", "json")
    process_env = {
        **os.environ,
        **env,
        "PLANBOT_ZALO_TOKEN": api.token,
        "PLANBOT_ZALO_API_URL": api.root,
        "PYTHONPATH": str(REPO_ROOT),
        "PLANBOT_WEB_PORT": "0",  # any free port: 8080 may be taken on this machine
    }
    process = await start_planbot(
        "run",
        env=process_env,
    )
    try:
        api.push(api.text_update(f"dangky {row['code']}", chat_id="z-run", user_id="z-run"))
        async with asyncio.timeout(60):
            while not api.texts("z-run"):
                assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
                await asyncio.sleep(0.1)
        [welcome] = api.texts("z-run")
        assert "Sở Y tế" in welcome
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert api.token not in err.decode()
    assert [c.method for c in api.calls][:2] == ["getMe", "deleteWebhook"]


@pytest.mark.parametrize("with_telegram", [False, True])
async def test_run_stops_with_a_clear_message_when_zalo_refuses_the_token(
    env: dict[str, str], api: ZaloBotApiServer, with_telegram: bool
) -> None:
    """A wrong Zalo token must not leave a process that runs but never hears from Zalo."""
    process_env = {
        **os.environ,
        **env,
        "PLANBOT_ZALO_TOKEN": "999:wrong-zalo-token-value",
        "PLANBOT_ZALO_API_URL": api.root,
        "PYTHONPATH": str(REPO_ROOT),
        "PLANBOT_WEB_PORT": "0",  # any free port: 8080 may be taken on this machine
    }
    if with_telegram:
        from tests.support.telegram_server import FakeTelegram

        telegram = FakeTelegram()
        await telegram.start()
        process_env["PLANBOT_TELEGRAM_TOKEN"] = telegram.token
        process_env["PLANBOT_TELEGRAM_API_URL"] = telegram.url
    try:
        process = await start_planbot(
            "run",
            env=process_env,
        )
        _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if with_telegram:
            await telegram.stop()
    stderr = err.decode()
    assert process.returncode == 2, stderr
    assert "Zalo từ chối token" in stderr
    assert "wrong-zalo-token-value" not in stderr
    assert "Traceback" not in stderr


async def test_one_run_process_serves_telegram_and_zalo_with_one_scheduler(
    env: dict[str, str], api: ZaloBotApiServer, tmp_path: Path
) -> None:
    """``planbot run`` with both tokens: both platforms answer, and the one scheduler of the
    process sends the reminders owed to a Zalo user as to a Telegram user."""
    settings = Settings()
    services = bootstrap(settings)
    now = datetime.now(settings.tz)
    health, finance = "so-y-te", "so-tai-chinh"
    [zalo_code, telegram_code, later_code] = [
        create_invitations(services.db, agency, role="focal", count=1, expires_days=7, now=now)[
            0
        ].code
        for agency in (health, finance, health)
    ]
    for code, channel, chat in ((zalo_code, "zalo", "z-focal"), (telegram_code, "telegram", "71")):
        redeemed = redeem(
            services.db,
            code,
            channel=channel,
            external_id=chat,
            chat_id=chat,
            display_name="Cán bộ đầu mối",
            language=None,
            now=now,
        )
        assert redeemed.user is not None
    services.db.dispose()

    async with FakeTelegram() as telegram:
        telegram.private_chat(TgUser(71, "Lan"))
        newcomer = TgUser(72, "Minh")
        telegram.private_chat(newcomer)
        process_env = {
            **os.environ,
            **env,
            "PLANBOT_TELEGRAM_TOKEN": telegram.token,
            "PLANBOT_TELEGRAM_API_URL": telegram.url,
            "PLANBOT_ZALO_TOKEN": api.token,
            "PLANBOT_ZALO_API_URL": api.root,
            # A reminder on every day before a due date: one is owed whatever today is.
            "PLANBOT_REMINDER_DAYS": json.dumps(list(range(1, 121))),
            "PYTHONPATH": str(REPO_ROOT),
            "PLANBOT_WEB_PORT": "0",  # any free port: 8080 may be taken on this machine
        }
        process = await start_planbot(
            "run",
            env=process_env,
        )
        try:
            async with asyncio.timeout(60):
                # The start-up tick of the scheduler reaches both platforms.
                while not (api.texts("z-focal") and telegram.bot_messages(71)):
                    assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
                    await asyncio.sleep(0.1)
                # Both platforms are served by the same process at the same time.
                api.push(api.text_update(f"dangky {later_code}", chat_id="z-new", user_id="z-new"))
                await telegram.user_says(newcomer, "/help")
                while not (api.texts("z-new") and telegram.bot_messages(72)):
                    assert process.returncode is None, await process.stderr.read()  # type: ignore[union-attr]
                    await asyncio.sleep(0.1)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    errors = err.decode()
    assert api.token not in errors
    assert telegram.token not in errors

    reminders = api.texts("z-focal")
    assert any(text.startswith("Nhắc báo cáo ") for text in reminders)
    reminder = "\n".join(reminders)
    assert "Hạn gửi báo cáo" in reminder
    assert "2.2.1" in reminder  # an item Sở Y tế leads and has not reported
    assert all(len(text) <= 2000 for text in api.texts())
    assert any(m.text.startswith("Nhắc báo cáo ") for m in telegram.bot_messages(71))
    [welcome] = api.texts("z-new")
    assert "Sở Y tế" in welcome
    assert "chưa được đăng ký" in telegram.bot_messages(72)[0].text  # Telegram answered too
    assert telegram.calls_of("getUpdates")
    assert [c.method for c in api.calls][:2] == ["getMe", "deleteWebhook"]
