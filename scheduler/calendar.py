"""The reporting calendar, derived from the plan's reporting rules (data, not code).

Each plan has its own rule, and the round ids and labels follow from the months it names:

- quarter ends ("trước ngày 20 của tháng cuối quý, 06 tháng và hằng năm", the seed plan): four
  rounds, ``YYYY-Q1``, ``YYYY-H1`` (also covers Q2), ``YYYY-Q3`` and ``YYYY-Y`` (also covers Q4);
  a subset of them ("trước ngày 05/6 và 05/12 hằng năm") keeps the same codes, so June is "6
  tháng đầu năm" and December "Năm";
- one month a year ("trước ngày 15/12"): one round, ``YYYY-Y``, "Năm 2026";
- any other months ("hằng tháng trước ngày 25"): one round per month, ``YYYY-M03``, labelled
  "Tháng 3/2026" (never "Quý I" for March).

Round ids are stored with the plan's updates, so the seed rule's ids never change; within one
plan an id names one round. "Trước ngày 20" is strict: a report is on time when it arrives before
00:00 of day 20, local time. A round's window runs from the day after the previous due day
through its own due day.

A task may also carry its own one-off deadline ("hoàn thành trong quý I/2021", "trước ngày
30/6/2021", "trong năm 2021"): :meth:`ReportingCalendar.task_due` turns it into a
:class:`TaskDue` (the first late instant, the last day allowed, the plan's own words).

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
from bot.plan import ReportingRule, TaskItem

_CODES_BY_MONTH = {3: "Q1", 6: "H1", 9: "Q3", 12: "Y"}
_ALIASES = {"Q2": "H1", "Q4": "Y", "6T": "H1", "NAM": "Y", "N": "Y"}
_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*([A-Za-z0-9]+)\s*$")
_MONTH_CODE_RE = re.compile(r"^(?:M|T|THANG)0?([1-9]|1[0-2])$")


def round_codes(months: Sequence[int]) -> dict[int, str]:
    """The code of each due month's round, from the months a rule names (see the module)."""
    wanted = sorted(set(months))
    if len(wanted) == 1:
        return {wanted[0]: "Y"}
    if set(wanted) <= set(_CODES_BY_MONTH):
        return {month: _CODES_BY_MONTH[month] for month in wanted}
    return {month: f"M{month:02d}" for month in wanted}


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

    def __init__(
        self,
        rules: Sequence[ReportingRule],
        tz: ZoneInfo,
        *,
        followed_from: datetime | None = None,
    ) -> None:
        """``followed_from``: when the deployment began to follow this plan, if it was added
        beside plans already followed; a round whose deadline had passed by then is not owed
        (see :meth:`follows`). ``None``: every round is (the deployment's first plan)."""
        unit_rules = [r for r in rules if r.consolidates is None]
        if not unit_rules:
            raise ValueError("the plan has no unit reporting rule")
        self.unit_rule = unit_rules[0]
        self.consolidation_rule = next(
            (r for r in rules if r.consolidates == self.unit_rule.id), None
        )
        self.tz = tz
        self.followed_from = _require_aware(followed_from) if followed_from else None
        self._months = tuple(sorted(set(self.unit_rule.months)))
        self._codes = round_codes(self._months)
        self._cache: dict[int, tuple[Round, ...]] = {}

    @property
    def months(self) -> tuple[int, ...]:
        return self._months

    @property
    def monthly(self) -> bool:
        """Whether rounds are named by month ("Tháng 3/2026") rather than by quarter or year."""
        return any(code.startswith("M") for code in self._codes.values())

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
            code = self._codes[month]
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

    def follows(self, round_: Round) -> bool:
        """Whether units owe this round: always, unless the plan was added to the deployment
        after the round's deadline (a plan loaded on 02/12 owes nothing for November)."""
        return self.followed_from is None or round_.deadline > self.followed_from

    def overdue_rounds(self, at: datetime, late_window_days: int) -> tuple[Round, ...]:
        """Rounds whose deadline has passed by ``at`` less than the late window ago, newest
        first; only rounds the plan :meth:`follows`."""
        local = _require_aware(at).astimezone(self.tz)
        window = timedelta(days=late_window_days)
        found: list[Round] = []
        candidate = self.round_at(local)
        if not candidate.is_late(local):
            candidate = self.previous(candidate)
        while candidate.deadline <= local < candidate.deadline + window and self.follows(candidate):
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
        """A round from its id: "2021-Q1", "2021-H1", "2021-Q3", "2021-Y"; Q2 and Q4 are aliases.

        A monthly calendar's ids are "2026-M03" ("2026-M3", "2026-T3" also read).
        """
        match = _PERIOD_RE.match(text or "")
        if match is None:
            raise UnknownPeriod(text)
        year, code = int(match.group(1)), match.group(2).upper()
        if month_code := _MONTH_CODE_RE.match(code):
            code = f"M{int(month_code.group(1)):02d}"
        else:
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

    # -- one-off task deadlines

    def task_due(self, task: TaskItem) -> TaskDue | None:
        """The task's own deadline in this calendar's zone; None when the plan gives none.

        "trước ngày 30/6/2021" is due 30/6 (a report that day is late); "trong quý I/2021",
        "tháng 6/2021", "năm 2021" and "đến ngày 30/6/2021" include their last day, so they are
        due the day after it. Ongoing work or text not read as a date has no due day.
        """
        deadline = task.deadline
        if deadline is None:
            return None
        due: date | None = None
        if deadline.date is not None:
            due = deadline.date if deadline.before else deadline.date + timedelta(days=1)
        return TaskDue(
            task_id=task.id,
            kind=deadline.kind,
            text=deadline.text,
            due=due,
            deadline=self._midnight(due) if due is not None else None,
            before=deadline.before,
        )

    def task_dues(self, tasks: Sequence[TaskItem]) -> tuple[TaskDue, ...]:
        """The dated deadlines of these tasks, soonest first (undated ones are left out)."""
        found = [due for task in tasks if (due := self.task_due(task)) is not None]
        dated = [due for due in found if due.deadline is not None]
        return tuple(sorted(dated, key=lambda due: (due.deadline, due.task_id)))


