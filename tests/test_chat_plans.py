"""Chat with three plans followed at once: the seed (quarterly), the epidemic plan (monthly,
"zika") and the slow-projects plan (twice a year, "ct20"), as transcripts through the handlers.

What a focal point of Sở Y tế notices: its tasks grouped by plan, newest first; "2.2: …" asked
about (Sở Y tế has a 2.2 in two plans) unless the message, the message replied to or the last
plan discussed says which; every confirmation naming its plan; a forged button refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services, load_plan_file
from bot.clock import FrozenClock
from bot.messages import Incoming
from bot.models import StatusUpdate
from bot.registration import create_invitations
from bot.sent import record_sent
from tests.conftest import local
from tests.support.plans import follow_three_plans
from tests.transcripts import HandlerDriver, Step, play

DATA = Path(__file__).parent / "data"
SEED = "tuyen-quang-tb38-2021"
ZIKA = "phong-chong-dich-zika"
PROJECTS = "xu-ly-du-an-cham-trien-khai"


@pytest.fixture
def three(services: Services, clock: FrozenClock) -> Services:
    return follow_three_plans(services, clock, local(2021, 3, 10, 9, 0))


def _code(services: Services, clock: FrozenClock, agency: str, role: str = "focal") -> str:
    return create_invitations(
        services.db, agency, role=role, count=1, expires_days=7, now=clock.now()
    )[0].code


def _reports(services: Services) -> list[tuple[str, str, str, str, str]]:
    with services.db.session() as session:
        rows = session.exec(
            select(StatusUpdate)
            .where(col(StatusUpdate.kind) == "report")
            .order_by(col(StatusUpdate.id))
        ).all()
        return [(r.plan_id, r.task_id, r.period, r.status, r.text) for r in rows]


async def test_tasks_grouped_by_plan_and_the_plan_of_22_asked_then_remembered(
    three: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(three, clock)
    said = await play(
        driver,
        (
            Step("yte", says="/start {code}", expect=("Sở Y tế",)),
            Step("yte", says="nhiệm vụ của tôi"),
            Step(
                "yte",
                says="2.2: đang giám sát dịch tại cửa khẩu",
                expect=("có trong nhiều kế hoạch", "[zika]", "[tb38]", "2.2.1"),
                choices=("zika · 2.2 (chủ trì)", "tb38 · 2.2.1 (chủ trì)"),
            ),
            Step(
                "yte",
                presses="zika · 2.2 (chủ trì)",
                # February's report is still owed and overdue: it files there, late, and
                # March is offered (the calendar's rule, the same in every plan).
                expect=("[zika]", "2.2", "Tháng 2/2021", "muộn", "Tháng 3/2021", "ĐANG THỰC HIỆN"),
            ),
            # The last plan discussed: no question this time, and the confirmation says which.
            Step(
                "yte",
                says="2.2: đã gửi báo cáo dịch tuần 10",
                # February's 2.2 is in now: this one is March's.
                expect=("[zika]", "Tháng 3/2021"),
                forbid=("nhiều kế hoạch",),
            ),
            # Named in the message: the seed plan's 2.2 (Sở Y tế leads 2.2.1 there).
            Step(
                "yte", says="tb38 2.2 xong", expect=("[tb38]", "2.2.1", "Quý I/2021", "HOÀN THÀNH")
            ),
            Step("yte", says="kh ct20, 2.1: đang rà soát cơ chế", expect=("[ct20]", "2.1")),
        ),
        {"code": _code(three, clock, "so-y-te")},
    )
    listing = said[1]
    assert len(listing) == 3  # one message per plan, newest plan first
    assert [message.text.split("\n")[0][:6] for message in listing] == [
        "[ct20]",
        "[zika]",
        "[tb38]",
    ]
    assert "Tháng 3/2021" in listing[1].text  # each plan with its own round and deadline
    assert "6 tháng đầu năm 2021" in listing[0].text
    assert "Quý I/2021" in listing[2].text
    assert _reports(three) == [
        (ZIKA, "2.2", "2021-M02", "in_progress", "đang giám sát dịch tại cửa khẩu"),
        (ZIKA, "2.2", "2021-M03", "in_progress", "đã gửi báo cáo dịch tuần 10"),
        (SEED, "2.2.1", "2021-Q1", "completed", "xong"),
        (PROJECTS, "2.1", "2021-H1", "in_progress", "đang rà soát cơ chế"),
    ]


async def test_a_reply_to_a_plans_task_list_is_for_that_plan(
    three: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(three, clock)
    await play(
        driver,
        (
            Step("yte", says="/start {code}"),
            Step("yte", says="kh zika"),  # that plan's tasks only
            Step("yte", says="2.2: đã giám sát", reply_to_last=True, expect=("[zika]",)),
        ),
        {"code": _code(three, clock, "so-y-te")},
    )
    assert [(plan, task) for plan, task, *_ in _reports(three)] == [(ZIKA, "2.2")]


async def test_numbers_answer_which_plan_where_there_are_no_buttons(
    three: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(three, clock, channel="zalo-like")
    await play(
        driver,
        (
            Step("yte", says="/start {code}"),
            Step("yte", says="2.2: đang triển khai", expect=("nhiều kế hoạch",)),
            Step("yte", says="2", expect=("[tb38]", "2.2.1")),
        ),
        {"code": _code(three, clock, "so-y-te")},
    )
    assert [(plan, task) for plan, task, *_ in _reports(three)] == [(SEED, "2.2.1")]


async def test_a_forged_plan_button_is_refused_and_writes_nothing(
    three: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(three, clock)
    await play(
        driver,
        (
            Step("yte", says="/start {code}"),
            Step("yte", says="2.2: đang triển khai", expect=("nhiều kế hoạch",)),
        ),
        {"code": _code(three, clock, "so-y-te")},
    )
    assert driver.chat is not None
    for payload in ("pick:nokh:2.2", "pick:zika:9.9", "pick:ZIKA:2.2", "pick::2.2", "pick:zika:"):
        incoming = Incoming(
            channel=driver.channel,
            chat_id="chat-yte",
            user_id="user-yte",
            display_name="Yte",
            received_at=clock.now(),
            payload=payload,
        )
        replies = await driver.chat.handle(incoming)
        assert "không còn hiệu lực" in replies[0].text
    assert _reports(three) == []


async def test_one_plans_digest_and_the_overview_for_the_secretariat(
    three: Services, clock: FrozenClock
) -> None:
    clock.set(local(2021, 3, 28, 9, 0))  # after both March deadlines: the rounds just due
    driver = HandlerDriver(three, clock)
    said = await play(
        driver,
        (
            Step("yte", says="/start {code}"),
            Step(
                "yte", says="zika 2.2: vướng mắc về sinh phẩm xét nghiệm", expect=("Tháng 3/2021",)
            ),
            Step("vp", says="/start {vp}"),
            Step("vp", says="/tonghop zika", expect=("Tháng 3/2021",), forbid=("Quý I",)),
            Step(
                "vp", says="ai chưa báo cáo?", expect=("[ct20]", "[zika]", "[tb38]", "Tháng 3/2021")
            ),
            Step("vp", says="việc nào đang vướng", expect=("[zika]", "sinh phẩm", "[tb38]")),
            Step("vp", says="2.2 đến đâu rồi", expect=("[zika]", "Sở Y tế", "[tb38]", "[ct20]")),
            Step("vp", says="tình hình Sở Y tế", expect=("[zika]", "[tb38]", "[ct20]")),
            Step("vp", says="đơn vị nào quá hạn", expect=("[zika]", "[tb38]")),
            Step(
                "vp",
                says="tong hop tat ca ke hoach",
                expect=("TỔNG HỢP TẤT CẢ KẾ HOẠCH", "3 kế hoạch", "■ ct20", "■ zika", "■ tb38"),
            ),
        ),
        {
            "code": _code(three, clock, "so-y-te"),
            "vp": _code(three, clock, "vp-ubnd-tinh", "secretariat"),
        },
    )
    overview = "\n".join(message.text for message in said[-1])
    assert overview.index("■ ct20") < overview.index("■ zika") < overview.index("■ tb38")
    zika_part = overview[overview.index("■ zika") : overview.index("■ tb38")]
    assert "Tháng 3/2021, hạn" in zika_part
    assert "Nhiệm vụ có vướng mắc (1):" in zika_part
    assert "– 2.2 Thực hiện chế độ giám sát, báo cáo dịch theo thẩm quyền (Sở Y tế)" in zika_part
    seed_part = overview[overview.index("■ tb38") :]
    assert "Không có vướng mắc." in seed_part
    assert "Quý I/2021, hạn" in seed_part
    assert "/tonghop ct20" in seed_part


async def test_questions_across_plans_answer_for_each_plan_and_write_nothing(
    three: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(three, clock)
    said = await play(
        driver,
        (
            Step("yte", says="/start {code}"),
            Step("yte", says="2.2 là việc gì?", expect=("[zika]", "[tb38]", "2.2.1")),
            Step("yte", says="còn thiếu gì", expect=("[ct20]", "[zika]", "[tb38]")),
            Step(
                "yte", says="khi nào hạn báo cáo", expect=("05/06/2021", "25/03/2021", "20/03/2021")
            ),
            Step("yte", says="zika còn thiếu gì", expect=("[zika]",), forbid=("[tb38]", "[ct20]")),
            Step("yte", says="/help", expect=("nhiều kế hoạch (ct20, zika, tb38)", "ct20 2.2")),
        ),
        {"code": _code(three, clock, "so-y-te")},
    )
    assert [m.text.split("\n")[0][:6] for m in said[1]] == ["[zika]", "[tb38]"]
    assert _reports(three) == []


async def test_a_tasks_own_deadline_shows_in_the_task_list(
    three: Services, clock: FrozenClock, tmp_path: Path
) -> None:
    document = json.loads((DATA / "plan_phong_chong_dich_zika.json").read_text(encoding="utf-8"))
    for task in document["tasks"]:
        if task["id"] == "2.1":
            task["deadline"] = {
                "kind": "date",
                "text": "trước ngày 30/6/2021",
                "date": "2021-06-30",
                "before": True,
            }
        if task["id"] == "2.2":
            task["deadline"] = {"kind": "quarter", "text": "trong quý I/2021", "date": "2021-03-31"}
    path = tmp_path / "zika.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    load_plan_file(three.db, path, clock)
    three.reload_plan()
    driver = HandlerDriver(three, clock)
    said = await play(
        driver,
        (
            Step("yte", says="/start {code}"),
            Step("yte", says="zika nhiệm vụ"),
            Step(
                "yte",
                says="zika nv 2.1 hạn khi nào?",
                expect=("Hạn của nhiệm vụ: trước thứ Tư, ngày 30/06/2021",),
            ),
        ),
        {"code": _code(three, clock, "so-y-te")},
    )
    (listing,) = said[1]
    assert "Hạn của nhiệm vụ: trước thứ Tư, ngày 30/06/2021 (còn 112 ngày)" in listing.text
    assert (
        "Hạn của nhiệm vụ: trong quý I/2021 (trước thứ Năm, ngày 01/04/2021) (còn 22 ngày)"
        in listing.text
    )


async def test_an_update_without_a_number_is_asked_across_plans_or_within_the_replied_plan(
    three: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(three, clock)
    said = await play(
        driver,
        (
            Step("yte", says="/start {code}"),
            Step(
                "yte",
                says="đã gửi báo cáo tình hình dịch cho Bộ Y tế",
                expect=("nhiệm vụ nào", "[ct20]", "[zika]", "[tb38]"),
            ),
            Step("yte", presses="zika · 2.2 (chủ trì)", expect=("[zika]", "2.2")),
            Step("yte", says="zika nhiem vu"),
            Step(
                "yte",
                says="đã giám sát tại sân bay xong",
                reply_to_last=True,
                expect=("nhiệm vụ nào",),
                forbid=("[tb38]", "[ct20]"),
            ),
            Step("yte", presses="2.1 (chủ trì)", expect=("[zika]", "2.1", "HOÀN THÀNH")),
        ),
        {"code": _code(three, clock, "so-y-te")},
    )
    assert "2.2.1 (chủ trì)" in said[1][0].text  # the seed plan's own task is offered too
    assert [(plan, task) for plan, task, *_ in _reports(three)] == [(ZIKA, "2.2"), (ZIKA, "2.1")]


async def _reply_to_reminder(
    driver: HandlerDriver, clock: FrozenClock, context: dict[str, object], text: str
) -> str:
    """The bot's answer to ``text`` sent as a reply to a reminder with this context."""
    record_sent(driver.services.db, driver.channel, "chat-yte", ["r-1"], context, clock.now())
    incoming = Incoming(
        channel=driver.channel,
        chat_id="chat-yte",
        user_id="user-yte",
        display_name="Yte",
        received_at=clock.now(),
        text=text,
        message_id="m-reply",
        reply_to_message_id="r-1",
    )
    assert driver.chat is not None
    return "\n".join(reply.text for reply in await driver.chat.handle(incoming))


