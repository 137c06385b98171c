"""``planbot run`` and ``planbot remind`` as a supervisor sees them: real processes, real signals.

A start-up failure is one Vietnamese line naming the setting and a non-zero exit, never a
traceback or the token; a receiver that Telegram stops (401 on getUpdates) ends the process
with exit 1 instead of leaving it up and deaf; SIGTERM and SIGINT stop in order, exit 0, with
nothing logged at ERROR and no traceback.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path

import pytest

from tests.support.cli_process import start_planbot
from tests.support.ports import free_port
from tests.support.telegram_server import FakeTelegram

TOKEN = "123456789:TEST_fake_token_abcdefghijklmnopqrstu"
_LOG = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")
OTHER_TOKEN = "987654321:WRONG_token_value_zyxwvutsrqponmlkjihg"


def _env(tmp_path: Path, url: str, token: str = TOKEN, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PLANBOT_TELEGRAM_TOKEN": token,
        "PLANBOT_TELEGRAM_API_URL": url,
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PTB_TIMEDELTA": "true",
        "COLUMNS": "500",  # a wide terminal: rich does not wrap the message
        "PLANBOT_WEB_PORT": "0",  # any free port: 8080 may be taken on a shared machine
        **extra,
    }
    for name in ("PLANBOT_WEBHOOK_URL", "PLANBOT_ZALO_TOKEN", "PLANBOT_LOG_FORMAT"):
        if name not in extra:
            env.pop(name, None)
    return env


async def _finish(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await start_planbot(*args, env=env, merge_stderr=True)
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=90)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, output.decode()


def _one_clear_line(output: str, setting: str, *secrets: str) -> None:
    assert "Traceback" not in output, output
    assert setting in output, output
    for secret in secrets:
        assert secret not in output
        assert secret.split(":")[1] not in output
    message = [line for line in output.splitlines() if line.strip() and not _LOG.match(line)]
    assert len(message) == 1, output
    assert not [line for line in output.splitlines() if " ERROR " in line], output


@pytest.mark.parametrize("command", ["run", "remind"])
async def test_a_refused_token_is_one_line_without_the_token(tmp_path: Path, command: str) -> None:
    secret = "WebhookSecret_never_shown_42"
    async with FakeTelegram(token=TOKEN) as tg:
        env = _env(
            tmp_path,
            tg.url,
            token=OTHER_TOKEN,
            PLANBOT_WEBHOOK_URL="https://planbot.example.org/hooks/telegram",
            PLANBOT_WEBHOOK_SECRET=secret,
            PLANBOT_WEBHOOK_LISTEN="127.0.0.1",
            PLANBOT_WEBHOOK_PORT=str(free_port()),
            PLANBOT_LOG_LEVEL="DEBUG",
        )
        code, output = await _finish(command, env=env)
    assert code == 2, output
    _one_clear_line(output, "PLANBOT_TELEGRAM_TOKEN", OTHER_TOKEN)
    assert secret not in output
    assert "Telegram từ chối token" in output


@pytest.mark.parametrize("command", ["run", "remind"])
async def test_no_server_is_one_line_naming_the_address(tmp_path: Path, command: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, output = await _finish(command, env=_env(tmp_path, url))
    assert code == 2, output
    _one_clear_line(output, "PLANBOT_TELEGRAM_API_URL", TOKEN)
    assert "Không kết nối được" in output


@pytest.mark.parametrize("command", ["run", "remind", "users"])
async def test_no_database_is_one_line_naming_the_setting(tmp_path: Path, command: str) -> None:
    async with FakeTelegram(token=TOKEN) as tg:
        env = _env(
            tmp_path,
            tg.url,
            PLANBOT_DATABASE_URL=f"postgresql+psycopg://planbot:s3cret-pw@127.0.0.1:{free_port()}/x",
        )
        code, output = await _finish(command, env=env)
    assert code == 2, output
    _one_clear_line(output, "PLANBOT_DATABASE_URL", TOKEN)
    assert "s3cret-pw" not in output
    assert "cơ sở dữ liệu" in output


async def test_no_token_and_the_web_turned_off_is_one_line_naming_the_settings(
    tmp_path: Path,
) -> None:
    """Without the web and without a chat platform nothing would hear anyone: refused."""
    env = _env(tmp_path, "http://127.0.0.1:9", PLANBOT_WEB_ENABLED="false")
    del env["PLANBOT_TELEGRAM_TOKEN"]
    code, output = await _finish("run", env=env)
    assert code == 2, output
    _one_clear_line(output, "PLANBOT_WEB_ENABLED")
    assert "PLANBOT_TELEGRAM_TOKEN" in output
    assert "bật lại trang web" in output


async def test_the_web_turned_off_is_not_served_beside_telegram(tmp_path: Path) -> None:
    """PLANBOT_WEB_ENABLED=false: the bot polls Telegram, and nothing listens on the web port."""
    port = free_port()
    async with FakeTelegram(token=TOKEN) as tg:
        env = _env(tmp_path, tg.url, PLANBOT_WEB_ENABLED="false", PLANBOT_WEB_PORT=str(port))
        process = await start_planbot("run", env=env, merge_stderr=True)
        try:
            async with asyncio.timeout(90):
                while not tg.calls_of("getUpdates") and process.returncode is None:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            with pytest.raises(ConnectionRefusedError):
                await asyncio.open_connection("127.0.0.1", port)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert tg.calls_of("getUpdates"), output.decode()
    assert process.returncode == 0, output.decode()
    assert "Traceback" not in output.decode()


async def test_a_401_while_polling_ends_the_process(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as tg:
        tg.fail_next("getUpdates", "401", times=1000)
        code, output = await _finish("run", env=_env(tmp_path, tg.url))
    assert code == 1, output
    assert "PLANBOT_TELEGRAM_TOKEN" in output
    assert "đã dừng" in output
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_in_order_and_cleanly(tmp_path: Path, signum: int) -> None:
    # The signal comes during the second long poll; the first ends after 1 s, not planbot's 10.
    async with FakeTelegram(token=TOKEN, max_poll_seconds=1.0) as tg:
        process = await start_planbot(
            "run", env=_env(tmp_path, tg.url, PLANBOT_LOG_LEVEL="DEBUG"), merge_stderr=True
        )
        try:
            async with asyncio.timeout(40):
                while len(tg.calls_of("getUpdates")) < 2:  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.05)
            process.send_signal(signum)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=40)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    text = output.decode()
    assert process.returncode == 0, text
    assert "Traceback" not in text
    assert "CancelledError" not in text
    assert " ERROR " not in text
    assert "not initialized" not in text
    assert TOKEN.split(":")[1] not in text
    lines = text.splitlines()
    stopped = next(i for i, line in enumerate(lines) if "reminder scheduler stopped" in line)
    assert "planbot stopped" in lines[-1]
    assert stopped < len(lines) - 1
