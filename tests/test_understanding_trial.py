"""The lead's trial of 2 December and new messages of each kind it found misread (written before
the rules that read them; tests/data/messages_trial.tsv): questions about the plans themselves,
why-questions and questions about the reminders taken as updates, negation idioms with "gì"
taken as questions, and statuses misread. Through understanding, then through the handlers,
where what a user notices is checked: the answer, and that nothing is written for a question."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services, load_plan_file
from bot.clock import FrozenClock
from bot.models import StatusUpdate
from bot.registration import create_invitations
from tests.conftest import local
from tests.test_understanding_table import Row, _expected, load, reading
from tests.transcripts import HandlerDriver, Step, play, transcript_variables

DATA = Path(__file__).parent / "data"
TRIAL = load("messages_trial.tsv")
_RECORDED = "Đã ghi nhận"


def test_the_trial_table_covers_each_kind() -> None:
    kinds = [row.intent for row in TRIAL]
    assert kinds.count("plans") >= 30
    assert kinds.count("question") + kinds.count("reminded") + kinds.count("owed") >= 30
    assert sum(row.write for row in TRIAL) >= 60


@pytest.mark.parametrize("row", TRIAL, ids=[row.text[:40] for row in TRIAL])
def test_trial_row(row: Row) -> None:
    assert reading(row) == _expected(row)


def _reports(services: Services) -> list[tuple[str, str, int | None]]:
    with services.db.session() as session:
        rows = session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all()
    return [(row.task_id, row.status, row.percent) for row in rows if row.kind == "report"]


async def test_which_plans_one_plan_and_a_number_after_it_stores_nothing(
    services: Services, clock: FrozenClock
) -> None:
    """The lead's trial: "cac ke hoach dang theo doi" was taken as an update (the bot asked for
    the task and a number pressed stored it). Now the plan is listed, with what is owed."""
    plan_line = ("[tb38]", "trước ngày 20 các tháng 3, 6, 9, 12", "Quý I/2021", "2.2.1")
    steps = (
        Step("focal", says="/start {code}", expect=("Sở Y tế",)),
        Step(
            "focal",
            says="ke hoach nao dang theo doi?",
            expect=(*plan_line, "/nhiemvu tb38", '"tb38 nhiệm vụ"'),
            forbid=(_RECORDED,),
        ),
        Step(
            "focal",
            says="cac ke hoach dang theo doi",
            expect=plan_line,
            forbid=(_RECORDED, "nhiệm vụ nào"),
        ),
        Step("focal", says="1", forbid=(_RECORDED,)),
        Step("focal", says="toi phai bao cao nhung ke hoach nao", expect=plan_line),
        Step("focal", says="tb38 nhiệm vụ", expect=("Nhiệm vụ của Sở Y tế", "2.2.1")),
        Step("secretary", says="/start {secretariat_code}", expect=("bộ phận tổng hợp",)),
        Step(
            "secretary",
            says="danh sách kế hoạch",
            expect=("[tb38]", "24 nhiệm vụ", "/tonghop tb38"),
            forbid=("còn thiếu",),
        ),
        Step("focal", says="/lang en", expect=("English",)),
        Step("focal", says="which plans are followed?", expect=("[tb38]", "Reporting:", "Q1/2021")),
    )
    variables = transcript_variables(services, clock.now(), "test")
    await play(HandlerDriver(services, clock), steps, variables)
    assert _reports(services) == []


@pytest.fixture
def three(services: Services, clock: FrozenClock) -> Services:
    clock.set(local(2021, 3, 10, 9, 0))
    for name in ("plan_phong_chong_dich_zika.json", "plan_du_an_cham_trien_khai.json"):
        load_plan_file(services.db, DATA / name, clock)
        clock.advance(timedelta(minutes=1))
    services.reload_plan()
    return services


async def test_which_plans_with_three_plans(three: Services, clock: FrozenClock) -> None:
    """Each plan the unit has work in, newest first, what it owes in each, and how to ask for
    one plan's tasks; a plan named narrows the answer; the secretariat sees every plan."""
    code = create_invitations(
        three.db, "so-y-te", role="focal", count=1, expires_days=7, now=clock.now()
    )[0].code
    secretary = create_invitations(
        three.db, "vp-ubnd-tinh", role="secretariat", count=1, expires_days=7, now=clock.now()
    )[0].code
    said = await play(
        HandlerDriver(three, clock),
        (
            Step("yte", says=f"/start {code}", expect=("Sở Y tế",)),
            Step(
                "yte",
                says="đang theo dõi những kế hoạch nào",
                expect=(
                    "Đang theo dõi 3 kế hoạch",
                    "[ct20]",
                    "[zika]",
                    "[tb38]",
                    "trước ngày 25 hằng tháng",
                    "Tháng 2/2021",
                    "đã quá hạn",
                    '"ct20 nhiệm vụ"',
                ),
                forbid=(_RECORDED,),
            ),
            Step(
                "yte", says="zika là kế hoạch gì", expect=("[zika]",), forbid=("[tb38]", "[ct20]")
            ),
            Step("yte", says="/nhiemvu zika", expect=("[zika]", "2.2"), forbid=("[tb38]",)),
            Step("vp", says=f"/start {secretary}", expect=("bộ phận tổng hợp",)),
            Step(
                "vp",
                says="có bao nhiêu kế hoạch",
                expect=("Đang theo dõi 3 kế hoạch", "[ct20]", "[zika]", "[tb38]"),
            ),
        ),
    )
    listed = said[1][0].text
    assert listed.index("[ct20]") < listed.index("[zika]") < listed.index("[tb38]")
    assert _reports(three) == []


