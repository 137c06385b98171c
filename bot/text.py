"""Text folding: the form in which what people type is compared with names.

Rules of :func:`fold`, in order:

1. Unicode NFKC (full-width letters and compatibility forms become plain ones), then casefold.
2. "đ" becomes "d"; every other Vietnamese diacritic is dropped (NFD, then the combining marks
   are removed), so "Sở Y tế", "SỞ Y TẾ" and "so y te" fold alike. Both accent placements
   ("Uỷ" and "Ủy", "Hoá" and "Hóa") fold alike too.
3. "&" joins the abbreviations around it: the ampersand and the blanks next to it are removed,
   so "KH&ĐT", "KH & ĐT", "kh&dt" and "khdt" all fold to "khdt".
4. Any other run of characters that are neither letters nor digits (punctuation, hyphens,
   blanks) becomes one space; leading and trailing spaces are removed.

:func:`compact` is :func:`fold` without any space, for looser comparisons ("kh dt" = "khdt").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["compact", "fold", "plain_lower", "strip_diacritics"]

_AMPERSAND = re.compile(r"\s*&\s*")
_NON_WORD = re.compile(r"[\W_]+")


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics, keeping the case: "Đầu tư" -> "Dau tu"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


# Words and names are folded again and again (every layer of the understanding, every name of
# the directory): the short ones are remembered, a bounded number of them.
_REMEMBERED = 64


def fold(text: str) -> str:
    """Fold ``text`` for matching: no case, no diacritics, "&" joins, punctuation is a space."""
    if len(text) <= _REMEMBERED:
        return _fold_short(text)
    return _fold(text)


def _fold(text: str) -> str:
    folded = strip_diacritics(unicodedata.normalize("NFKC", text).casefold())
    folded = _AMPERSAND.sub("", folded)
    return _NON_WORD.sub(" ", folded).strip()


_fold_short = lru_cache(maxsize=8192)(_fold)


@lru_cache(maxsize=4096)
def plain_lower(ch: str) -> str:
    """One character without its diacritics, in lower case ("Ế" -> "e"; "đ" -> "d")."""
    return strip_diacritics(ch).lower()


def compact(text: str) -> str:
    """:func:`fold` without spaces: "Sở KH & ĐT" -> "sokhdt"."""
    return fold(text).replace(" ", "")


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters, on line breaks if possible.

    A single line longer than ``limit`` is cut at the last blank before the limit (or hard, for
    a line without blanks). Empty parts are dropped (the platform refuses empty text).
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit + 1)
            if cut <= 0:
                cut = limit
            head, line = line[:cut].rstrip(), line[cut:].lstrip()
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = line
    parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]
