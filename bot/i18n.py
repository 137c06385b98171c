"""Babel gettext catalogs and Vietnamese-first formatting of dates and numbers.

Messages are written in English in the code (``_("...")``) and translated in the catalogs under
``bot/locale/<lang>/LC_MESSAGES/<domain>.po``. Each feature owns one domain (core, scheduler, chat,
reports, zalo); all domains of a language are merged into one catalog. The build compiles the
``.po`` files to ``.mo`` (see ``hatch_build.py``); a ``.po`` newer than its ``.mo`` (a developer
editing the catalog) is compiled in memory so the running code never shows stale text.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (module-level constants)."""
    return message


def normalize_locale(value: str | None) -> str:
    """Map a platform language code ("en-US", "vi") to a supported locale, Vietnamese first."""
    if not value:
        return DEFAULT_LOCALE
    head = value.replace("_", "-").split("-", 1)[0].lower()
    return head if head in SUPPORTED_LOCALES else DEFAULT_LOCALE


def _load_domain(po_path: Path) -> Translations:
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as mo_file:
            return Translations(mo_file, domain=po_path.stem)
    # Only a catalog edited since its build is compiled here (Babel's catalog code: 11 ms).
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=po_path.stem)


@cache
def translations(locale: str) -> NullTranslations:
    """Every domain of one language merged; English falls back to the message ids."""
    merged: Translations | None = None
    for po_path in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
        domain = _load_domain(po_path)
        if merged is None:
            merged = domain
        else:
            merged.merge(domain)
    return merged if merged is not None else NullTranslations()


@dataclass(frozen=True)
class Translator:
    """Translation and formatting for one locale; pass it where text is rendered."""

    locale: str

    @property
    def _catalog(self) -> NullTranslations:
        return translations(self.locale)

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def format_date(self, value: date, style: str = "full") -> str:
        """A date as people write it: vi "thứ Sáu, ngày 19 tháng 3 năm 2021"."""
        return _format_date(self.locale, value, style)

    def format_datetime(self, value: datetime, tz: tzinfo | None = None) -> str:
        """A moment in local time: vi "08:00 ngày 19/03/2021"."""
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        local = value.astimezone(tz) if tz is not None else value
        return babel_format_datetime(
            local, self.gettext("h:mm a, MM/dd/y"), tzinfo=local.tzinfo, locale=self.locale
        )

    def format_number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def format_percent(self, value: float) -> str:
        return format_percent(value, locale=self.locale)

    @property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)


@functools.lru_cache(maxsize=4096)
def _format_date(locale: str, value: date, style: str) -> str:
    """:meth:`Translator.format_date`, once per locale, date and style: the catalogs do not
    change while the process runs, and Babel parsing the pattern and formatting the same date
    again was an eighth of "what's my task" (50 dates; BENCHMARKS.md, fifth session)."""
    _ = translations(locale).gettext
    patterns = {
        # Translators: Babel date patterns (CLDR syntax).
        "full": _("EEEE, MMMM d, y"),
        "long": _("MMMM d, y"),
        "short": _("MM/dd/y"),
        "weekday": _("EEEE, MM/dd/y"),
    }
    text = babel_format_date(value, patterns.get(style, style), locale=locale)
    weekday_first = style in ("full", "weekday")
    return _vietnamese_weekday(text) if locale == "vi" and weekday_first else text


def translator(locale: str | None = None) -> Translator:
    return Translator(normalize_locale(locale))


def _vietnamese_weekday(text: str) -> str:
    """CLDR writes "Thứ Sáu", "Chủ Nhật"; in a sentence Vietnamese writes "thứ Sáu", "Chủ nhật"."""
    if text.startswith("Thứ "):
        return "t" + text[1:]
    if text.startswith("Chủ Nhật"):
        return "Chủ nhật" + text[len("Chủ Nhật") :]
    return text
