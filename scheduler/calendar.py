"""The reporting calendar, derived from the plan's reporting rules (data, not code).

For the seed plan each year has four rounds, due before day 20 of March, June, September and
December: ``YYYY-Q1``, ``YYYY-H1`` (also covers Q2), ``YYYY-Q3`` and ``YYYY-Y`` (also covers Q4).
"Trước ngày 20" is strict: a report is on time when it arrives before 00:00 of day 20, local time.
A round's window runs from the day after the previous due day through its own due day.

Which round a report belongs to (:meth:`ReportingCalendar.choose_round`):

1. A reply to one of the bot's messages about a round (a reminder, an overdue notice) files into
   that round, whatever the time, once that round's window has started.
2. After a round's deadline and within the late window (``late_window_days`` from the deadline,
   ``PLANBOT_LATE_WINDOW_DAYS``, 30 by default), a report of an item the unit still owes for that
   round is that round's late report; the round whose window holds the time is offered as the
   other choice.
3. Otherwise the round whose window holds the time (after the late window, or when the item was
   not owed for the overdue round), with no other choice.

A report is late when it comes on or after its round's deadline. It is late by the number of
local calendar days from the last day allowed (the day before the due day, "trước ngày 20" ends
with day 19) to the day it came, that day included: a report on day 20 is one day late, on day
21 two days late. Every message states a deadline with :func:`deadline_text` ("hết thứ Bảy,
ngày 19/12/2026"), the same last day allowed.

This module is pure: no database, no scheduler library.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.plan import ReportingRule

_CODES_BY_MONTH = {3: "Q1", 6: "H1", 9: "Q3", 12: "Y"}
_ALIASES = {"Q2": "H1", "Q4": "Y", "6T": "H1", "NAM": "Y", "N": "Y"}
_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*([A-Za-z0-9]+)\s*$")


class UnknownPeriod(ValueError):
    """A reporting period that the calendar does not have."""


@dataclass(frozen=True, order=True)
class Round:
    """One reporting round: what units report on, and by when."""

    deadline: datetime  # 00:00 local of the due day: a report is on time strictly before it
    id: str
    year: int
    code: str
    month: int
    due: date
    consolidation_due: date | None
    window_start: datetime
    window_end: datetime  # exclusive: 00:00 of the day after the due day

    def contains(self, at: datetime) -> bool:
        return self.window_start <= at < self.window_end

    def is_late(self, at: datetime) -> bool:
        return at >= self.deadline

    @property
    def last_day(self) -> date:
        """The last day a report is on time: "trước ngày 20" ends with day 19."""
        return self.due - timedelta(days=1)

    def days_late(self, at: datetime) -> int:
        """0 when on time; else local calendar days from the due day (day 20) to ``at``'s day.

        A report made during the due day itself is already late and counts as one day late, so
        one made on 20/12 or 21/12 is "muộn 1 ngày" and one made on 22/12 "muộn 2 ngày".
        """
        if not self.is_late(at):
            return 0
        local = _require_aware(at).astimezone(self.deadline.tzinfo)
        return max(1, (local.date() - self.due).days)

    def has_started(self, at: datetime) -> bool:
        """Whether the round's window has opened by ``at`` (a report may be filed into it)."""
        return self.window_start <= at

    @property
    def consolidation_deadline(self) -> datetime | None:
        if self.consolidation_due is None:
            return None
        return datetime.combine(self.consolidation_due, time(0), tzinfo=self.deadline.tzinfo)

    def label(self, t: Translator) -> str:
        """ "Quý I/2021", "6 tháng đầu năm 2021", "Quý III/2021", "Năm 2021"."""
        _ = t.gettext
        labels = {
            "Q1": _("Q1/{year}"),
            "H1": _("First half of {year}"),
            "Q3": _("Q3/{year}"),
            "Y": _("Year {year}"),
        }
        template = labels.get(self.code)
        if template is None:
            return _("Month {month}/{year}").format(month=self.month, year=self.year)
        return template.format(year=self.year)


FilingReason = Literal["context", "late", "window"]


@dataclass(frozen=True)
class RoundChoice:
    """The round a report is filed into, and the other round it may plausibly be for."""

    round: Round
    late: bool
    days_late: int
    reason: FilingReason  # a reply's round, an owed overdue round, or the window's round
    alternative: Round | None = None


