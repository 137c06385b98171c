"""A plan added to a running deployment is followed from the day it is loaded.

The secretariat loads the epidemic plan ("zika", reports monthly before day 25) beside the seed
plan on 12/03/2021. February's deadline (25/02) passed before anyone was asked to report on
zika: nobody owes February, no reply calls it overdue, a report files into March on time, and
the digest does not list every unit as overdue for a round the bot never followed. A plan
loaded before a deadline owes that round as every plan does (the control case).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services, load_plan_file
from bot.clock import FrozenClock
from bot.digest import default_round
from bot.i18n import translator
from bot.models import StatusUpdate
from bot.plan import load_plan
from bot.plans import PlanEntry, PlanSet
from bot.registration import create_invitations
from scheduler.calendar import ReportingCalendar
from tests.conftest import TZ, local
from tests.transcripts import HandlerDriver, Step, play

ZIKA_FILE = Path(__file__).parent / "data" / "plan_phong_chong_dich_zika.json"
ZIKA = "phong-chong-dich-zika"


def _add_zika(services: Services, clock: FrozenClock, at: datetime) -> None:
    clock.set(at)
    load_plan_file(services.db, ZIKA_FILE, clock)
    services.reload_plan()


def _code(services: Services, clock: FrozenClock, agency: str, role: str = "focal") -> str:
    return create_invitations(
        services.db, agency, role=role, count=1, expires_days=30, now=clock.now()
    )[0].code


def _reports(services: Services) -> list[tuple[str, str, str]]:
    with services.db.session() as session:
        rows = session.exec(
            select(StatusUpdate)
            .where(col(StatusUpdate.kind) == "report", col(StatusUpdate.plan_id) == ZIKA)
            .order_by(col(StatusUpdate.id))
        ).all()
        return [(r.task_id, r.period, r.status) for r in rows]


def test_the_calendar_owes_no_round_whose_deadline_passed_before_the_plan_was_followed(
    services: Services, clock: FrozenClock
) -> None:
    _add_zika(services, clock, local(2021, 3, 12, 10, 0))
    calendar = services.plans.calendar(ZIKA)
    february = calendar.parse("2021-M02")
    march = calendar.parse("2021-M03")
    assert calendar.followed_from == local(2021, 3, 12, 10, 0)
    assert not calendar.follows(february)
    assert calendar.follows(march)
    assert calendar.overdue_rounds(local(2021, 3, 13, 9, 0), 30) == ()
    choice = calendar.choose_round(
        local(2021, 3, 13, 9, 0), owes=lambda _round: True, late_window_days=30
    )
    assert (choice.round, choice.late) == (march, False)
    # March was followed: after its deadline it is overdue and a report files there, late.
    assert calendar.overdue_rounds(local(2021, 3, 27, 9, 0), 30) == (march,)
    late = calendar.choose_round(
        local(2021, 3, 27, 9, 0), owes=lambda _round: True, late_window_days=30
    )
    assert (late.round, late.late, late.days_late) == (
        march,
        True,
        2,
    )  # "muộn 2 ngày": 25 and 26 are one day
    # The deployment's first plan keeps every round (it started the deployment).
    assert services.plans.calendar("tuyen-quang-tb38-2021").followed_from is None


def test_plans_loaded_together_at_the_start_are_all_first() -> None:
    assert PlanSet.from_stored([], TZ).started is None
    plan = load_plan()
    at = local(2021, 3, 10, 9, 0)
    both = PlanSet([PlanEntry(plan, "tb38", at)], TZ, started=at)
    assert both.followed_from(plan.info.id) is None
    later = PlanSet([PlanEntry(plan, "tb38", local(2021, 4, 1, 9, 0))], TZ, started=at)
    assert later.followed_from(plan.info.id) == local(2021, 4, 1, 9, 0)
    assert isinstance(later.calendar(plan.info.id), ReportingCalendar)


async def test_a_focal_point_of_a_newly_added_plan_owes_nothing_from_before_it(
    services: Services, clock: FrozenClock
) -> None:
    _add_zika(services, clock, local(2021, 3, 12, 10, 0))
    clock.set(local(2021, 3, 13, 9, 0))
    driver = HandlerDriver(services, clock)
    await play(
        driver,
        (
            Step("yte", says="/start {code}", expect=("Sở Y tế",)),
            Step(
                "yte",
                says="zika nhiem vu",
                expect=("[zika]", "Tháng 3/2021"),
                forbid=("Quá hạn", "Tháng 2/2021"),
            ),
            Step(
                "yte",
                says="zika 2.2: đang giám sát dịch tại cửa khẩu",
                expect=("[zika]", "Tháng 3/2021", "ĐANG THỰC HIỆN"),
                forbid=("muộn", "Tháng 2/2021"),
            ),
        ),
        {"code": _code(services, clock, "so-y-te")},
    )
    assert _reports(services) == [("2.2", "2021-M03", "in_progress")]


async def test_a_plan_loaded_before_a_deadline_owes_that_round_late(
    services: Services, clock: FrozenClock
) -> None:
    _add_zika(services, clock, local(2021, 3, 20, 10, 0))  # before 25/03
    clock.set(local(2021, 3, 27, 9, 0))
    driver = HandlerDriver(services, clock)
    await play(
        driver,
        (
            Step("yte", says="/start {code}"),
            Step("yte", says="zika nhiem vu", expect=("Quá hạn", "Tháng 3/2021")),
            Step(
                "yte",
                says="zika 2.2: đang giám sát dịch tại cửa khẩu",
                expect=("Tháng 3/2021", "muộn"),
            ),
        ),
        {"code": _code(services, clock, "so-y-te")},
    )
    assert _reports(services) == [("2.2", "2021-M03", "in_progress")]


@pytest.mark.parametrize(
    ("loaded", "expected"),
    [
        (local(2021, 3, 26, 10, 0), "2021-M04"),  # after March's deadline: April is open
        (local(2021, 3, 20, 10, 0), "2021-M03"),  # before it: March, being consolidated
    ],
)
async def test_the_digest_of_a_newly_added_plan_is_about_a_round_it_followed(
    services: Services, clock: FrozenClock, loaded: datetime, expected: str
) -> None:
    _add_zika(services, clock, loaded)
    clock.set(local(2021, 3, 28, 9, 0))
    calendar = services.plans.calendar(ZIKA)
    assert default_round(calendar, clock.now()).id == expected
    label = calendar.parse(expected).label(translator("vi"))
    driver = HandlerDriver(services, clock)
    await play(
        driver,
        (
            Step("vp", says="/start {vp}"),
            Step("vp", says="/tonghop zika", expect=(label,)),
        ),
        {"vp": _code(services, clock, "vp-ubnd-tinh", role="secretariat")},
    )


async def test_a_round_the_new_plan_never_followed_is_explained_not_shown_all_overdue(
    services: Services, clock: FrozenClock
) -> None:
    _add_zika(services, clock, local(2021, 3, 12, 10, 0))
    clock.set(local(2021, 3, 13, 9, 0))
    driver = HandlerDriver(services, clock)
    said = await play(
        driver,
        (
            Step("vp", says="/start {vp}"),
            Step(
                "vp",
                says="/tonghop zika 2021-M02",
                expect=("được theo dõi từ 12/03/2021", "không phải báo cáo kỳ Tháng 2/2021"),
                forbid=("quá hạn", "Quá hạn"),
            ),
            Step("vp", says="/tonghop zika 2021-M03", expect=("Tháng 3/2021",)),
        ),
        {"vp": _code(services, clock, "vp-ubnd-tinh", role="secretariat")},
    )
    assert "được theo dõi từ" not in said[2][0].text
