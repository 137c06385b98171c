"""The command line for the web: ``invite --channel web`` and ``planbot run`` serving the web.

``planbot run`` runs as an operator starts it (a separate process, configured by its
environment) with no token of any platform: it prints the address and a secretariat sign-in
link, and a browser (here: HTTP with a cookie jar) signs in and sees the round.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import REPO_ROOT
from tests.support.cli_process import start_planbot
from tests.support.web_client import WebUser

cli = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_WEB_PORT": "0",
    }
    for name in list(os.environ):
        if name.startswith("PLANBOT_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return values


def test_invite_for_the_web_prints_the_sign_in_link(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANBOT_WEB_BASE_URL", "https://planbot.tuyenquang.gov.vn/")
    result = cli.invoke(app, ["invite", "secretariat", "--channel", "web", "--format", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["agency"] == "vp-ubnd-tinh"
    assert row["role"] == "secretariat"
    assert row["link"] == f"https://planbot.tuyenquang.gov.vn/signin/{row['code']}"
    result = cli.invoke(
        app, ["invite", "so y te", "--channel", "web", "-n", "2", "--format", "json"]
    )
    rows = json.loads(result.stdout)
    assert [(r["agency"], r["role"]) for r in rows] == [("so-y-te", "focal")] * 2
    assert all(r["link"].endswith(f"/signin/{r['code']}") for r in rows)
    table = cli.invoke(app, ["invite", "so y te", "--channel", "web"])
    assert table.exit_code == 0
    assert "/signin/" in table.output
    wrong = cli.invoke(app, ["invite", "so y te", "--channel", "fax"])
    assert wrong.exit_code == 2
    assert "telegram, zalo hoặc web" in wrong.output


def test_invite_for_the_web_defaults_to_the_local_address(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANBOT_WEB_PORT", "8099")
    result = cli.invoke(app, ["invite", "so y te", "--channel", "web", "--format", "json"])
    [row] = json.loads(result.stdout)
    assert row["link"] == f"http://127.0.0.1:8099/signin/{row['code']}"


async def _read_until(stream: asyncio.StreamReader, pattern: str, seen: list[str]) -> re.Match[str]:
    async with asyncio.timeout(60):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError("planbot stopped:\n" + "".join(seen))
            seen.append(line)
            match = re.search(pattern, line)
            if match is not None:
                return match


async def test_run_without_any_token_serves_the_web(env: dict[str, str]) -> None:
    process = await start_planbot(
        "run", env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}, merge_stderr=True
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        address = (await _read_until(process.stdout, r"Trang web planbot: (\S+)", seen)).group(1)
        link = await _read_until(process.stdout, r"Văn phòng UBND tỉnh.*: (\S+/signin/\S+)", seen)
        assert address.startswith("http://127.0.0.1:")
        assert link.group(1).startswith(address + "/signin/")
        assert any("BotFather" in line for line in seen)  # how to add Telegram later
        browser = WebUser(address)
        try:
            status, _page = await browser.sign_in(link.group(1).rsplit("/", 1)[1], "Thư ký")
            assert status == 303
            status, page = await browser.get("/")
            assert status == 200
            assert "Kỳ báo cáo" in page.text
            assert page.cells  # the matrix
            said = await browser.say("/tonghop")
            assert any("TỔNG HỢP" in message.text for message in said)
        finally:
            await browser.close()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        out, _err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, "".join(seen) + out.decode()
    assert "Traceback" not in "".join(seen) + out.decode()


async def test_a_taken_web_port_costs_only_the_web_beside_chat_platforms(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With Telegram or Zalo running, a web port already in use is logged, not fatal."""
    import logging
    import socket
    from contextlib import AsyncExitStack
    from typing import Any

    from bot.bootstrap import bootstrap
    from bot.runtime import start_web
    from tests.conftest import make_settings

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'w.db'}", web_port=port)
        built = bootstrap(settings)
        try:
            channels: dict[str, Any] = {"telegram": object()}
            async with AsyncExitStack() as stack:
                with caplog.at_level(logging.ERROR):
                    web = await start_web(built, channels, stack)
                assert web is None
                assert set(channels) == {"telegram"}
                assert "PLANBOT_WEB_PORT" in caplog.text
        finally:
            built.db.dispose()
