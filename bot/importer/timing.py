"""Deadlines of tasks and periods of reports, read from folded text.

The patterns run on :func:`bot.importer.lexicon.light_fold` text (lower case, no diacritics,
punctuation kept), each a plain regular expression without nested repetition (linear time).

- A task's own deadline: "hoàn thành trong quý I/2021" (end of the quarter), "trước ngày
  30/6/2021" (strictly before that day), "trong tháng 6/2021", "năm 2021", "thường xuyên"
  (ongoing, no date).
- A reporting rule's days and months: "trước ngày 20 của tháng cuối quý, 06 tháng và hằng năm"
  (day 20 of March, June, September, December), "trước ngày 05/6 và 05/12 hằng năm" (day 5 of
  June and December), "hằng tháng trước ngày 25" (day 25 of every month), "trước ngày 15/12".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from bot.importer.lexicon import light_fold, rules

__all__ = ["Deadline", "ReportTiming", "read_deadline", "read_report_timing"]

_QUARTER = re.compile(r"qu[yi]\s*(iv|iii|ii|i|[1-4])\s*(?:/|nam|-)\s*(\d{4})")
_BEFORE_DATE = re.compile(
    r"(?:truoc|cham nhat|den)\s+(?:ngay\s+)?(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
)
_FULL_DATE = re.compile(
    r"(?:truoc|cham nhat|den|trong)\s+ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})"
)
_MONTH = re.compile(r"thang\s+(\d{1,2})\s*(?:/|nam)\s*(\d{4})")
_YEAR = re.compile(
    r"(?:hoan thanh|trong|truoc)\s+(?:trong\s+)?(?:nam\s+)(\d{4})\b(?!\s*[-–]\s*\d{4})"
)
_DAY_MONTH = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})(?!\s*/\s*\d)")
_BEFORE_DAY = re.compile(r"(?:truoc|cham nhat (?:la|vao)?|trong)\s*ngay\s+(\d{1,2})\b(?!\s*/)")


@dataclass(frozen=True)
class Deadline:
    kind: str  # "date" | "quarter" | "month" | "year" | "ongoing"
    text: str
    due: date | None
    before: bool


def _quarter_end(quarter: int, year: int) -> date:
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_deadline(text: str) -> Deadline | None:
    """The first deadline named in ``text``, or None."""
    folded = light_fold(text)
    table = rules()
    found: list[tuple[int, Deadline]] = []
    quarters: dict[str, int] = table["quarter_words"]
    for match in _QUARTER.finditer(folded):
        year = int(match.group(2))
        quarter = quarters[match.group(1)]
        found.append(
            (
                match.start(),
                Deadline("quarter", _span(text, match), _quarter_end(quarter, year), False),
            )
        )
        break
    for match in _BEFORE_DATE.finditer(folded):
        day, month, year = (int(g) for g in match.groups())
        due = _safe_date(year, month, day)
        if due is not None:
            found.append((match.start(), Deadline("date", _span(text, match), due, True)))
            break
    for match in _FULL_DATE.finditer(folded):
        day, month, year = (int(g) for g in match.groups())
        due = _safe_date(year, month, day)
        before = folded[match.start() : match.start() + 5] == "truoc"
        if due is not None:
            found.append((match.start(), Deadline("date", _span(text, match), due, before)))
            break
    for match in _MONTH.finditer(folded):
        month, year = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            end = date(year, month, calendar.monthrange(year, month)[1])
            found.append((match.start(), Deadline("month", _span(text, match), end, False)))
            break
    if not found:
        for match in _YEAR.finditer(folded):
            year = int(match.group(1))
            if 2000 <= year <= 2100:
                found.append(
                    (match.start(), Deadline("year", _span(text, match), date(year, 12, 31), False))
                )
                break
    if found:
        return min(found, key=lambda item: item[0])[1]
    for words in table["ongoing_words"]:
        folded_words = light_fold(words)
        position = folded.find(folded_words)
        if position >= 0:
            return Deadline("ongoing", text[position : position + len(folded_words)], None, False)
    return None


def _span(text: str, match: re.Match[str]) -> str:
    return text[match.start() : match.end()]


@dataclass(frozen=True)
class ReportTiming:
    day: int
    months: tuple[int, ...]
    text: str


def read_report_timing(text: str) -> list[ReportTiming]:
    """The (day, months) of the periodic report ``text`` describes; empty when none."""
    folded = light_fold(text)
    periods: dict[str, list[str]] = rules()["period_words"]
    results: dict[int, set[int]] = {}
    spans: dict[int, str] = {}
    for match in re.finditer(
        r"truoc\s+ngay\s+(\d{1,2}(?:\s*/\s*\d{1,2})?(?:\s*(?:,|va)\s*(?:ngay\s+)?\d{1,2}\s*/\s*\d{1,2})*)",
        folded,
    ):
        body = match.group(1)
        pairs = _DAY_MONTH.findall(body)
        if pairs:
            for day_text, month_text in pairs:
                day, month = int(day_text), int(month_text)
                if 1 <= day <= 31 and 1 <= month <= 12:
                    results.setdefault(day, set()).add(month)
                    spans.setdefault(day, _span(text, match))
            continue
        day = int(re.match(r"\d+", body).group()) if re.match(r"\d+", body) else 0  # type: ignore[union-attr]
        if not 1 <= day <= 31:
            continue
        months = _period_months(folded, periods)
        if months:
            results.setdefault(day, set()).update(months)
            spans.setdefault(day, _span(text, match))
    return [ReportTiming(day, tuple(sorted(months)), spans[day]) for day, months in results.items()]


def _period_months(folded: str, periods: dict[str, list[str]]) -> set[int]:
    def has(key: str) -> bool:
        return any(
            re.search(r"\b" + re.escape(light_fold(w)) + r"\b", folded) for w in periods[key]
        )

    if has("monthly"):
        return set(range(1, 13))
    months: set[int] = set()
    if has("quarter_end"):
        months |= {3, 6, 9, 12}
    if has("half_year"):
        months |= {6, 12}
    if has("yearly"):
        months.add(12)
    return months
