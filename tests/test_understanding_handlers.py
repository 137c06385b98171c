"""The new kinds of message through the real handlers (in process): what is answered and, above
all, what is written."""

from __future__ import annotations

from sqlmodel import col, select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.messages import Incoming
from bot.models import StatusUpdate
from handlers import ChatHandlers
from tests.transcripts import (
    MULTI_TASK,
    QUESTIONS_AND_OWED,
    SECRETARIAT_SHORTHAND,
    HandlerDriver,
    Step,
    play,
    transcript_variables,
)


def _reports(services: Services) -> list[StatusUpdate]:
    with services.db.session() as session:
        rows = session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all()
    return [row for row in rows if row.kind == "report"]


async def test_questions_write_nothing_but_the_two_reports(
    services: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(services, clock)
    await play(driver, QUESTIONS_AND_OWED, transcript_variables(services, clock.now(), "test"))
    assert [(r.task_id, r.status) for r in _reports(services)] == [
        ("2.2.1", "completed"),
        ("2.2.2", "completed"),
    ]


async def test_one_message_several_tasks_one_row_each(
    services: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(services, clock)
    await play(driver, MULTI_TASK, transcript_variables(services, clock.now(), "test"))
    rows = _reports(services)
    assert [(r.task_id, r.status, r.percent) for r in rows] == [
        ("2.2.1", "in_progress", 70),
        ("2.2.2", "blocked", None),
        ("2.2.1", "completed", None),
        ("2.2.2", "in_progress", None),
    ]
    assert rows[0].text == "hoàn thành 70% khối lượng"
    assert rows[1].text == "chưa triển khai được do chưa có hướng dẫn"
    assert rows[0].source_message_id != rows[1].source_message_id


async def test_a_multi_task_message_delivered_twice_is_stored_once(
    services: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(services, clock)
    variables = transcript_variables(services, clock.now(), "test")
    await play(driver, (Step("focal", says="/start {code}", expect=("Sở Y tế",)),), variables)
    chat = ChatHandlers(services)
    incoming = Incoming(
        channel="test",
        chat_id="chat-focal",
        user_id="user-focal",
        display_name="Focal",
        received_at=clock.now(),
        message_id="777",
        text="2.2.1: đã xong; 2.2.2: đang làm",
    )
    first = await chat.handle(incoming)
    again = await chat.handle(incoming)
    assert len(first) == len(again) == 2
    assert [(r.task_id, r.status) for r in _reports(services)] == [
        ("2.2.1", "completed"),
        ("2.2.2", "in_progress"),
    ]


async def test_secretariat_shorthand_writes_nothing(services: Services, clock: FrozenClock) -> None:
    driver = HandlerDriver(services, clock)
    await play(driver, SECRETARIAT_SHORTHAND, transcript_variables(services, clock.now(), "test"))
    assert [(r.task_id, r.status) for r in _reports(services)] == [("2.2.1", "blocked")]


async def test_a_question_in_reply_to_the_task_list_is_answered_not_recorded(
    services: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(services, clock)
    steps = (
        Step("focal", says="/start {code}", expect=("Sở Y tế",)),
        Step("focal", says="/nhiemvu", expect=("2.2.1",)),
        Step(
            "focal",
            says="sao em bị nhắc vậy?",
            reply_to_last=True,
            expect=("Vì sao được nhắc",),
            forbid=("Đã ghi nhận", "nhiệm vụ nào"),
        ),
        Step("focal", says="hạn báo cáo 6 tháng", expect=("6 tháng đầu năm 2021", "20/06/2021")),
    )
    await play(driver, steps, transcript_variables(services, clock.now(), "test"))
    assert _reports(services) == []
