"""Register → ask → report → digest over Zalo with the real handlers and the fake platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.channels.zalo import PublicFiles, ZaloBot, ZaloChannel, ZaloClient
from bot.models import StatusUpdate
from bot.registration import create_invitations
from handlers.core import ChatHandlers
from tests.support.virtual_pacing import zalo_pacer_on_virtual_time
from tests.support.zalo_server import ZaloBotApiServer


@pytest.fixture
async def api() -> AsyncIterator[ZaloBotApiServer]:
    async with ZaloBotApiServer() as server:
        yield server


@asynccontextmanager
async def zalo_bot(
    api: ZaloBotApiServer, services: Services, public: PublicFiles | None = None
) -> AsyncIterator[ZaloBot]:
    client = ZaloClient(api.token, api.root, timeout=5.0)
    pacer = zalo_pacer_on_virtual_time()
    async with ZaloChannel(client, services.db, public=public, pacer=pacer) as channel:
        yield ZaloBot(channel, ChatHandlers(services).handle, services.db, services.clock)


def code_for(services: Services, agency_id: str, role: str) -> str:
    [invitation] = create_invitations(
        services.db, agency_id, role=role, count=1, expires_days=7, now=services.clock.now()
    )
    return invitation.code


async def say(bot: ZaloBot, api: ZaloBotApiServer, chat: str, text: str) -> list[str]:
    before = len(api.texts(chat))
    await bot.process(api.text_update(text, chat_id=chat, user_id=chat))
    return api.texts(chat)[before:]


def reports(services: Services) -> list[StatusUpdate]:
    with services.db.session() as session:
        return list(session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all())


@pytest.mark.parametrize("typed", ["3", "3.", " 3) "])
async def test_focal_point_reports_by_number_and_undoes(
    api: ZaloBotApiServer, services: Services, typed: str
) -> None:
    async with zalo_bot(api, services) as bot:
        agency = "so-khdt"
        await say(bot, api, "f-1", f"dangky {code_for(services, agency, 'focal')}")

        [tasks] = await say(bot, api, "f-1", "nhiệm vụ của tôi")
        assert "2.2.2" in tasks

        [question] = await say(bot, api, "f-1", "đã trình UBND tỉnh dự thảo")
        listed = [line for line in question.splitlines() if line[:2] in ("1.", "2.", "3.")]
        assert listed[0].startswith("1. 2.1")
        assert "Trả lời bằng một số từ 1 đến" in question
        assert reports(services) == []

        [confirmation] = await say(bot, api, "f-1", typed)  # the third item listed: 2.2.2
        [recorded] = reports(services)
        assert (recorded.task_id, recorded.agency_id, recorded.kind) == ("2.2.2", agency, "report")
        assert recorded.text == "đã trình UBND tỉnh dự thảo"
        assert "HUỶ" in confirmation
        assert confirmation.count("HUỶ") == 1  # the handlers already say it; not repeated

        await say(bot, api, "f-1", "HUỶ")
        assert [r.kind for r in reports(services)] == ["report", "retraction"]
        assert all(len(text) <= 2000 for text in api.texts())


@pytest.mark.parametrize("public", [True, False], ids=["link", "text"])
async def test_secretariat_digest_and_report(
    api: ZaloBotApiServer, services: Services, tmp_path: Path, public: bool
) -> None:
    files = PublicFiles(tmp_path / "public", "https://files.example.vn/pb") if public else None
    async with zalo_bot(api, services, files) as bot:
        await say(bot, api, "s-1", code_for(services, "vp-ubnd-tinh", "secretariat"))

        digest = await say(bot, api, "s-1", "/tonghop")
        assert len(digest) >= 2  # longer than one Zalo message: split
        assert all(len(part) <= 2000 for part in digest)
        assert "Sở KH&ĐT" in "\n".join(digest)

        [report] = await say(bot, api, "s-1", "/baocao")
        if public:
            link = report.rsplit(": ", 1)[1]
            assert link.startswith("https://files.example.vn/pb/")
            assert link.endswith(".docx")
            saved = tmp_path / "public" / link.rsplit("/", 1)[1]
            assert saved.read_bytes()[:2] == b"PK"  # a real .docx (zip) file
        else:
            assert "không gửi được qua Zalo" in report
            assert "gõ /tonghop" in report  # where the Zalo user finds the digest as text
            assert not (tmp_path / "public").exists()
