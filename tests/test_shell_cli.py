"""``planbot shell`` as a real tool, run as a person or a script would: a separate process.

Pasted multi-line reports with ``--message``, shell users that nobody lists, reminds or sends a
digest to, the secretariat at the terminal, file replies saved where a person can open them,
the empty message, and ``--at`` that never counts what was written later.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import select

from bot.bootstrap import bootstrap
from bot.clock import FrozenClock
from bot.db import Database
from bot.models import Reminder, StatusUpdate
from tests.conftest import local, make_settings
from tests.support.cli_process import start_planbot
from tests.support.telegram_server import FakeTelegram, TgUser
from tests.test_reminders_sending import HEALTH, SECRETARIAT, add_user

PASTED_REPORT = (
    "2.3: Kết quả thực hiện năm 2026:\n"
    "1. Đã có văn bản gửi Bộ GTVT đề nghị bố trí vốn.\n"
    "2. Khó khăn, vướng mắc: Không.\n"
    "3. Kiến nghị: Không."
)
FILE_LINE = re.compile(r"\[tệp: (.+)\]")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = dict(os.environ)
    for name in list(values):
        if name.startswith("PLANBOT_"):
            del values[name]
    values.update(
        {
            "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'planbot.db'}",
            "PLANBOT_DATA_DIR": str(tmp_path / "data"),
            "PLANBOT_LOCALE": "vi",
        }
    )
    return values


async def planbot(
    env: dict[str, str], *args: str, stdin: str | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    process = await start_planbot(*args, env=env, stdin=stdin is not None, cwd=cwd)
    out, err = await asyncio.wait_for(
        process.communicate(stdin.encode() if stdin is not None else None), timeout=120
    )
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def ok(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    code, out, err = await planbot(env, *args, stdin=stdin)
    assert code == 0, out + err
    return out


async def updates(env: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(await ok(env, "updates", "--format", "json"))
    return rows


def stored(env: dict[str, str]) -> list[StatusUpdate]:
    """Every stored status update row, oldest first."""
    rows: list[StatusUpdate] = _rows(env["PLANBOT_DATABASE_URL"], StatusUpdate)
    return sorted(rows, key=lambda row: (row.created_at, row.id or 0))


def _rows(url: str, model: type[Any]) -> list[Any]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(session.exec(select(model)).all())
    finally:
        db.dispose()


# --------------------------------------------------------------------------- --message


async def test_message_sends_a_pasted_multi_line_report_as_one_update(
    env: dict[str, str],
) -> None:
    out = await ok(
        env, "shell", "--as", "so gtvt", "--at", "2026-12-10T09:00+07:00", "-m", PASTED_REPORT
    )
    assert "2.3" in out
    (row,) = await updates(env)
    assert row["agency"] == "so-gtvt"
    assert row["task"] == "2.3"
    assert row["period"] == "2026-Y"
    assert "Đã có văn bản gửi Bộ GTVT" in row["text"]
    assert row["text"].endswith("3. Kiến nghị: Không.")
    assert "\n" in row["text"]  # the lines of the pasted report are kept, in one update

    # Each --message is one message; piped input is one message per line.
    await ok(
        env,
        "shell",
        "--as",
        "so gtvt",
        "--at",
        "2026-12-10T10:00+07:00",
        "--message",
        "2.4: đang lập hồ sơ",
        "--message",
        "2.7.3: đã khảo sát hiện trạng",
    )
    await ok(
        env,
        "shell",
        "--as",
        "so gtvt",
        "--at",
        "2026-12-10T11:00+07:00",
        stdin="2.4: đã trình hồ sơ\n2.7.3: đang lập dự toán\n",
    )
    reports = [row for row in stored(env) if row.kind == "report"]
    assert [(row.task_id, row.text) for row in reports[1:]] == [
        ("2.4", "đang lập hồ sơ"),
        ("2.7.3", "đã khảo sát hiện trạng"),
        ("2.4", "đã trình hồ sơ"),
        ("2.7.3", "đang lập dự toán"),
    ]


# --------------------------------------------------------------------------- empty message


async def test_an_empty_message_is_answered_and_nothing_is_written(env: dict[str, str]) -> None:
    out = await ok(env, "shell", "--at", "2021-03-10T09:00+07:00", "-m", "", "-m", "   ")
    assert out.count("Tin nhắn trống nên không có gì được ghi nhận") == 2
    piped = await ok(env, "shell", "--at", "2021-03-10T09:00+07:00", stdin="\nxin chào\n")
    lines = piped.splitlines()
    assert lines[0].startswith("Tin nhắn trống")
    assert "Xin chào" in piped
    assert stored(env) == []


# --------------------------------------------------------------------------- shell users


async def test_shell_users_are_never_listed_reminded_or_sent_digests(
    env: dict[str, str], tmp_path: Path
) -> None:
    url = env["PLANBOT_DATABASE_URL"]
    # A real focal point of Sở Y tế and a real secretariat chat, registered on Telegram.
    built = bootstrap(make_settings(tmp_path, url), clock=FrozenClock(local(2021, 3, 1, 9)))
    add_user(built.db, HEALTH, "so-y-te")
    add_user(built.db, SECRETARIAT, "vp-ubnd-tinh", role="secretariat")
    built.db.dispose()
    # Someone tries the shell as Sở Y tế, Sở KH&ĐT and the secretariat.
    for who in ("so y te", "so khdt", "van phong ubnd tinh"):
        await ok(env, "shell", "--as", who, "--at", "2021-03-01T10:00+07:00", "-m", "xin chào")

    listed = json.loads(await ok(env, "users", "--format", "json"))
    assert sorted((u["channel"], u["chat_id"]) for u in listed) == [
        ("telegram", HEALTH),
        ("telegram", SECRETARIAT),
    ]
    table = await ok(env, "users")
    assert "shell" not in table

    # Before the due day, the overdue morning (the secretariat's list) and the weekly digest.
    for at in ("2021-03-17T08:00+07:00", "2021-03-22T08:00+07:00"):
        owed = json.loads(await ok(env, "remind", "--at", at, "--dry-run", "--format", "json"))
        assert owed, at
        assert {message["channel"] for message in owed} == {"telegram"}, at
        assert {message["chat_id"] for message in owed} <= {HEALTH, SECRETARIAT}
    # The overdue morning: the secretariat's list of late units goes to the real chat only.
    assert {m["kind"] for m in owed if m["chat_id"] == SECRETARIAT} >= {"overdue"}

    async with FakeTelegram() as fake:
        for chat in (HEALTH, SECRETARIAT):
            fake.private_chat(TgUser(int(chat), f"user{chat}"))
        env_tg = {
            **env,
            "PLANBOT_TELEGRAM_TOKEN": fake.token,
            "PLANBOT_TELEGRAM_API_URL": fake.url,
            "PTB_TIMEDELTA": "true",
        }
        for at in ("2021-03-17T08:00+07:00", "2021-03-22T08:00+07:00"):
            out = await ok(env_tg, "remind", "--at", at)
            assert "shell" not in out
        assert fake.bot_messages(int(HEALTH))
        assert fake.bot_messages(int(SECRETARIAT))
    ledger = _rows(url, Reminder)
    assert ledger
    assert {row.channel for row in ledger} == {"telegram"}


# --------------------------------------------------------------------------- secretariat


async def test_van_phong_ubnd_tinh_is_the_secretariat_and_files_are_saved(
    env: dict[str, str], tmp_path: Path
) -> None:
    await ok(env, "shell", "--as", "so y te", "--at", "2021-03-10T09:00+07:00", "-m", "2.2: xong")
    out = await ok(
        env,
        "shell",
        "--as",
        "Văn phòng UBND tỉnh",
        "--at",
        "2021-03-12T09:00+07:00",
        "-m",
        "/tonghop",
        "-m",
        "/baocao",
        "-m",
        "nhiệm vụ của tôi",
    )
    assert "TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021" in out
    assert "Chỉ cán bộ" not in out  # not refused as a mere focal point
    paths = [Path(match) for match in FILE_LINE.findall(out)]
    assert [path.suffix for path in paths] == [".png", ".docx"]
    for path in paths:  # under PLANBOT_DATA_DIR (tmp_path / "data"), as absolute paths
        assert path.is_absolute()
        assert path.is_file()
        assert path.is_relative_to(tmp_path / "data")
    with Image.open(paths[0]) as chart:
        assert chart.format == "PNG"
        assert chart.size[0] > 200
    report = docx.Document(io.BytesIO(paths[1].read_bytes()))
    assert any("BÁO CÁO" in p.text for p in report.paragraphs)
    # Asking again never overwrites the file a person may have open.
    again = await ok(
        env, "shell", "--as", "vp ubnd tinh", "--at", "2021-03-12T09:00+07:00", "-m", "/tonghop"
    )
    (second,) = [Path(match) for match in FILE_LINE.findall(again)]
    assert second != paths[0]
    assert second.is_file()
    assert paths[0].is_file()
    # The secretariat wrote nothing.
    assert [row.agency_id for row in stored(env)] == ["so-y-te"]


async def test_the_consolidator_keeps_its_focal_role_and_sees_the_digest(
    env: dict[str, str],
) -> None:
    out = await ok(
        env,
        "shell",
        "--as",
        "so khdt",
        "--at",
        "2021-03-12T09:00+07:00",
        "-m",
        "/tonghop",
        "-m",
        "/nhiemvu",
    )
    assert "TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021" in out
    assert "2.1 (chủ trì)" in out


# --------------------------------------------------------------------------- --at


async def _two_reports(env: dict[str, str]) -> None:
    """Sở Y tế reports on 10/03/2021; Sở GTVT on 15/03/2021 (both in the Q1 round)."""
    await ok(env, "shell", "--as", "so y te", "--at", "2021-03-10T09:00+07:00", "-m", "2.2: xong")
    await ok(
        env,
        "shell",
        "--as",
        "so gtvt",
        "--at",
        "2021-03-15T09:00+07:00",
        "-m",
        "2.3: đã gửi văn bản cho Bộ GTVT",
    )


async def test_digest_report_and_shell_at_a_moment_ignore_later_updates(
    env: dict[str, str], tmp_path: Path
) -> None:
    await _two_reports(env)

    def units_with_updates(data: dict[str, Any]) -> set[str]:
        return {unit["agency"] for unit in data["units"] if unit["updates"]}

    def reported_items(data: dict[str, Any]) -> set[str]:
        return {item["task"] for item in data["items"] if item["updates"]}

    before = json.loads(
        await ok(env, "digest", "-p", "2021-Q1", "--at", "2021-03-12T09:00+07:00", "-f", "json")
    )
    assert units_with_updates(before) == {"so-y-te"}
    assert reported_items(before) == {"2.2.1"}
    after = json.loads(
        await ok(env, "digest", "-p", "2021-Q1", "--at", "2021-03-16T09:00", "-f", "json")
    )
    assert units_with_updates(after) == {"so-y-te", "so-gtvt"}
    assert reported_items(after) == {"2.2.1", "2.3"}

    chart = tmp_path / "charts" / "tong-hop.png"
    text = await ok(
        env, "digest", "-p", "2021-Q1", "--at", "2021-03-12T09:00+07:00", "--chart", str(chart)
    )
    assert "Đến 09:00 ngày 12/03/2021" in text
    assert "• Sở GTVT — còn thiếu 2.3, 2.4, 2.7.3" in text
    assert f"Đã ghi biểu đồ ra tệp {chart}." in text
    with Image.open(chart) as picture:
        assert picture.format == "PNG"

    target = tmp_path / "bc.xlsx"
    await ok(env, "report", "-p", "2021-Q1", "-f", "xlsx", "-o", str(target), "--at", "2021-03-12")
    cells = [
        str(cell)
        for sheet in load_workbook(target).worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    assert any("xong" in cell for cell in cells)
    assert not any("Bộ GTVT" in cell for cell in cells)
    markdown = await ok(env, "report", "-p", "2021-Q1", "-f", "md", "--at", "2021-03-16T09:00")
    assert "đã gửi văn bản cho Bộ GTVT" in markdown

    # The shell answers for its --at moment too: the secretariat's digest, a unit's task list.
    early = await ok(
        env, "shell", "--as", "secretariat", "--at", "2021-03-12T09:00+07:00", "-m", "/tonghop"
    )
    late = await ok(
        env, "shell", "--as", "secretariat", "--at", "2021-03-16T09:00+07:00", "-m", "/tonghop"
    )
    assert "• Sở GTVT — còn thiếu 2.3, 2.4, 2.7.3" in early
    assert "• Sở GTVT — còn thiếu 2.4, 2.7.3" in late
    tasks = await ok(env, "shell", "--as", "so gtvt", "--at", "2021-03-12T09:00", "-m", "/nhiemvu")
    assert "đã gửi văn bản cho Bộ GTVT" not in tasks
    assert len(stored(env)) == 2

    code, _out, err = await planbot(env, "digest", "--at", "hôm qua")
    assert code == 2
    assert "không phải là thời điểm hợp lệ" in err
