"""A plan sent to the bot on Telegram: the secretariat gets the review and the draft back as
files, nothing is loaded; focal points, other file types and over-size files are refused
without downloading anything. Real PTB over HTTP against the fake Bot API server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import func, select
from telegram import Update
from telegram.ext import TypeHandler

from bot.bootstrap import Services
from bot.channels.telegram import build_application
from bot.clock import FrozenClock
from bot.models import TaskRecord
from bot.plan import parse_plan
from bot.registration import create_invitations
from tests.support.telegram_server import BotMessage, FakeTelegram, TgUser
from tests.support.virtual_pacing import pace_on_virtual_time

SEED_TEXT = Path(__file__).parent / "data" / "plans" / "seed_tuyen_quang_tb38.txt"
SECRETARIAT = TgUser(3003, "Hà", "vi")
FOCAL = TgUser(1001, "Lan", "vi")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


class Bot:
    def __init__(self, tg: FakeTelegram) -> None:
        self.tg = tg
        self.done: set[int] = set()
        self.changed = asyncio.Condition()

    async def mark(self, update: Update, _context: object) -> None:
        async with self.changed:
            self.done.add(update.update_id)
            self.changed.notify_all()

    async def wait(self, update_id: int) -> None:
        async with asyncio.timeout(60), self.changed:
            await self.changed.wait_for(lambda: update_id in self.done)

    async def said(self, user: TgUser, update_id: int, before: int) -> list[BotMessage]:
        await self.wait(update_id)
        return self.tg.bot_messages(user.id)[before:]

    async def say(self, user: TgUser, text: str) -> list[BotMessage]:
        before = len(self.tg.bot_messages(user.id))
        return await self.said(user, await self.tg.user_says(user, text), before)

    async def send(
        self, user: TgUser, name: str, content: bytes, mime: str, size: int | None = None
    ) -> list[BotMessage]:
        before = len(self.tg.bot_messages(user.id))
        update_id = await self.tg.user_sends_document(user, name, content, mime, file_size=size)
        return await self.said(user, update_id, before)


@pytest.fixture
async def bot(services: Services, clock: FrozenClock) -> AsyncIterator[Bot]:
    async with FakeTelegram(hang_seconds=1.5) as tg:
        driver = Bot(tg)
        application = build_application(services, token=tg.token, api_url=tg.url, request_timeout=5)
        application.add_handler(TypeHandler(Update, driver.mark), group=99)
        pace_on_virtual_time(application.bot)  # the limits kept, no second waited per answer
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
            try:
                for user, agency, role in (
                    (SECRETARIAT, "vp-ubnd-tinh", "secretariat"),
                    (FOCAL, "so-y-te", "focal"),
                ):
                    (invitation,) = create_invitations(
                        services.db, agency, role=role, count=1, expires_days=7, now=clock.now()
                    )
                    await driver.say(user, f"/start {invitation.code}")
                yield driver
            finally:
                await application.updater.stop()
                await application.stop()


def _seed_docx(tmp_path: Path) -> bytes:
    import docx

    document = docx.Document()
    for line in SEED_TEXT.read_text(encoding="utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    path = tmp_path / "kh.docx"
    document.save(str(path))
    return path.read_bytes()


def _task_rows(services: Services) -> int:
    with services.db.session() as session:
        return int(session.exec(select(func.count()).select_from(TaskRecord)).one())


async def test_secretariat_gets_review_and_draft_back(
    bot: Bot, services: Services, tmp_path: Path
) -> None:
    rows = _task_rows(services)
    said = await bot.send(SECRETARIAT, "Ke hoach 38.docx", _seed_docx(tmp_path), DOCX)
    assert [m.kind for m in said] == ["text", "document", "document"]
    assert "24 mục nhiệm vụ" in said[0].text
    assert "planbot plan load" in said[0].text
    assert said[1].filename == "Ke hoach 38.review.txt"
    assert said[2].filename == "Ke hoach 38.draft.json"
    files = dict(bot.tg.uploads)
    review = files["Ke hoach 38.review.txt"].decode("utf-8")
    assert "Sở NN&PTNT" in review
    assert "Quy định báo cáo" in review
    draft = json.loads(files["Ke hoach 38.draft.json"])
    plan = parse_plan(draft)
    assert {a.agency for a in plan.task("2.8").assignments} == {
        "so-nnptnt",
        "so-khdt",
        "so-tai-chinh",
        "so-tnmt",
        "ubnd-tp-tuyen-quang",
    }
    assert _task_rows(services) == rows  # nothing loaded
    assert len(bot.tg.calls_of("getFile")) == 1


async def test_focal_point_is_refused_without_download(bot: Bot, tmp_path: Path) -> None:
    said = await bot.send(FOCAL, "kh.docx", _seed_docx(tmp_path), DOCX)
    assert len(said) == 1
    assert said[0].text.startswith("Chỉ Văn phòng UBND tỉnh (bộ phận tổng hợp) mới gửi kế hoạch")
    assert bot.tg.calls_of("getFile") == []


@pytest.mark.parametrize(
    ("name", "size", "expected"),
    [
        ("bang.xlsx", None, "chỉ nhận kế hoạch dạng tệp .docx hoặc .pdf"),
        ("ke-hoach.pdf", 11 * 1024 * 1024, "lớn hơn 10 MB"),
    ],
)
async def test_other_types_and_big_files_are_refused(
    bot: Bot, name: str, size: int | None, expected: str
) -> None:
    said = await bot.send(SECRETARIAT, name, b"x" * 100, "application/octet-stream", size)
    assert len(said) == 1
    assert expected in said[0].text
    assert bot.tg.calls_of("getFile") == []


async def test_broken_file_gets_a_vietnamese_message(bot: Bot) -> None:
    said = await bot.send(SECRETARIAT, "hong.docx", b"not a word file", DOCX)
    assert len(said) == 1
    assert "Không đọc được tệp «hong.docx»" in said[0].text
    assert bot.tg.uploads == []
