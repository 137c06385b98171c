"""The chat commands of the CLI: invite, users, revoke, updates, run (no token), shell."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.registration import CODE_ALPHABET

runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLANBOT_TELEGRAM_BOT_USERNAME", "planbot_test_bot")
    monkeypatch.delenv("PLANBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("PLANBOT_WEBHOOK_URL", raising=False)
    monkeypatch.chdir(tmp_path)


def _invite(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["invite", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


def test_invite_json_shape_and_codes() -> None:
    rows = _invite("so y te", "--count", "3", "--expires-days", "5")
    assert len(rows) == 3
    for row in rows:
        assert set(row) == {"code", "agency", "role", "link", "expires_at"}
        code = str(row["code"])
        assert len(code) >= 10
        assert set(code) <= set(CODE_ALPHABET)
        assert row["agency"] == "so-y-te"
        assert row["role"] == "focal"
        assert row["link"] == f"https://t.me/planbot_test_bot?start={code}"
    assert len({row["code"] for row in rows}) == 3
    secretariat = _invite("vp-ubnd-tinh", "--role", "secretariat")
    assert secretariat[0]["role"] == "secretariat"


def test_invite_refuses_unknown_agency_and_role() -> None:
    result = runner.invoke(app, ["invite", "so khong ton tai"])
    assert result.exit_code == 2
    assert "Không tìm thấy đơn vị" in result.output
    assert runner.invoke(app, ["invite", "so y te", "--role", "boss"]).exit_code == 2


def _shell(text: str, *args: str) -> str:
    result = runner.invoke(
        app, ["shell", "--as", "so y te", "--at", "2021-03-10T09:00+07:00", *args], input=text
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_shell_piped_conversation_then_updates_listing() -> None:
    output = _shell("nhiem vu cua toi\n2.2: đã trình UBND tỉnh hồ sơ\n1\nCập nhật 2.8 xong\n")
    assert "2.2.1 (chủ trì)" in output
    assert "1. → hoàn thành" in output  # choices as a numbered list, answered by number
    assert "Tình trạng: HOÀN THÀNH" in output
    assert "không phải nhiệm vụ của Sở Y tế" in output
    result = runner.invoke(app, ["updates", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {
        "id",
        "agency",
        "task",
        "period",
        "status",
        "text",
        "user",
        "created_at",
        "late",
        "percent",
    }
    assert row["agency"] == "so-y-te"
    assert row["task"] == "2.2.1"
    assert row["period"] == "2021-Q1"
    assert row["status"] == "completed"
    assert row["text"] == "đã trình UBND tỉnh hồ sơ"
    assert row["late"] is False
    assert row["created_at"].startswith("2021-03-10T02:00")
    filtered = runner.invoke(app, ["updates", "--agency", "so gtvt", "--format", "json"])
    assert json.loads(filtered.stdout) == []
    by_task = runner.invoke(app, ["updates", "--task", "2.2", "--period", "2021-Q1", "-f", "csv"])
    assert by_task.stdout.splitlines()[0].startswith("id,agency,task,period,status")
    assert runner.invoke(app, ["updates", "--period", "2021-Q9"]).exit_code == 2


def _register(code: str, external_id: str) -> None:
    """Redeem an invitation as a Telegram user would (``/start <code>``)."""
    from bot.bootstrap import bootstrap
    from bot.cli.common import settings
    from bot.registration import redeem

    built = bootstrap(settings())
    try:
        outcome = redeem(
            built.db,
            code,
            channel="telegram",
            external_id=external_id,
            chat_id=external_id,
            display_name="Lan",
            language=None,
            now=built.clock.now(),
        )
        assert outcome.ok
    finally:
        built.db.dispose()


def test_users_and_revoke() -> None:
    _shell("xin chào\n")  # the shell's own user is never listed
    _register(str(_invite("so y te")[0]["code"]), "4242")
    listed = json.loads(runner.invoke(app, ["users", "--format", "json"]).stdout)
    assert [(u["channel"], u["agency"], u["active"]) for u in listed] == [
        ("telegram", "so-y-te", True)
    ]
    user_id = str(listed[0]["id"])
    result = runner.invoke(app, ["revoke", user_id])
    assert result.exit_code == 0
    listed = json.loads(runner.invoke(app, ["users", "--format", "json"]).stdout)
    assert listed[0]["active"] is False
    assert runner.invoke(app, ["revoke", "9999"]).exit_code == 2


def test_run_without_token_explains_and_exits_2_when_the_web_cannot_listen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a token ``planbot run`` serves the web alone (tests/test_web_cli.py); when even
    that cannot start, it explains how to get a token and which setting to change."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("PLANBOT_WEB_PORT", str(taken.getsockname()[1]))
        result = runner.invoke(app, ["run"])
    assert result.exit_code == 2
    assert "BotFather" in result.output
    assert "planbot shell" in result.output
    assert "PLANBOT_WEB_PORT" in result.output


def test_shell_has_no_timing_dependence_and_greets_without_writing() -> None:
    output = _shell("xin chào\ncảm ơn\n")
    assert re.search(r"Xin chào", output)
    assert "Không có gì" in output
    result = runner.invoke(app, ["updates", "--format", "json"])
    assert json.loads(result.stdout) == []


def test_revoke_an_unused_invitation_code() -> None:
    code = str(_invite("so y te")[0]["code"])
    result = runner.invoke(app, ["revoke", code])
    assert result.exit_code == 0, result.output
    assert f"Đã thu hồi mã mời {code}" in result.output
    # A revoked code is refused in the chat, with what to do next; nobody is registered.
    from bot.bootstrap import bootstrap
    from bot.cli.common import settings
    from bot.registration import list_users, redeem

    built = bootstrap(settings())
    try:
        outcome = redeem(
            built.db,
            code,
            channel="telegram",
            external_id="42",
            chat_id="42",
            display_name="Lan",
            language=None,
            now=built.clock.now(),
        )
        assert outcome.failure == "revoked"
        assert list_users(built.db) == []
    finally:
        built.db.dispose()
    assert runner.invoke(app, ["revoke", "KHONGCOMAMOINAY"]).exit_code == 2


def test_updates_table_shows_local_time() -> None:
    _shell("2.2: đã trình UBND tỉnh hồ sơ\n")
    result = runner.invoke(app, ["updates"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "10/03/2021 09:00" in result.stdout  # 02:00 UTC, shown in Asia/Ho_Chi_Minh


def test_no_new_code_reads_as_an_option_on_a_command_line() -> None:
    """A code that began with "-" ("-fX…") was taken by `planbot revoke` for an option (1 code
    in 32 began with "-" or "_"): every code starts with a letter or a digit."""
    from bot.registration import new_code

    codes = [new_code() for _ in range(3000)]
    assert all(code[0].isascii() and code[0].isalnum() for code in codes)
    assert all(len(code) == len(codes[0]) and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert any(set(code[1:]) & set("-_") for code in codes)  # the rest keeps the whole alphabet
