"""What the chat commands of the CLI print (invite, users, revoke, updates, run) comes from the
catalogs: Vietnamese by default, English with PLANBOT_LOCALE=en; a refused command writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PLANBOT_TELEGRAM_BOT_USERNAME", raising=False)
    monkeypatch.delenv("PLANBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("PLANBOT_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("PLANBOT_LOCALE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)


# (command line, exit code, Vietnamese, English)
CASES = [
    (["invite", "so khong ton tai"], 2, "Không tìm thấy đơn vị «so khong ton tai»", "No agency «"),
    (
        ["invite", "so y te", "--role", "boss"],
        2,
        "Vai trò phải là focal hoặc secretariat.",
        "The role must be focal or secretariat.",
    ),
    (
        ["invite", "so y te", "--channel", "fax"],
        2,
        "Kênh phải là telegram, zalo hoặc web.",
        "The channel must be telegram, zalo or web.",
    ),
    (
        ["invite", "so y te", "--count", "501"],
        2,
        "không có mã nào được tạo",
        "no code was created",
    ),
    (["invite", "so y te"], 0, "Chưa đặt PLANBOT_TELEGRAM_BOT_USERNAME", "is not set"),
    (["users"], 0, "Người dùng", "Users"),
    (["revoke", "khongco"], 2, "Không có người dùng hay mã mời «khongco»", "No user or invitation"),
    (["updates", "--period", "2021-Q9"], 2, "Không có kỳ báo cáo «2021-Q9»", "No reporting round"),
    (["updates", "--task", "9.9"], 2, "Không có nhiệm vụ 9.9 trong kế hoạch.", "No task 9.9"),
    (["updates"], 0, "Cập nhật tình hình", "Status updates"),
]


@pytest.mark.parametrize(("argv", "code", "vietnamese", "english"), CASES)
def test_messages_in_vietnamese_by_default_and_in_english_on_request(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], code: int, vietnamese: str, english: str
) -> None:
    said = runner.invoke(app, argv)
    assert said.exit_code == code, said.output
    assert vietnamese in " ".join(said.output.split()), said.output
    monkeypatch.setenv("PLANBOT_LOCALE", "en")
    said = runner.invoke(app, argv)
    assert said.exit_code == code, said.output
    text = " ".join(said.output.split())
    assert english in text, said.output
    assert vietnamese not in text


def test_a_refused_invitation_creates_no_code() -> None:
    assert runner.invoke(app, ["invite", "so y te", "--role", "boss"]).exit_code == 2
    listed = runner.invoke(app, ["users", "--format", "json"])
    assert listed.exit_code == 0
    assert listed.stdout.strip() == "[]"
