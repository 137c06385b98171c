"""Working days for reminders: Saturdays, Sundays and Vietnamese public holidays are days off.

The public holidays come from the ``holidays`` package (Vietnam): New Year, Tết and Giỗ Tổ Hùng
Vương by the lunar calendar, 30/4, 1/5, 2/9 and the substitute days off the government announces.
A Saturday the government declares a working day (to make up for a bridged holiday) counts as a
working day. A reminder that falls on a day off moves back to the previous working day; the
overdue notice goes out on the first working day on or after the due day.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_COUNTRY = "VN"
_MAX_SCAN_DAYS = 60  # no run of days off is this long; guards against a broken calendar

log = logging.getLogger(__name__)


class WorkingDays:
    """Which days are working days, by a country's public holidays (default Vietnam).

    With ``kept_in`` (the data folder), Vietnam's days off are read from a file there that
    holds, for the installed version of the ``holidays`` package, each year already computed
    (:class:`_KeptDaysOff`): the package is imported only for a year not yet in it. Importing it
    and computing a year is 4–5 MiB of a running bot's memory and 0.02 s of every start of
    ``planbot schedule`` (BENCHMARKS.md); the answers are the package's, day for day
    (tests/test_workdays_kept.py).
    """

    def __init__(
        self,
        country: str = DEFAULT_COUNTRY,
        extra_days_off: Iterable[date] = (),
        *,
        kept_in: Path | None = None,
    ) -> None:
        self.country = country
        self._extra = frozenset(extra_days_off)
        self._kept = (
            _KeptDaysOff.open(kept_in)
            if kept_in is not None and country == DEFAULT_COUNTRY
            else None
        )
        # expand=True: the holidays of a year are computed the first time a day of it is asked.
        self._calendar: Any = _country_calendar(country) if self._kept is None else None

    @property
    def years(self) -> tuple[int, int]:
        """The first and last year whose public holidays are known (1901–2100 for Vietnam).

        Outside them only weekends would be days off: Tết would silently be a working day.
        """
        if self._kept is not None:
            return self._kept.years
        return _known_years(self._calendar)

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on this day, if any."""
        if self._kept is not None:
            return self._kept.year(day.year).names.get(day)
        name = self._calendar.get(day)
        return str(name) if name is not None else None

    def is_working_day(self, day: date) -> bool:
        if day in self._extra:
            return False
        if self._kept is not None:
            return self._kept.year(day.year).is_working_day(day)
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


def _known_years(calendar: Any) -> tuple[int, int]:
    first = getattr(calendar, "start_year", None)
    last = getattr(calendar, "end_year", None)
    return (
        int(first) if first is not None else MINYEAR + 2,  # rounds look a year back
        int(last) if last is not None else MAXYEAR - 1,
    )


def _country_calendar(country: str) -> Any:
    """The country's public holidays, computed a year at a time as days are asked."""
    vietnam = _vietnam() if country == DEFAULT_COUNTRY else None
    if vietnam is not None:
        return vietnam(expand=True)
    import holidays

    return holidays.country_holidays(country, expand=True)


@dataclass(frozen=True)
class _Year:
    """One year of days off: the public holidays by day (their names as the package gives
    them), and the weekend days declared working days."""

    names: dict[date, str]
    weekend_workdays: frozenset[date]
    weekend: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        # holidays.HolidayBase.is_working_day: a weekend day works only when declared so.
        if day.weekday() in self.weekend:
            return day in self.weekend_workdays
        return day not in self.names


class _KeptDaysOff:
    """Vietnam's days off computed by the ``holidays`` package, kept in a JSON file of the data
    folder named by the package's version (another version: another file, computed again).

    A year missing from the file is computed by the package (Vietnam's calendar with the years
    on both sides of it, so that a day a neighbouring year moves into it is counted) and the
    file is written again (a new file renamed over the old: concurrent processes lose at most
    a year they compute again). A file that cannot be read or written costs only the time.
    """

    def __init__(self, path: Path, version: str, document: dict[str, Any] | None) -> None:
        self.path = path
        self.version = version
        self._years: dict[int, _Year] = {}
        self._bounds: tuple[int, int] | None = None
        self._weekend: frozenset[int] | None = None
        self._document: dict[str, Any] = {"holidays": version, "country": "VN", "days": {}}
        if document is not None and document.get("holidays") == version:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                self._read(document)
                self._document = document

    @classmethod
    def open(cls, folder: Path) -> _KeptDaysOff | None:
        """The kept days off in ``folder`` (``None`` when the package's version is unknown:
        then the package is asked directly, as without a folder)."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("holidays")
        except PackageNotFoundError:
            return None
        path = folder / f"holidays-VN-{installed}.json"
        document: dict[str, Any] | None = None
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(path.read_text(encoding="utf-8"))
            document = loaded if isinstance(loaded, dict) else None
        return cls(path, installed, document)

    def _read(self, document: dict[str, Any]) -> None:
        first, last = document["years"]
        self._bounds = (int(first), int(last))
        self._weekend = frozenset(int(day) for day in document["weekend"])
        for key, year in document["days"].items():
            self._years[int(key)] = _Year(
                names={date.fromisoformat(day): str(name) for day, name in year["names"]},
                weekend_workdays=frozenset(date.fromisoformat(d) for d in year["workdays"]),
                weekend=self._weekend,
            )

    @property
    def years(self) -> tuple[int, int]:
        if self._bounds is None:
            self._compute(datetime.now(UTC).year)  # the bounds are the calendar's own
        assert self._bounds is not None
        return self._bounds

    def year(self, year: int) -> _Year:
        kept = self._years.get(year)
        if kept is None:
            kept = self._compute(year)
        return kept

    def _compute(self, year: int) -> _Year:
        vietnam = _vietnam()
        if vietnam is None:  # the package's own way (its every country)
            import holidays

            vietnam = functools.partial(holidays.country_holidays, "VN")
        calendar = vietnam(years=range(year - 1, year + 2))
        self._bounds = _known_years(calendar)
        self._weekend = frozenset(int(day) for day in calendar.weekend)
        names = {day: str(name) for day, name in calendar.items() if day.year == year}
        workdays = frozenset(day for day in calendar.weekend_workdays if day.year == year)
        kept = _Year(names=names, weekend_workdays=workdays, weekend=self._weekend)
        self._years[year] = kept
        self._document["years"] = list(self._bounds)
        self._document["weekend"] = sorted(self._weekend)
        self._document["days"][str(year)] = {
            "names": [[day.isoformat(), name] for day, name in sorted(names.items())],
            "workdays": sorted(day.isoformat() for day in workdays),
        }
        self._write()
        return kept

    def _write(self) -> None:
        written: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.path.parent, suffix=".tmp", delete=False
            ) as file:
                written = file.name
                json.dump(self._document, file, ensure_ascii=False, separators=(",", ":"))
            os.replace(written, self.path)
        except OSError as error:
            log.debug("could not keep the days off in %s: %s", self.path, error)
            if written is not None:
                with contextlib.suppress(OSError):
                    os.unlink(written)


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
