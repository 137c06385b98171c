"""Each plan's own reporting rule makes its own rounds, and a task may carry its own deadline.

The rules are the ones provincial plans write: "trước ngày 20 của tháng cuối quý, 06 tháng và
hằng năm" (the seed), "trước ngày 05/6 và 05/12 hằng năm", "hằng tháng trước ngày 25",
"trước ngày 15/12". Expectations are written from the rule's words, not from the code.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import translator
from bot.importer.timing import read_report_timing
from bot.plan import (
    PlanError,
    ReportingRule,
    TaskDeadline,
    default_plan_path,
    load_plan,
    parse_plan,
)
from scheduler.calendar import ReportingCalendar, UnknownPeriod
from tests.conftest import TZ, local

VI, EN = translator("vi"), translator("en")


def _calendar(text: str) -> ReportingCalendar:
    """The calendar of the rule a plan states in ``text``, read as the importer reads it."""
    (timing,) = read_report_timing(text)
    rule = ReportingRule(
        id="unit-report",
        who=("so-y-te",),
        day=timing.day,
        months=timing.months,
        to="ubnd-tinh",
        cc=(),
        rule="before",
        text=text,
        consolidates=None,
    )
    return ReportingCalendar([rule], TZ)


HALF_YEARLY = "Định kỳ báo cáo kết quả thực hiện trước ngày 05/6 và 05/12 hằng năm."
MONTHLY = "Hằng tháng, các sở báo cáo kết quả thực hiện trước ngày 25 về UBND tỉnh."
YEARLY = "Các đơn vị báo cáo kết quả thực hiện trước ngày 15/12 về Sở Y tế để tổng hợp."


def test_the_seed_rule_keeps_its_round_ids() -> None:
    calendar = ReportingCalendar(load_plan().reporting, TZ)
    assert [r.id for r in calendar.rounds(2026)] == ["2026-Q1", "2026-H1", "2026-Q3", "2026-Y"]
    assert not calendar.monthly


def test_twice_a_year_rule_has_a_half_year_and_a_year_round() -> None:
    calendar = _calendar(HALF_YEARLY)
    rounds = calendar.rounds(2026)
    assert [r.due for r in rounds] == [date(2026, 6, 5), date(2026, 12, 5)]
    assert [r.label(VI) for r in rounds] == ["6 tháng đầu năm 2026", "Năm 2026"]
    assert [r.label(EN) for r in rounds] == ["First half of 2026", "Year 2026"]
    # 5 June 00:00 is already late; the next round's window opens on 6 June.
    assert calendar.round_at(local(2026, 6, 4, 23, 59)).label(VI) == "6 tháng đầu năm 2026"
    assert rounds[0].is_late(local(2026, 6, 5, 0, 0))
    assert calendar.round_at(local(2026, 6, 6, 0, 0)).label(VI) == "Năm 2026"
    assert calendar.round_at(local(2026, 12, 6, 9, 0)).label(VI) == "6 tháng đầu năm 2027"
    with pytest.raises(UnknownPeriod):
        calendar.parse("2026-Q1")  # this plan has no first-quarter report


def test_monthly_rule_has_twelve_rounds_named_by_month() -> None:
    calendar = _calendar(MONTHLY)
    rounds = calendar.rounds(2026)
    assert len(rounds) == 12
    assert calendar.monthly
    assert [r.due for r in rounds] == [date(2026, m, 25) for m in range(1, 13)]
    march = rounds[2]
    assert march.label(VI) == "Tháng 3/2026"  # not "Quý I/2026"
    assert march.label(EN) == "Month 3/2026"
    assert rounds[11].label(VI) == "Tháng 12/2026"  # not "Năm 2026"
    # Ids are unambiguous and read back in the ways people write them.
    assert len({r.id for r in rounds}) == 12
    for text in ("2026-M03", "2026-M3", "2026-T3", "2026-m03"):
        assert calendar.parse(text) == march
    for text in ("2026-Q1", "2026-Y", "2026-M13", "2026-M0"):
        with pytest.raises(UnknownPeriod):
            calendar.parse(text)
    # The windows tile the year: 26 March to 25 April is April's round.
    assert calendar.round_at(local(2026, 3, 25, 12, 0)).label(VI) == "Tháng 3/2026"
    assert calendar.round_at(local(2026, 3, 26, 0, 0)).label(VI) == "Tháng 4/2026"
    assert calendar.round_at(local(2026, 12, 26, 0, 0)).label(VI) == "Tháng 1/2027"
    day = local(2026, 1, 1, 12, 0)
    while day.year == 2026:
        holding = [r for y in (2026, 2027) for r in calendar.rounds(y) if r.contains(day)]
        assert len(holding) == 1
        day += timedelta(days=1)


def test_monthly_overdue_rounds_stay_within_the_late_window() -> None:
    calendar = _calendar(MONTHLY)
    overdue = calendar.overdue_rounds(local(2026, 4, 26, 9, 0), late_window_days=30)
    assert [r.label(VI) for r in overdue] == ["Tháng 4/2026"]


def test_once_a_year_rule_has_one_round() -> None:
    calendar = _calendar(YEARLY)
    (only,) = calendar.rounds(2026)
    assert only.due == date(2026, 12, 15)
    assert only.label(VI) == "Năm 2026"
    assert calendar.round_at(local(2026, 1, 10, 9, 0)) == only
    assert calendar.round_at(local(2026, 12, 16, 0, 0)).label(VI) == "Năm 2027"
    assert calendar.next_due(local(2026, 12, 15, 0, 0)).due == date(2027, 12, 15)


# --------------------------------------------------------------------------- task deadlines


def _with_deadlines(deadlines: dict[str, object]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_plan_path().read_text(encoding="utf-8"))
    for task in data["tasks"]:
        if task["id"] in deadlines:
            task["deadline"] = deadlines[task["id"]]
    return data


def test_task_deadlines_load_and_fall_due_as_the_plan_says() -> None:
    plan = parse_plan(
        _with_deadlines(
            {
                "2.1": {"kind": "quarter", "text": "trong quý I/2021", "date": "2021-03-31"},
                "2.3": {
                    "kind": "date",
                    "text": "trước ngày 30/6/2021",
                    "date": "2021-06-30",
                    "before": True,
                },
                "2.4": {"kind": "year", "text": "trong năm 2021", "date": "2021-12-31"},
                "2.5": {"kind": "ongoing", "text": "thường xuyên"},
            }
        )
    )
    assert plan.task("2.3").deadline == TaskDeadline(
        "date", "trước ngày 30/6/2021", date(2021, 6, 30), True
    )
    calendar = ReportingCalendar(plan.reporting, TZ)
    quarter = calendar.task_due(plan.task("2.1"))
    assert quarter is not None
    assert quarter.due == date(2021, 4, 1)  # all of 31 March is still "trong quý I"
    assert not quarter.is_late(local(2021, 3, 31, 23, 59))
    assert quarter.is_late(local(2021, 4, 1, 0, 0))
    assert quarter.describe(VI) == "trong quý I/2021 (trước thứ Năm, ngày 01/04/2021)"
    before = calendar.task_due(plan.task("2.3"))
    assert before is not None
    assert before.due == date(2021, 6, 30)
    assert before.is_late(local(2021, 6, 30, 0, 0))
    assert before.describe(VI) == "trước thứ Tư, ngày 30/06/2021"
    assert before.days_left(local(2021, 6, 27, 8, 0)) == 3
    ongoing = calendar.task_due(plan.task("2.5"))
    assert ongoing is not None
    assert ongoing.due is None
    assert ongoing.describe(VI) == "thường xuyên"
    assert not ongoing.is_late(local(2030, 1, 1, 0, 0))
    assert calendar.task_due(plan.task("2.6.1")) is None
    dues = calendar.task_dues(plan.tasks)
    assert [d.task_id for d in dues] == ["2.1", "2.3", "2.4"]  # dated ones, soonest first
    # The deadline survives the plan file's own serialiser (what `planbot plan load` stores).
    again = parse_plan(plan.to_dict())
    assert again.task("2.1").deadline == plan.task("2.1").deadline


def test_the_seed_plan_keeps_loading_and_its_checksum_is_unchanged() -> None:
    plan = load_plan()
    assert all(task.deadline is None for task in plan.tasks)
    assert "deadline" not in json.dumps(plan.to_dict())


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        ({"kind": "date", "text": "trước ngày 30/2/2021", "date": "2021-02-30"}, "không tồn tại"),
        ({"kind": "quarter", "text": "trong quý I/2021"}, "cần có «date»"),
        ({"kind": "soon", "text": "sớm"}, "không hợp lệ"),
    ],
)
def test_a_broken_task_deadline_is_refused_with_its_path(
    deadline: dict[str, object], message: str
) -> None:
    with pytest.raises(PlanError) as raised:
        parse_plan(_with_deadlines({"2.1": deadline}))
    (problem,) = raised.value.problems
    assert problem.path.startswith("$.tasks[9].deadline")
    assert message in problem.message


@pytest.mark.parametrize("text", ["tháng 3/2026", "Tháng 3 năm 2026", "thang 3 2026", "T3/2026"])
def test_a_monthly_round_is_named_the_way_people_type_it(text: str) -> None:
    from bot.digest import parse_round

    assert parse_round(_calendar(MONTHLY), text).label(VI) == "Tháng 3/2026"
    with pytest.raises(UnknownPeriod):
        parse_round(_calendar(HALF_YEARLY), text)  # that plan has no March report


def test_a_deadline_the_importer_reads_loads_and_falls_due() -> None:
    """ "gửi báo cáo … trước ngày 15/12/2023" in a published text: the draft's deadline loads
    with the plan and the calendar gives its due day."""
    from bot.importer import import_plan
    from bot.importer.review import draft_json

    text = Path(__file__).parent / "data" / "plans" / "quangnam_cv86549_2023.txt"
    draft = json.loads(draft_json(import_plan(text, load_plan().agencies)))
    draft["reporting"] = load_plan().to_dict()["reporting"]  # the reviewer adds the rule
    plan = parse_plan(draft)
    (task,) = [task for task in plan.tasks if task.deadline is not None]
    due = ReportingCalendar(plan.reporting, TZ).task_due(task)
    assert due is not None
    assert due.due == date(2023, 12, 15)
    assert due.describe(VI) == "trước thứ Sáu, ngày 15/12/2023"
