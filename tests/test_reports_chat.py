"""Transcript: the secretariat asks the bot in chat (the chat router → handlers/secretariat.py)."""

from __future__ import annotations

import itertools

import pytest

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.messages import Incoming, Reply
from handlers.core import ChatHandlers
from tests.conftest import local
from tests.support.report_round import script_round

_ids = itertools.count(1)


async def say(handlers: ChatHandlers, clock: FrozenClock, user: str, text: str) -> list[Reply]:
    return await handlers.handle(
        Incoming(
            channel="telegram",
            chat_id=user,
            user_id=user,
            display_name=user,
            received_at=clock.now(),
            text=text,
            message_id=str(next(_ids)),
        )
    )


@pytest.fixture
def handlers(services: Services, clock: FrozenClock) -> ChatHandlers:
    script_round(services.db)  # 1001 is the secretariat, 1004 a focal point of Sở Y tế
    clock.set(local(2021, 3, 22, 9, 0))
    return ChatHandlers(services)


@pytest.mark.parametrize("text", ["/tonghop", "/digest", "tổng hợp", "tong hop tinh hinh"])
async def test_digest_in_chat(handlers: ChatHandlers, clock: FrozenClock, text: str) -> None:
    replies = await say(handlers, clock, "1001", text)

    assert replies[0].attachment is not None
    assert replies[0].attachment.kind == "photo"
    body = "\n".join(reply.text for reply in replies)
    assert "TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021" in body
    assert "❗ Chưa báo cáo, đã quá hạn: 13 (76,5%)" in body


async def test_digest_for_a_named_round(handlers: ChatHandlers, clock: FrozenClock) -> None:
    replies = await say(handlers, clock, "1001", "/tonghop 2021-H1")
    assert "6 tháng đầu năm 2021" in replies[0].text
    replies = await say(handlers, clock, "1001", "/tonghop 2021-Q9")
    assert [r.text[:24] for r in replies] == ["Không có kỳ báo cáo «202"]


async def test_who_has_not_reported(handlers: ChatHandlers, clock: FrozenClock) -> None:
    (reply,) = await say(handlers, clock, "1001", "ai chưa báo cáo?")
    assert reply.attachment is None
    assert reply.text.startswith("Đơn vị chưa báo cáo — Quý I/2021\n❗ Quá hạn (13/17):")


async def test_report_in_chat(handlers: ChatHandlers, clock: FrozenClock) -> None:
    (reply,) = await say(handlers, clock, "1001", "/baocao")
    assert reply.attachment is not None
    assert reply.attachment.kind == "document"
    assert reply.attachment.filename == "bao-cao-2021-Q1.docx"


async def test_a_focal_point_of_another_unit_is_refused(
    handlers: ChatHandlers, clock: FrozenClock
) -> None:
    for text in ("/tonghop", "/baocao"):
        replies = await say(handlers, clock, "1004", text)
        assert all(reply.attachment is None for reply in replies)
        assert "Sở GTVT" not in "\n".join(reply.text for reply in replies)


async def test_the_consolidators_focal_point_gets_the_digest_in_chat(
    handlers: ChatHandlers, clock: FrozenClock
) -> None:
    """Sở KH&ĐT writes the day-25 report, so its focal points see the digest (1003)."""
    replies = await say(handlers, clock, "1003", "/tonghop")
    assert replies[0].attachment is not None
    assert "TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021" in "\n".join(r.text for r in replies)
    (reply,) = await say(handlers, clock, "1003", "/baocao")
    assert reply.attachment is not None
    assert reply.attachment.filename == "bao-cao-2021-Q1.docx"