@dataclass(frozen=True)
class TaskDue:
    """A task's one-off deadline: the plan's words, and when it falls due (strictly before)."""

    task_id: str
    kind: str  # "date" | "quarter" | "month" | "year" | "ongoing" | "text"
    text: str  # as the plan says it: "hoàn thành trong quý I/2021"
    due: date | None  # the first day that is late; None for ongoing work or unread text
    deadline: datetime | None  # 00:00 local of ``due``
    before: bool = True  # the plan said "trước": its own date is already late

    @property
    def last_day(self) -> date | None:
        return self.due - timedelta(days=1) if self.due is not None else None

    def is_late(self, at: datetime) -> bool:
        return self.deadline is not None and at >= self.deadline

    def days_left(self, at: datetime) -> int | None:
        """Whole days from ``at``'s local date to the due day; None without a date."""
        if self.deadline is None or self.due is None:
            return None
        local = _require_aware(at).astimezone(self.deadline.tzinfo)
        return (self.due - local.date()).days

    def describe(self, t: Translator) -> str:
        """How every message states it: "trước thứ Tư, ngày 30/6/2021" for "trước ngày
        30/6/2021"; the plan's words and the day for the others, "trong quý I/2021 (trước thứ
        Năm, ngày 01/4/2021)"; the plan's words alone without a date ("thường xuyên")."""
        if self.due is None:
            return self.text
        deadline = deadline_text(t, self.due)
        if self.kind == "date" and self.before:
            return deadline
        return t.gettext("{text} ({deadline})").format(text=self.text, deadline=deadline)


def deadline_text(t: Translator, due: date) -> str:
    """The one wording of a deadline "before ``due``", in every message, as the plan says it.

    vi "trước Chủ nhật, ngày 20/12/2026", en "before Sunday, 12/20/2026": a report made on the
    due day is late, and :meth:`Round.days_late` counts from that same day.
    """
    return t.gettext("before {date}").format(date=t.format_date(due, "weekday"))


def not_owed_text(t: Translator, calendar: ReportingCalendar, round_: Round) -> str | None:
    """Why nobody owes ``round_`` (the plan was added to the deployment after its deadline), or
    ``None`` when the round is owed: a digest of such a round would show every unit overdue."""
    if calendar.follows(round_) or calendar.followed_from is None:
        return None
    since = calendar.followed_from.astimezone(calendar.tz).date()
    return t.gettext("This plan is followed from {date}: units owe no report for {round}.").format(
        date=t.format_date(since, "short"), round=round_.label(t)
    )


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, _calendar.monthrange(year, month)[1]))


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}")
    return at
