"""Which round a report is filed into: the rules, and properties over any moment (Hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import translator
from bot.plan import load_plan
from scheduler.calendar import ReportingCalendar, Round, deadline_text
from tests.conftest import TZ, local

CALENDAR = ReportingCalendar(load_plan().reporting, TZ)
YEAR_2026 = CALENDAR.parse("2026-Y")


def owes_all(_round: Round) -> bool:
    return True


def owes_nothing(_round: Round) -> bool:
    return False


def test_owed_item_after_the_deadline_is_the_late_report_of_that_round() -> None:
    choice = CALENDAR.choose_round(local(2026, 12, 21, 9), owes=owes_all, late_window_days=30)
    assert (choice.round.id, choice.late, choice.days_late, choice.reason) == (
        "2026-Y",
        True,
        1,
        "late",
    )
    assert choice.alternative is not None
    assert choice.alternative.id == "2027-Q1"


def test_on_the_due_day_itself_the_report_is_late_in_its_own_round() -> None:
    choice = CALENDAR.choose_round(local(2026, 12, 20, 9), owes=owes_all, late_window_days=30)
    assert (choice.round.id, choice.late, choice.days_late, choice.alternative) == (
        "2026-Y",
        True,
        1,
        None,
    )


def test_an_item_not_owed_any_more_goes_to_the_round_of_its_time() -> None:
    choice = CALENDAR.choose_round(local(2026, 12, 21, 9), owes=owes_nothing, late_window_days=30)
    assert (choice.round.id, choice.late, choice.alternative) == ("2027-Q1", False, None)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(2027, 1, 18, 23, 59), "2026-Y"),  # the last minute of the 30 days
        (local(2027, 1, 19, 0, 0), "2027-Q1"),  # 30 days after 00:00 on 20/12
    ],
)
def test_the_late_window_ends_30_days_after_the_deadline(at: datetime, expected: str) -> None:
    assert CALENDAR.choose_round(at, owes=owes_all, late_window_days=30).round.id == expected


def test_a_zero_window_files_into_the_round_of_the_time() -> None:
    choice = CALENDAR.choose_round(local(2026, 12, 21, 9), owes=owes_all, late_window_days=0)
    assert choice.round.id == "2027-Q1"


def test_a_reply_files_into_the_round_of_the_message_it_answers() -> None:
    at = local(2027, 2, 10, 9)  # long after the late window
    choice = CALENDAR.choose_round(
        at, owes=owes_nothing, late_window_days=30, context_period="2026-Y"
    )
    assert (choice.round.id, choice.reason, choice.days_late, choice.alternative) == (
        "2026-Y",
        "context",
        52,
        None,
    )


@pytest.mark.parametrize("context", ["2027-H1", "2031-Q1", "nonsense", ""])
def test_a_reply_context_for_a_round_not_started_is_ignored(context: str) -> None:
    choice = CALENDAR.choose_round(
        local(2026, 12, 21, 9), owes=owes_all, late_window_days=30, context_period=context
    )
    assert choice.round.id == "2026-Y"


def test_the_deadline_has_one_wording() -> None:
    assert deadline_text(translator("vi"), YEAR_2026.due) == "trước Chủ nhật, ngày 20/12/2026"
    assert deadline_text(translator("en"), YEAR_2026.due) == "before Sunday, 12/20/2026"


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        CALENDAR.choose_round(datetime(2026, 12, 21), owes=owes_all, late_window_days=30)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.sampled_from([UTC, TZ]),
)
owed_sets = st.sets(st.sampled_from(["Q1", "H1", "Q3", "Y"]))
contexts = st.one_of(
    st.none(),
    st.builds(
        lambda year, code: f"{year}-{code}",
        st.integers(2000, 2100),
        st.sampled_from(["Q1", "H1", "Q3", "Y", "Q2", "X"]),
    ),
)


@given(moments, owed_sets, st.integers(0, 90), contexts)
def test_round_choice_is_total_started_and_late_iff_past_the_deadline(
    moment: datetime, owed: set[str], window: int, context: str | None
) -> None:
    choice = CALENDAR.choose_round(
        moment,
        owes=lambda r: r.code in owed,
        late_window_days=window,
        context_period=context,
    )
    assert choice.round.has_started(moment)  # never a round whose window has not started
    assert choice.late is (moment >= choice.round.deadline)
    assert (choice.days_late > 0) is choice.late
    if choice.alternative is not None:
        assert choice.alternative.has_started(moment)
        assert choice.alternative.id != choice.round.id
    if choice.reason == "late":
        assert choice.round.code in owed
        assert moment < choice.round.deadline + timedelta(days=window)
    if choice.reason == "window":
        assert choice.round.contains(moment)
