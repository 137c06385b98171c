"""Properties that must hold for any input, checked with Hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.plan import load_plan
from bot.text import fold, split_text, strip_diacritics
from scheduler.calendar import ReportingCalendar
from tests.conftest import TZ

CALENDAR = ReportingCalendar(load_plan().reporting, TZ)

moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.sampled_from([UTC, TZ]),
)


@given(moments)
def test_every_moment_belongs_to_exactly_one_round(moment: datetime) -> None:
    holder = CALENDAR.round_at(moment)
    assert holder.contains(moment)
    neighbours = [CALENDAR.previous(holder)]
    following = CALENDAR.next_due(holder.deadline)
    neighbours.append(following)
    assert not any(r.contains(moment) for r in neighbours if r.id != holder.id)


@given(moments)
def test_late_means_on_or_after_midnight_of_day_20_local_time(moment: datetime) -> None:
    round_ = CALENDAR.round_at(moment)
    local = moment.astimezone(TZ)
    expected_late = (local.year, local.month) == (round_.due.year, round_.due.month) and (
        local.day >= round_.due.day
    )
    assert round_.is_late(moment) is expected_late


@given(moments)
def test_the_next_deadline_is_ahead_and_no_deadline_is_skipped(moment: datetime) -> None:
    upcoming = CALENDAR.next_due(moment)
    assert upcoming.deadline > moment
    assert CALENDAR.previous(upcoming).deadline <= moment
    assert upcoming.deadline - moment <= timedelta(days=93)


vietnamese = st.text(
    alphabet=st.sampled_from(
        list(
            "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ &.:-0123456789ĐÂĂÊÔƠƯ"
        )
    ),
    max_size=60,
)


@given(vietnamese)
def test_folding_is_idempotent_and_ignores_diacritics_and_case(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert fold(strip_diacritics(text)) == folded
    assert fold(text.upper()) == folded
    assert folded.isascii()


@settings(max_examples=200)
@given(
    st.lists(st.text(alphabet="ab \n", max_size=40), max_size=30).map("\n".join),
    st.integers(min_value=5, max_value=60),
)
def test_split_text_respects_the_limit_and_keeps_every_word(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())
