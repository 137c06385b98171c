"""Working days for reminders: Saturdays, Sundays and Vietnamese public holidays are days off.

The public holidays come from the ``holidays`` package (Vietnam): New Year, Tết and Giỗ Tổ Hùng
Vương by the lunar calendar, 30/4, 1/5, 2/9 and the substitute days off the government announces.
A Saturday the government declares a working day (to make up for a bridged holiday) counts as a
working day. A reminder that falls on a day off moves back to the previous working day; the
overdue notice goes out on the first working day on or after the due day.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Iterable
from datetime import MAXYEAR, MINYEAR, date, timedelta
from pathlib import Path
from typing import Any

import holidays

DEFAULT_COUNTRY = "VN"
_MAX_SCAN_DAYS = 60  # no run of days off is this long; guards against a broken calendar


class WorkingDays:
    """Which days are working days, by a country's public holidays (default Vietnam)."""

    def __init__(self, country: str = DEFAULT_COUNTRY, extra_days_off: Iterable[date] = ()) -> None:
        self.country = country
        self._extra = frozenset(extra_days_off)
        # expand=True: the holidays of a year are computed the first time a day of it is asked.
        self._calendar: Any = _country_calendar(country)

    @property
    def years(self) -> tuple[int, int]:
        """The first and last year whose public holidays are known (1901–2100 for Vietnam).

        Outside them only weekends would be days off: Tết would silently be a working day.
        """
        first = getattr(self._calendar, "start_year", None)
        last = getattr(self._calendar, "end_year", None)
        return (
            int(first) if first is not None else MINYEAR + 2,  # rounds look a year back
            int(last) if last is not None else MAXYEAR - 1,
        )

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on this day, if any."""
        name = self._calendar.get(day)
        return str(name) if name is not None else None

    def is_working_day(self, day: date) -> bool:
        if day in self._extra:
            return False
        return bool(self._calendar.is_working_day(day))

    def on_or_before(self, day: date) -> date:
        """``day`` if it is a working day, else the working day before it."""
        for back in range(_MAX_SCAN_DAYS):
            candidate = day - timedelta(days=back)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days before {day}")

    def on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the first working day after it."""
        for ahead in range(_MAX_SCAN_DAYS):
            candidate = day + timedelta(days=ahead)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_SCAN_DAYS} days after {day}")


def _country_calendar(country: str) -> Any:
    """The country's public holidays, computed a year at a time as days are asked."""
    vietnam = _vietnam() if country == DEFAULT_COUNTRY else None
    if vietnam is not None:
        return vietnam(expand=True)
    return holidays.country_holidays(country, expand=True)


@functools.cache
def _vietnam() -> Any:
    """The ``holidays`` package's Vietnam class, without its other countries.

    ``holidays.country_holidays("VN")`` imports the package ``holidays.countries``, whose
    ``__init__`` imports all of its ~300 countries: 7 MiB of the running bot's memory and 0.08 s
    of every start of ``planbot run``, ``remind`` and ``schedule`` (BENCHMARKS.md). Vietnam's
    module imports only the package's calendars and base classes, so its file is loaded alone,
    under a private name. ``None`` (then the package's own way) when the file is not where it
    is expected; tests/test_cli_startup.py checks that it gives the package's calendar.
    """
    loaded = sys.modules.get("holidays.countries.vietnam")
    if loaded is not None:
        return loaded.Vietnam
    try:
        package = importlib.util.find_spec("holidays")
        locations = package.submodule_search_locations if package is not None else None
        if not locations:
            return None
        path = Path(next(iter(locations))) / "countries" / "vietnam.py"
        spec = importlib.util.spec_from_file_location("scheduler._holidays_vietnam", path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Vietnam
    except (ImportError, OSError, AttributeError):
        return None
