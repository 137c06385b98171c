"""The reporting calendar, from the plan's own words: "trước ngày 20 của tháng cuối quý, 06 tháng
và hằng năm", and "trước ngày 25" for Sở KH&ĐT's consolidation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.i18n import translator
from bot.plan import load_plan
from scheduler.calendar import ReportingCalendar, UnknownPeriod
from tests.conftest import TZ, local


@pytest.fixture(scope="module")
def calendar() -> ReportingCalendar:
    return ReportingCalendar(load_plan().reporting, TZ)


@pytest.mark.parametrize("year", [2021, 2026, 2027])
def test_four_rounds_a_year_due_before_day_20_and_consolidated_before_day_25(
    calendar: ReportingCalendar, year: int
) -> None:
    rounds = calendar.rounds(year)
    assert [r.id for r in rounds] == [f"{year}-Q1", f"{year}-H1", f"{year}-Q3", f"{year}-Y"]
    assert [r.due for r in rounds] == [date(year, m, 20) for m in (3, 6, 9, 12)]
    assert [r.consolidation_due for r in rounds] == [date(year, m, 25) for m in (3, 6, 9, 12)]
    for r in rounds:
        assert r.deadline == local(year, r.month, 20, 0, 0)


def test_before_day_20_is_strict(calendar: ReportingCalendar) -> None:
    q1 = calendar.parse("2021-Q1")
    assert not q1.is_late(local(2021, 3, 19, 23, 59))
    assert q1.is_late(local(2021, 3, 20, 0, 0))


def test_windows_tile_the_year_and_the_due_day_still_belongs_to_its_round(
    calendar: ReportingCalendar,
) -> None:
    assert calendar.round_at(local(2020, 12, 21, 0, 0)).id == "2021-Q1"
    assert calendar.round_at(local(2020, 12, 20, 23, 59)).id == "2020-Y"
    assert calendar.round_at(local(2021, 3, 20, 15, 0)).id == "2021-Q1"  # late, but Q1
    assert calendar.round_at(local(2021, 3, 21, 0, 0)).id == "2021-H1"
    assert calendar.round_at(local(2021, 9, 20, 23, 59)).id == "2021-Q3"
    assert calendar.round_at(local(2021, 12, 31, 12, 0)).id == "2022-Q1"
    # Every instant of a year belongs to exactly one round.
    day = local(2021, 1, 1, 12, 0)
    while day.year == 2021:
        holding = [r for y in (2021, 2022) for r in calendar.rounds(y) if r.contains(day)]
        assert len(holding) == 1
        day += timedelta(days=1)


def test_an_instant_in_another_zone_is_placed_by_local_time(calendar: ReportingCalendar) -> None:
    from datetime import UTC, datetime

    # 17:00 UTC on 19 March is 00:00 on 20 March in Tuyên Quang: late for Q1.
    moment = datetime(2021, 3, 19, 17, 0, tzinfo=UTC)
    assert calendar.parse("2021-Q1").is_late(moment)
    assert calendar.round_at(moment).id == "2021-Q1"


def test_next_due_moves_on_at_midnight_of_the_due_day(calendar: ReportingCalendar) -> None:
    assert calendar.next_due(local(2021, 3, 19, 23, 59)).id == "2021-Q1"
    assert calendar.next_due(local(2021, 3, 20, 0, 0)).id == "2021-H1"
    assert calendar.next_due(local(2021, 12, 20, 8, 0)).id == "2022-Q1"
    assert calendar.days_left(local(2021, 3, 17, 8, 0), calendar.parse("2021-Q1")) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-Q1", "2021-Q1"),
        ("2021-q1", "2021-Q1"),
        ("2021-H1", "2021-H1"),
        ("2021-Q2", "2021-H1"),
        ("2021-Q3", "2021-Q3"),
        ("2021-Q4", "2021-Y"),
        ("2021-Y", "2021-Y"),
        (" 2026-Q4 ", "2026-Y"),
    ],
)
def test_periods_parse_with_aliases(calendar: ReportingCalendar, text: str, expected: str) -> None:
    assert calendar.parse(text).id == expected


@pytest.mark.parametrize("text", ["", "2021", "2021-Q5", "Q1-2021", "abc", "0000-Q1", "0001-Y"])
def test_unknown_periods_are_refused(calendar: ReportingCalendar, text: str) -> None:
    with pytest.raises(UnknownPeriod):
        calendar.parse(text)


def test_labels_come_from_the_catalog(calendar: ReportingCalendar) -> None:
    vi, en = translator("vi"), translator("en")
    labels = [r.label(vi) for r in calendar.rounds(2021)]
    assert labels == ["Quý I/2021", "6 tháng đầu năm 2021", "Quý III/2021", "Năm 2021"]
    assert calendar.parse("2021-H1").label(en) == "First half of 2021"


def test_naive_datetimes_are_refused(calendar: ReportingCalendar) -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="naive"):
        calendar.round_at(datetime(2021, 3, 1))
