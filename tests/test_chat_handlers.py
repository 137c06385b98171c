"""The chat handlers, played as transcripts in process (no platform), plus what they store."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.messages import Incoming
from bot.models import Conversation, StatusUpdate
from bot.registration import create_invitations, find_user, redeem
from handlers import ChatHandlers
from tests.transcripts import (
    ASK_AND_DEADLINE,
    GUARD_RAILS,
    REGISTER_ASK_REPORT_UNDO,
    WHICH_TASK,
    HandlerDriver,
    Step,
    play,
)


def _code(
    services: Services, clock: FrozenClock, agency: str = "so-y-te", expires_days: int = 7
) -> str:
    return create_invitations(
        services.db, agency, role="focal", count=1, expires_days=expires_days, now=clock.now()
    )[0].code


def _rows(services: Services) -> list[StatusUpdate]:
    with services.db.session() as session:
        return list(session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all())


async def test_register_ask_report_correct_undo(services: Services, clock: FrozenClock) -> None:
    driver = HandlerDriver(services, clock)
    await play(driver, REGISTER_ASK_REPORT_UNDO, {"code": _code(services, clock)})
    rows = _rows(services)
    assert [(r.kind, r.task_id, r.status) for r in rows] == [
        ("report", "2.2.1", "in_progress"),
        ("correction", "2.2.1", "completed"),
        ("retraction", "2.2.1", "completed"),
    ]
    assert rows[0].text == "đã trình UBND tỉnh hồ sơ dự án"
    assert rows[0].period == "2021-Q1"
    assert rows[0].late is False
    assert rows[1].refers_to == rows[0].id == rows[2].refers_to


async def test_ask_and_deadline_never_write(services: Services, clock: FrozenClock) -> None:
    driver = HandlerDriver(services, clock)
    await play(driver, ASK_AND_DEADLINE, {"code": _code(services, clock)})
    assert _rows(services) == []


async def test_which_task_reply_and_typed_forms(services: Services, clock: FrozenClock) -> None:
    driver = HandlerDriver(services, clock)
    await play(driver, WHICH_TASK, {"code": _code(services, clock)})
    rows = [r for r in _rows(services) if r.kind == "report"]
    assert [(r.task_id, r.status, r.text) for r in rows] == [
        ("2.2.1", "in_progress", "đã làm việc với Bộ Y tế về quy hoạch"),
        ("2.2.2", "in_progress", "đang hoàn thiện hồ sơ thủ tục đầu tư"),
        ("2.2.1", "blocked", "Nhiệm vụ vướng mắc về vốn"),
        ("2.2.1", "blocked", "vướng mắc về vốn"),
        ("2.2.1", "completed", "xong"),
        ("2.2.2", "in_progress", "in progress"),
    ]


async def test_guard_rails_write_nothing_but_the_valid_update(
    services: Services, clock: FrozenClock
) -> None:
    used = _code(services, clock)
    redeem(
        services.db,
        used,
        channel="other",
        external_id="x",
        chat_id="x",
        display_name="x",
        language=None,
        now=clock.now(),
    )
    expired = _code(services, clock, expires_days=1)
    driver = HandlerDriver(services, clock)
    code = _code(services, clock)
    clock.advance(timedelta(days=2))
    await play(driver, GUARD_RAILS, {"code": code, "used_code": used, "expired_code": expired})
    rows = _rows(services)
    assert [(r.task_id, r.text) for r in rows] == [("2.2.1", "<b>đã trình</b> *UBND*")]


async def test_answers_by_number_like_a_channel_without_buttons(
    services: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(services, clock, channel="zalo-like")
    steps = (
        Step("focal", says="/start {code}", expect=("Sở Y tế",)),
        Step("focal", says="2.2: đã trình hồ sơ", expect=("ĐANG THỰC HIỆN",)),
        Step("focal", says="1", expect=("HOÀN THÀNH",)),  # first choice: → hoàn thành
        Step("focal", says="HUỶ", expect=("Đã huỷ",)),
    )
    await play(driver, steps, {"code": _code(services, clock)})
    assert [r.kind for r in _rows(services)] == ["report", "correction", "retraction"]


async def test_undo_expires_after_ten_minutes(services: Services, clock: FrozenClock) -> None:
    driver = HandlerDriver(services, clock)
    await play(
        driver,
        (Step("focal", says="/start {code}"), Step("focal", says="2.2: xong")),
        {"code": _code(services, clock)},
    )
    clock.advance(timedelta(minutes=10))
    await play(
        driver,
        (
            Step("focal", presses="Huỷ", expect=("10 phút",)),
            Step("focal", says="huỷ", expect=("Không có gì để huỷ",)),
        ),
    )
    assert [r.kind for r in _rows(services)] == ["report"]


async def test_groups_only_when_addressed_and_flood_limit(
    services: Services, clock: FrozenClock
) -> None:
    chat = ChatHandlers(services, flood_limit=3)

    def incoming(text: str, *, group: bool = False, addressed: bool = True) -> Incoming:
        return Incoming(
            channel="test",
            chat_id="g1",
            user_id="u1",
            display_name="A",
            received_at=clock.now(),
            text=text,
            chat_type="group" if group else "private",
            addressed=addressed,
        )

    assert await chat.handle(incoming("nhiem vu", group=True, addressed=False)) == []
    answered = await chat.handle(incoming("nhiem vu", group=True))
    assert "chưa được đăng ký" in answered[0].text
    await chat.handle(incoming("a"))
    await chat.handle(incoming("b"))
    flooded = await chat.handle(incoming("c"))
    assert "quá nhanh" in flooded[0].text
    assert await chat.handle(incoming("d")) == []
    clock.advance(timedelta(minutes=1))
    assert await chat.handle(incoming("e")) != []


async def test_media_and_long_text_refused(services: Services, clock: FrozenClock) -> None:
    chat = ChatHandlers(services)
    code = _code(services, clock)
    base = {"channel": "test", "chat_id": "c", "user_id": "u", "display_name": "A"}
    await chat.handle(Incoming(**base, received_at=clock.now(), text=f"/start {code}"))  # type: ignore[arg-type]
    sticker = await chat.handle(Incoming(**base, received_at=clock.now(), media="sticker"))  # type: ignore[arg-type]
    assert "chỉ đọc được tin nhắn chữ" in sticker[0].text
    long = await chat.handle(Incoming(**base, received_at=clock.now(), text="2.2: " + "x" * 4000))  # type: ignore[arg-type]
    assert "quá dài" in long[0].text
    assert _rows(services) == []


async def test_state_is_kept_per_chat_in_the_database(
    services: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(services, clock)
    await play(
        driver,
        (
            Step("focal", says="/start {code}"),
            Step("focal", says="đã làm việc với Bộ Y tế", expect=("nhiệm vụ nào",)),
        ),
        {"code": _code(services, clock)},
    )
    with services.db.session() as session:
        row = session.get(Conversation, ("test", "chat-focal"))
    assert row is not None
    assert row.data["pending"]["text"] == "đã làm việc với Bộ Y tế"
    # A new ChatHandlers (a restart) still knows the question.
    fresh = HandlerDriver(services, clock, chat=ChatHandlers(services))
    answers = await fresh.say("focal", "2.2.1")
    assert "đã làm việc với Bộ Y tế" in answers[0].text


async def test_english_when_telegram_language_is_english(
    services: Services, clock: FrozenClock
) -> None:
    chat = ChatHandlers(services)
    answer = await chat.handle(
        Incoming(
            channel="test",
            chat_id="e",
            user_id="e",
            display_name="E",
            received_at=clock.now(),
            text="hello",
            language="en-US",
        )
    )
    assert "not registered" in answer[0].text


async def test_a_secretariat_officer_who_writes_an_update_is_told_there_is_nothing_to_record(
    services: Services, clock: FrozenClock
) -> None:
    code = create_invitations(
        services.db, "vp-ubnd-tinh", role="secretariat", count=1, expires_days=7, now=clock.now()
    )[0].code
    driver = HandlerDriver(services, clock)
    steps = [
        Step("vp", says="/start {code}", expect=("Văn phòng",)),
        Step("vp", says="đã hoàn thành rồi", expect=("không được giao nhiệm vụ riêng",)),
    ]
    await play(driver, steps, {"code": code})
    assert _rows(services) == []


async def test_acknowledgements_and_requests_to_report_write_nothing(
    services: Services, clock: FrozenClock
) -> None:
    """ "dạ vâng", "ok", "tôi muốn cập nhật tiến độ": a short answer, even as a reply to the task
    list; only a real report is recorded."""
    driver = HandlerDriver(services, clock)
    steps = (
        Step("focal", says="/start {code}", expect=("Sở Y tế",)),
        Step("focal", says="dạ vâng ạ", expect=("/nhiemvu",), forbid=("nhiệm vụ nào",)),
        Step("focal", says="tôi muốn cập nhật tiến độ", expect=("2.2:",), forbid=("nhiệm vụ nào",)),
        Step("focal", says="/nhiemvu", expect=("2.2.1",)),
        Step("focal", says="ok", reply_to_last=True, forbid=("nhiệm vụ nào", "Đã ghi nhận")),
        Step("focal", says="/nhiemvu", expect=("2.2.1",)),
        Step("focal", says="không", reply_to_last=True, forbid=("nhiệm vụ nào", "Đã ghi nhận")),
        Step("focal", says="/nhiemvu", expect=("2.2.1",)),
        Step("focal", says="nhiệm vụ 2.2 xong chưa", expect=("2.2.1", "chưa có cập nhật")),
        Step("focal", says="/nhiemvu", expect=("2.2.1",)),
        Step(
            "focal",
            says="/capnhat đã trình UBND tỉnh",
            reply_to_last=True,
            expect=("nhiệm vụ nào",),
        ),
        Step("focal", says="2.2.1", expect=("Đã ghi nhận", "đã trình UBND tỉnh")),
    )
    await play(driver, steps, {"code": _code(services, clock)})
    # The command is not part of the update: the text after it is stored.
    assert [(r.task_id, r.text) for r in _rows(services)] == [("2.2.1", "đã trình UBND tỉnh")]


async def test_in_a_group_each_member_has_a_conversation_of_their_own(
    services: Services, clock: FrozenClock
) -> None:
    """Two focal points in one group: one's "which task?" and "huỷ" are not the other's."""
    chat = ChatHandlers(services)
    codes = {
        "yte": _code(services, clock),
        "gtvt": _code(services, clock, agency="so-gtvt"),
    }

    async def say(who: str, text: str) -> str:
        clock.advance(timedelta(seconds=5))
        replies = await chat.handle(
            Incoming(
                channel="test",
                chat_id="group-1",
                user_id=f"user-{who}",
                display_name=who,
                received_at=clock.now(),
                text=text,
                message_id=f"{who}-{clock.now().timestamp()}",
                chat_type="group",
                addressed=True,
            )
        )
        return "\n".join(reply.text for reply in replies)

    assert "Sở Y tế" in await say("yte", f"/start {codes['yte']}")
    assert "Giao thông" in await say("gtvt", f"/start {codes['gtvt']}")
    assert "nhiệm vụ nào" in await say("yte", "đã làm việc với Bộ Y tế về quy hoạch")
    answer = await say("gtvt", "1")  # not an answer to Sở Y tế's question
    assert "Đã ghi nhận" not in answer
    assert "Đã ghi nhận" in await say("yte", "2.2.1")
    assert "Không có gì để huỷ" in await say("gtvt", "huỷ")
    rows = _rows(services)
    assert [(r.kind, r.agency_id, r.task_id) for r in rows] == [("report", "so-y-te", "2.2.1")]
    assert rows[0].text == "đã làm việc với Bộ Y tế về quy hoạch"


async def test_a_revoked_user_is_a_stranger_and_a_revoked_code_is_refused(
    services: Services, clock: FrozenClock
) -> None:
    from bot.registration import find_user, revoke_invitation, revoke_user

    driver = HandlerDriver(services, clock)
    revoked_code = _code(services, clock)
    assert revoke_invitation(services.db, revoked_code, clock.now()) is not None
    await play(
        driver,
        (
            Step("focal", says="/start {revoked}", expect=("thu hồi",), forbid=("Sở Y tế",)),
            Step("focal", says="/start {code}", expect=("Sở Y tế",)),
            Step("focal", says="2.2: đã trình", expect=("Đã ghi nhận",)),
        ),
        {"code": _code(services, clock), "revoked": revoked_code},
    )
    user = find_user(services.db, "test", "user-focal")
    assert user is not None
    assert user.id is not None
    assert revoke_user(services.db, str(user.id), clock.now()) is not None
    await play(
        driver,
        (
            Step("focal", says="nhiệm vụ của tôi", expect=("chưa được đăng ký",), forbid=("2.2",)),
            Step("focal", says="2.2: xong", expect=("chưa được đăng ký",), forbid=("Đã ghi",)),
            Step("focal", says="huỷ", expect=("chưa được đăng ký",)),
        ),
    )
    assert [r.kind for r in _rows(services)] == ["report"]


def _message(clock: FrozenClock, chat: str, text: str) -> Incoming:
    return Incoming(
        channel="telegram",
        chat_id=chat,
        user_id=chat,
        display_name=f"user {chat}",
        received_at=clock.now(),
        text=text,
        message_id=f"{chat}-{text}",
    )


async def test_a_write_waiting_for_the_database_does_not_stall_the_event_loop(
    services: Services, clock: FrozenClock
) -> None:
    handlers = ChatHandlers(services)
    await handlers.handle(_message(clock, "501", f"/start {_code(services, clock)}"))
    path = services.db.url.database
    assert path is not None
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        answer = asyncio.create_task(handlers.handle(_message(clock, "501", "2.2.1: đã trình")))
        started = time.monotonic()
        await asyncio.sleep(0.2)  # the loop (other chats, the sender) keeps running meanwhile
        assert time.monotonic() - started < 5
        assert not answer.done()  # the report is still waiting for the lock
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    replies = await answer
    assert "2.2.1" in replies[0].text
    assert [(r.task_id, r.kind) for r in _rows(services)] == [("2.2.1", "report")]


async def test_messages_of_one_chat_are_answered_in_order(
    services: Services, clock: FrozenClock
) -> None:
    handlers = ChatHandlers(services)
    await handlers.handle(_message(clock, "502", f"/start {_code(services, clock)}"))
    # Sent at once (a webhook delivers both before the first is answered): the undo applies
    # to the report, because the chat's messages are answered one after the other.
    await asyncio.gather(
        handlers.handle(_message(clock, "502", "2.2.1: đã trình UBND tỉnh")),
        handlers.handle(_message(clock, "502", "huỷ")),
    )
    assert [r.kind for r in _rows(services)] == ["report", "retraction"]


@pytest.mark.parametrize(
    "spelled", ["hi_qDa6FWtzO", "oOND2XG_iKTB", "YDatioAWK8En", "ANKYGFMN5haN"]
)
async def test_a_bare_code_registers_whatever_words_it_happens_to_spell(
    services: Services, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, spelled: str
) -> None:
    """Random codes can read as a greeting, an update, a language or a deadline question; a
    stranger who types one (or pastes it into the web sign-in) is registered all the same."""
    import bot.registration

    monkeypatch.setattr(bot.registration, "new_code", lambda: spelled)
    code = _code(services, clock)
    assert code == spelled
    driver = HandlerDriver(services, clock)
    await play(driver, (Step("focal", says="{code}", expect=("Sở Y tế",)),), {"code": code})
    assert find_user(services.db, "test", "user-focal") is not None
