"""The status an update carries (bot/status.py), on the shipped labelled tables and on the
kinds of wording focal points use: negation, pasted Word reports, partial completion, reasons
it cannot go on, teen code, mixed messages. And the percentage, stored and shown."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.digest import build_digest
from bot.i18n import translator
from bot.models import StatusUpdate
from bot.reports import render_text
from bot.status import classify_status, percent_of, read_status
from bot.updates import classify_status as reexported
from tests.transcripts import HandlerDriver, Step, play, transcript_variables

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[tuple[str, str]]:
    """(text, status) of the single-task updates of a table."""
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, _intent, _tasks, status, write = line.split("\t")
        if write == "yes" and "," not in status:
            rows.append((text.replace("\\n", "\n"), status))
    return rows


def test_held_out_status_accuracy() -> None:
    """Written before the rules were tuned: at least 95 % read right."""
    rows = _rows("messages_heldout.tsv")
    assert len(rows) >= 60
    wrong = [(text, want, classify_status(text)) for text, want in rows]
    wrong = [row for row in wrong if row[1] != row[2]]
    assert len(wrong) <= len(rows) * 0.05, wrong


@pytest.mark.parametrize(("text", "status"), _rows("messages_dev.tsv"))
def test_tuning_table(text: str, status: str) -> None:
    assert classify_status(text) == status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("không có vướng mắc, đã xong", "completed"),
        ("ko co vuong mac gi", "in_progress"),
        ("2. Khó khăn, vướng mắc: Không. 3. Kiến nghị: Không.", "in_progress"),
        ("Đã hoàn thành.\n2. Khó khăn, vướng mắc: Không.\n3. Kiến nghị: Không.", "completed"),
        ("Khó khăn, vướng mắc: thiếu vốn đối ứng", "blocked"),
        ("hoàn thành 70% khối lượng", "in_progress"),
        ("chưa triển khai được do chưa có hướng dẫn", "blocked"),
        ("chậm do giải phóng mặt bằng", "blocked"),
        ("chờ Bộ phê duyệt mới làm tiếp được", "blocked"),
        ("chưa xong, đang làm", "in_progress"),
        ("xog r", "completed"),
        ("Đã hoàn thành kiểm đếm, đang lập phương án bồi thường", "in_progress"),
        ("đã xong phần hồ sơ nhưng vướng mắc về vốn", "blocked"),
        ("vướng mắc đã được tháo gỡ, đã hoàn thành", "completed"),
    ],
)
def test_kinds_of_wording(text: str, status: str) -> None:
    assert classify_status(text) == status


def test_classify_status_is_still_importable_from_updates() -> None:
    assert reexported is classify_status


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("hoàn thành 70% khối lượng", 70),
        ("đạt 45,5 % kế hoạch", 46),
        ("tiến độ 100%", 100),
        ("đã giải ngân 1,5 tỷ đồng", None),
        ("tăng 250% so với cùng kỳ", None),
    ],
)
def test_percentage(text: str, percent: int | None) -> None:
    assert percent_of(text) == percent


def test_adversarial_long_messages_are_read_at_once() -> None:
    """Vocabulary as data, matched over tokens: 4,000 characters never take long."""
    messages = [
        ("chưa " * 800)[:4000],
        ("chờ " * 1000)[:4000],
        ("không vướng mắc, " * 300)[:4000],
        ("khó khăn, " * 400)[:4000],
        ("đang chờ Bộ " * 400)[:4000],
        ("1/2 " * 1000)[:4000],
        ("x" * 4000),
    ]
    started = time.perf_counter()
    for message in messages:
        read_status(message)
    assert time.perf_counter() - started < 2.0


async def test_percentage_is_stored_and_shown(services: Services, clock: FrozenClock) -> None:
    driver = HandlerDriver(services, clock)
    steps = (
        Step("focal", says="/start {code}", expect=("Sở Y tế",)),
        Step(
            "focal",
            says="2.2.1: hoàn thành 70% khối lượng",
            expect=("ĐANG THỰC HIỆN", "70%"),
            forbid=("HOÀN THÀNH.",),
        ),
        Step("focal", says="nhiệm vụ của tôi", expect=("đang thực hiện 70%",)),
    )
    await play(driver, steps, transcript_variables(services, clock.now(), "test"))
    with services.db.session() as session:
        rows = session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all()
    assert [(row.task_id, row.status, row.percent) for row in rows] == [
        ("2.2.1", "in_progress", 70)
    ]
    clock.advance(timedelta(minutes=1))
    with services.db.session() as session:
        round_ = services.calendar.round_at(clock.now())
        digest = build_digest(session, services.plan, round_, clock.now())
    text = render_text(digest, translator("vi"))
    assert "Sở Y tế: Đang thực hiện (70%)" in text
