"""The command line for Zalo: ``invite --channel zalo`` and ``planbot run`` serving Zalo."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import REPO_ROOT
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
    assert "telegram hoặc zalo" in wrong.output


async def test_run_serves_zalo_without_telegram(env: dict[str, str], api: ZaloBotApiServer) -> None:
    [row] = invite_zalo("--format", "json")
    process_env = {
        **os.environ,
        **env,
        "PLANBOT_ZALO_TOKEN": api.token,
        "PLANBOT_ZALO_API_URL": api.root,
        "PYTHONPATH": str(REPO_ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bot.cli import main; main()",
        "run",
        env=process_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
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