async def test_why_questions_are_answered_and_write_nothing(
    services: Services, clock: FrozenClock
) -> None:
    """ "why is 2.2 marked blocked?", "I sent it, why am I reminded?", "was the Q4 report sent?":
    answered with the task's state or what is owed for which round, never stored."""
    steps = (
        Step("focal", says="/start {code}", expect=("Sở Y tế",)),
        Step("focal", says="2.2.1: vướng mắc về vốn", expect=("VƯỚNG MẮC",)),
        Step(
            "focal",
            says="sao 2.2 lại bị đánh dấu vướng mắc?",
            expect=("2.2.1", "vướng mắc về vốn", "chủ trì"),
            forbid=(_RECORDED,),
        ),
        Step(
            "focal",
            says="đã gửi báo cáo rồi mà sao vẫn nhắc",
            expect=("còn thiếu cho kỳ Quý I/2021", "nhiệm vụ chung"),
            forbid=(_RECORDED, "nhiệm vụ nào", "/help"),
        ),
        Step(
            "focal",
            says="2.2.1 đã xong rồi, sao vẫn bị nhắc?",
            expect=("Vai trò của Sở Y tế",),
            forbid=(_RECORDED,),
        ),
        Step("focal", says="bao cáo quý 1 đã gửi chưa", expect=("Quý I/2021", "còn thiếu")),
        Step("focal", says="bao cáo quý 4 đã gửi chưa", expect=("chưa mở", "20/12/2021")),
        Step(
            "focal",
            says="2.2.1: đã trình hồ sơ, có cần bổ sung gì không?",
            expect=(_RECORDED, "ĐANG THỰC HIỆN"),
        ),
    )
    variables = transcript_variables(services, clock.now(), "test")
    await play(HandlerDriver(services, clock), steps, variables)
    assert _reports(services) == [("2.2.1", "blocked", None), ("2.2.1", "in_progress", None)]


async def test_negation_idioms_and_misread_statuses_are_stored_as_said(
    services: Services, clock: FrozenClock
) -> None:
    steps = (
        Step("focal", says="/start {code}", expect=("Sở Y tế",)),
        Step("focal", says="2.2 chua lam gi ca", expect=(_RECORDED, "ĐANG THỰC HIỆN")),
        Step(
            "focal",
            says="2.2.1: hầu như đã xong, còn thủ tục nhỏ",
            expect=(_RECORDED, "ĐANG THỰC HIỆN"),
            forbid=("HOÀN THÀNH.",),
        ),
        Step("focal", says="2.2.1 xong 50 phần trăm", expect=("ĐANG THỰC HIỆN",)),
        Step("focal", says="2.2.1: dừng triển khai", expect=("VƯỚNG MẮC",)),
        Step("focal", says="nhiệm vụ của tôi", expect=("vướng mắc",)),
    )
    variables = transcript_variables(services, clock.now(), "test")
    await play(HandlerDriver(services, clock), steps, variables)
    assert _reports(services) == [
        ("2.2.1", "in_progress", None),
        ("2.2.1", "in_progress", None),
        ("2.2.1", "in_progress", 50),
        ("2.2.1", "blocked", None),
    ]