class ReportingCalendar:
    """Every round of every year, from the unit-report rule and its consolidation rule."""

    def __init__(self, rules: Sequence[ReportingRule], tz: ZoneInfo) -> None:
        unit_rules = [r for r in rules if r.consolidates is None]
        if not unit_rules:
            raise ValueError("the plan has no unit reporting rule")
        self.unit_rule = unit_rules[0]
        self.consolidation_rule = next(
            (r for r in rules if r.consolidates == self.unit_rule.id), None
        )
        self.tz = tz
        self._months = tuple(sorted(set(self.unit_rule.months)))
        self._cache: dict[int, tuple[Round, ...]] = {}

    @property
    def months(self) -> tuple[int, ...]:
        return self._months

    def due_date(self, year: int, month: int) -> date:
        return _clamped(year, month, self.unit_rule.day)

    def rounds(self, year: int) -> tuple[Round, ...]:
        """The rounds of one calendar year, in order."""
        cached = self._cache.get(year)
        if cached is not None:
            return cached
        built = []
        for index, month in enumerate(self._months):
            due = self.due_date(year, month)
            if index == 0:
                previous_due = self.due_date(year - 1, self._months[-1])
            else:
                previous_due = self.due_date(year, self._months[index - 1])
            consolidation = (
                _clamped(year, month, self.consolidation_rule.day)
                if self.consolidation_rule is not None and month in self.consolidation_rule.months
                else None
            )
            code = _CODES_BY_MONTH.get(month, f"M{month:02d}")
            built.append(
                Round(
                    deadline=self._midnight(due),
                    id=f"{year}-{code}",
                    year=year,
                    code=code,
                    month=month,
                    due=due,
                    consolidation_due=consolidation,
                    window_start=self._midnight(previous_due + timedelta(days=1)),
                    window_end=self._midnight(due + timedelta(days=1)),
                )
            )
        result = tuple(built)
        self._cache[year] = result
        return result

    def round_at(self, at: datetime) -> Round:
        """The round whose window holds ``at`` (the round an update made then belongs to)."""
        local = _require_aware(at).astimezone(self.tz)
        for year in (local.year, local.year + 1):
            for candidate in self.rounds(year):
                if candidate.contains(local):
                    return candidate
        raise AssertionError(f"no round holds {at!r}")  # windows tile the time line

    def next_due(self, at: datetime) -> Round:
        """The first round whose deadline is still ahead of ``at``."""
        local = _require_aware(at).astimezone(self.tz)
        for year in (local.year, local.year + 1):
            for candidate in self.rounds(year):
                if candidate.deadline > local:
                    return candidate
        raise AssertionError("unreachable: every year has a round")

    def previous(self, current: Round) -> Round:
        rounds = self.rounds(current.year)
        index = rounds.index(current)
        return rounds[index - 1] if index > 0 else self.rounds(current.year - 1)[-1]

    def overdue_rounds(self, at: datetime, late_window_days: int) -> tuple[Round, ...]:
        """Rounds whose deadline has passed by ``at`` less than the late window ago, newest first."""
        local = _require_aware(at).astimezone(self.tz)
        window = timedelta(days=late_window_days)
        found: list[Round] = []
        candidate = self.round_at(local)
        if not candidate.is_late(local):
            candidate = self.previous(candidate)
        while candidate.deadline <= local < candidate.deadline + window:
            found.append(candidate)
            candidate = self.previous(candidate)
        return tuple(found)

    def choose_round(
        self,
        at: datetime,
        *,
        owes: Callable[[Round], bool],
        late_window_days: int,
        context_period: str | None = None,
    ) -> RoundChoice:
        """The round a report made at ``at`` belongs to (see the module's rules).

        ``owes(round)`` says whether the unit still owes, for that round, the item reported on;
        ``context_period`` is the round of the bot's message the report replies to, if any.
        """
        local = _require_aware(at).astimezone(self.tz)
        if late_window_days < 0:
            raise ValueError("the late window cannot be negative")
        holder = self.round_at(local)
        if context_period:
            try:
                replied = self.parse(context_period)
            except UnknownPeriod:
                replied = None
            if replied is not None and replied.has_started(local):
                return self._choice(replied, local, "context", None)
        overdue = self.overdue_rounds(local, late_window_days)
        for candidate in overdue:
            if candidate.id != holder.id and owes(candidate):
                return self._choice(candidate, local, "late", holder)
        return self._choice(holder, local, "window", None)

    @staticmethod
    def _choice(
        round_: Round, at: datetime, reason: FilingReason, alternative: Round | None
    ) -> RoundChoice:
        return RoundChoice(
            round=round_,
            late=round_.is_late(at),
            days_late=round_.days_late(at),
            reason=reason,
            alternative=alternative if alternative is not None and alternative != round_ else None,
        )

    def parse(self, text: str) -> Round:
        """A round from its id: "2021-Q1", "2021-H1", "2021-Q3", "2021-Y"; Q2 and Q4 are aliases."""
        match = _PERIOD_RE.match(text or "")
        if match is None:
            raise UnknownPeriod(text)
        year, code = int(match.group(1)), match.group(2).upper()
        code = _ALIASES.get(code, code)
        if not MINYEAR < year <= MAXYEAR:  # a round needs the due day of the year before it
            raise UnknownPeriod(text)
        for candidate in self.rounds(year):
            if candidate.code == code:
                return candidate
        raise UnknownPeriod(text)

    def days_left(self, at: datetime, target: Round) -> int:
        """Whole days from ``at``'s date to the due day (0 on the due day itself)."""
        return (target.due - _require_aware(at).astimezone(self.tz).date()).days

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.tz)


def deadline_text(t: Translator, due: date) -> str:
    """The one wording of a deadline "before ``due``", in every message, as the plan says it.

    vi "trước Chủ nhật, ngày 20/12/2026", en "before Sunday, 12/20/2026": a report made on the
    due day is late, and :meth:`Round.days_late` counts from that same day.
    """
    return t.gettext("before {date}").format(date=t.format_date(due, "weekday"))


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _calendar.monthrange(year, month)[1]))


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}")
    return at
