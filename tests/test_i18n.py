"""Vietnamese first: every message in the code has a Vietnamese translation, dates read as a
Vietnamese official writes them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, normalize_locale, translator
from tests.conftest import REPO_ROOT, TZ

SOURCE_DIRS = ("bot", "handlers", "scheduler")
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def source_messages() -> dict[str, str]:
    """msgid -> where it is used, extracted from the code like pybabel extract does."""
    found: dict[str, str] = {}
    for folder in SOURCE_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            REPO_ROOT / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
        ):
            messages = message if isinstance(message, tuple) else (message,)
            for msgid in messages:
                if msgid:
                    found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def vietnamese_catalog() -> dict[str, str]:
    translated: dict[str, str] = {}
    for po_path in sorted((LOCALE_DIR / "vi" / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and isinstance(message.id, str):
                translated[message.id] = str(message.string or "")
            elif message.id:
                translated[message.id[0]] = str(message.string[0] if message.string else "")
    return translated


def test_every_message_in_the_code_is_translated_to_vietnamese() -> None:
    catalog = vietnamese_catalog()
    missing = {msgid: where for msgid, where in source_messages().items() if not catalog.get(msgid)}
    assert missing == {}, "untranslated messages (add them to a vi .po file):\n" + "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda i: i[1])
    )


def test_translations_keep_their_placeholders() -> None:
    import re

    placeholder = re.compile(r"\{(\w+)\}")
    for msgid, msgstr in vietnamese_catalog().items():
        if msgstr and not msgid.startswith(("EEEE", "MMMM", "MM/", "h:mm")):
            assert set(placeholder.findall(msgstr)) == set(placeholder.findall(msgid)), msgid


def test_catalogs_compile(tmp_path: Path) -> None:
    from babel.messages.mofile import write_mo

    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with (tmp_path / "out.mo").open("wb") as out:
            write_mo(out, catalog)


def test_dates_in_vietnamese() -> None:
    vi = translator("vi")
    assert vi.format_date(date(2021, 3, 19)) == "thứ Sáu, ngày 19 tháng 3 năm 2021"
    assert vi.format_date(date(2021, 3, 19), "short") == "19/03/2021"
    assert vi.format_datetime(datetime(2021, 3, 19, 8, 0, tzinfo=TZ)) == "08:00 ngày 19/03/2021"
    assert translator("en").format_date(date(2021, 3, 19)) == "Friday, March 19, 2021"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        translator("vi").format_datetime(datetime(2021, 3, 19, 8, 0))


@pytest.mark.parametrize(
    ("code", "expected"),
    [(None, "vi"), ("", "vi"), ("vi", "vi"), ("en", "en"), ("en-US", "en"), ("fr", "vi")],
)
def test_platform_language_codes(code: str | None, expected: str) -> None:
    assert normalize_locale(code) == expected


def test_sunday_is_written_chu_nhat() -> None:
    assert translator("vi").format_date(date(2026, 12, 20)) == "Chủ nhật, ngày 20 tháng 12 năm 2026"