async def test_a_reply_to_a_reminder_is_for_its_plan_and_its_round(
    three: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(three, clock)
    await play(
        driver, (Step("yte", says="/start {code}"),), {"code": _code(three, clock, "so-y-te")}
    )
    reminder: dict[str, object] = {
        "kind": "reminder",
        "plan": ZIKA,
        "period": "2021-M03",
        "tasks": ["2.2"],
    }
    answer = await _reply_to_reminder(driver, clock, reminder, "2.2: đã gửi báo cáo dịch")
    assert "[zika]" in answer
    assert "Tháng 3/2021" in answer  # the reminder's round, though February is still owed
    assert _reports(three)[-1][:3] == (ZIKA, "2.2", "2021-M03")


async def test_a_reply_to_a_reminder_about_several_plans_asks_only_among_them(
    three: Services, clock: FrozenClock
) -> None:
    driver = HandlerDriver(three, clock)
    await play(
        driver, (Step("yte", says="/start {code}"),), {"code": _code(three, clock, "so-y-te")}
    )
    merged: dict[str, object] = {
        "kind": "reminder",
        "plans": [
            {"plan": ZIKA, "period": "2021-M03", "tasks": ["2.2"]},
            {"plan": SEED, "period": "2021-Q1", "tasks": ["2.2.1"]},
        ],
    }
    answer = await _reply_to_reminder(driver, clock, merged, "đã hoàn thiện báo cáo")
    assert "nhiệm vụ nào" in answer
    assert "[zika]" in answer
    assert "[tb38]" in answer
    assert "[ct20]" not in answer  # not in the reminder replied to
    assert _reports(three) == []
    assert driver.chat is not None
    pressed = Incoming(
        channel=driver.channel,
        chat_id="chat-yte",
        user_id="user-yte",
        display_name="Yte",
        received_at=clock.now(),
        payload="pick:tb38:2.2.1",
    )
    (confirmation,) = await driver.chat.handle(pressed)
    assert "[tb38]" in confirmation.text
    assert _reports(three) == [(SEED, "2.2.1", "2021-Q1", "completed", "đã hoàn thiện báo cáo")]


async def test_the_consolidated_report_is_one_plans_and_asks_which_when_not_named(
    three: Services, clock: FrozenClock
) -> None:
    clock.set(local(2021, 3, 28, 9, 0))
    driver = HandlerDriver(three, clock)
    await play(
        driver,
        (
            Step("vp", says="/start {vp}"),
            Step(
                "vp", says="/baocao", expect=("nhiều kế hoạch", "/baocao ct20", "ct20, zika, tb38")
            ),
            Step("vp", says="/baocao zika", expect=("Tháng 3/2021",)),
        ),
        {"vp": _code(three, clock, "vp-ubnd-tinh", "secretariat")},
    )
    sent = driver._last["vp"]
    attachment = sent[-1][1].attachment
    assert attachment is not None
    assert attachment.filename == "bao-cao-2021-M03.docx"
