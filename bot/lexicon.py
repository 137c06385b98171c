"""Words as people type them, and phrase tables matched over them (linear time).

:func:`tokens` cuts a message into words, numbers and punctuation, each with its offsets in the
NFC text. A word is read in three steps, all of them data shipped in ``bot/vocabulary/``:

1. ``raw.tsv``: words whose diacritics carry the meaning ("chờ" is to wait, "cho" may be "for");
2. :func:`bot.text.fold` (no case, no diacritics);
3. ``shorthand.tsv``: teen code and abbreviations ("xog" -> "xong", "ko"/"k" -> "khong",
   "bc" -> "bao cao", "nv" -> "nhiem vu"); an expansion may be several words, all with the
   offsets of the word typed.

A :class:`PhraseTable` is a list of (label, phrase) rows. Phrases are words; ``…`` inside a
phrase stands for up to :data:`GAP` words, and ``<label>`` for any phrase of that label found
by the contiguous pass. :meth:`PhraseTable.scan` finds, left to right, the longest contiguous
phrase at each position (candidates are looked up by their first word, so the work is bounded
by the number of words times the phrases starting with each word), then every gapped phrase.
No regular expression is built from the vocabulary, so nothing can backtrack.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.text import fold

__all__ = ["GAP", "Match", "PhraseTable", "Token", "load_table", "tokens", "words"]

GAP = 5
_TOKEN = re.compile(
    # "2.3,2.4" is two task numbers; "1,5" and "2,2" stay one number each.
    r"(?P<num>\d+(?:(?:[./]|,(?!\d+\.\d))\d+)*)(?P<pct>\s?%)?"
    r"|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)?)"
    r"|(?P<stop>[.;!?\n]+)"
    r"|(?P<sep>[,:()\-\u2013\u2014\u2022+*/&])"
)


@dataclass(frozen=True)
class Token:
    """One word, number or punctuation mark. ``kind``: word, num, pct, stop or sep."""

    text: str  # the reading: folded, shorthand expanded (one word of the expansion)
    kind: str
    start: int  # offsets in the NFC text
    end: int
    raw: str  # as typed, lower case
    clause: int  # index of the sentence (".", ";", "!", "?", a line break end one)


def _read_tsv(name: str) -> list[tuple[str, str]]:
    text = resources.files("bot.vocabulary").joinpath(name).read_text(encoding="utf-8")
    rows: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        first, _tab, second = line.partition("\t")
        rows.append((first.strip(), second.strip()))
    return rows


@cache
def _readings() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    raw = {
        unicodedata.normalize("NFC", word).lower(): reading
        for word, reading in _read_tsv("raw.tsv")
    }
    shorthand = {
        fold(word): tuple(expansion.split()) for word, expansion in _read_tsv("shorthand.tsv")
    }
    return raw, shorthand


def tokens(text: str) -> list[Token]:
    """The tokens of ``text`` (NFC); offsets refer to ``unicodedata.normalize("NFC", text)``."""
    raw_map, shorthand = _readings()
    original = unicodedata.normalize("NFC", text)
    result: list[Token] = []
    clause = 0
    for match in _TOKEN.finditer(original):
        start, end = match.span()
        typed = match.group(0).lower()
        if match.group("num") is not None:
            kind = "pct" if match.group("pct") else "num"
            result.append(Token(match.group("num"), kind, start, end, typed, clause))
        elif match.group("word") is not None:
            reading = raw_map.get(typed)
            if reading is not None:
                parts: tuple[str, ...] = tuple(reading.split())
            else:
                folded = fold(typed)
                parts = shorthand.get(folded, tuple(folded.split()))
            for part in parts:
                result.append(Token(part, "word", start, end, typed, clause))
        elif match.group("stop") is not None:
            result.append(Token(".", "stop", start, end, typed, clause))
            clause += 1
        else:
            result.append(Token(typed, "sep", start, end, typed, clause))
    return result


def words(text: str) -> list[str]:
    """The readings of the words and numbers of ``text``, in order (punctuation dropped)."""
    return [token.text for token in tokens(text) if token.kind in ("word", "num")]


@dataclass(frozen=True)
class Match:
    """A phrase found over tokens ``start`` (inclusive) to ``end`` (exclusive)."""

    label: str
    phrase: str
    start: int
    end: int
    clause: int
    labels: frozenset[str] = frozenset()  # every label the phrase has (``label`` among them)

    def has(self, label: str) -> bool:
        return label == self.label or label in self.labels


@dataclass(frozen=True)
class _Gapped:
    label: str
    phrase: str
    head: tuple[str, ...]  # words, or ("<label>",)
    tail: tuple[str, ...]


class PhraseTable:
    """Labelled phrases, compiled once, matched over :func:`tokens` in linear time."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        self._gapped: list[_Gapped] = []
        self._labels: dict[tuple[str, ...], frozenset[str]] = {}
        for label, phrase in rows:
            if "…" in phrase:
                head, _sep, tail = phrase.partition("…")
                self._gapped.append(
                    _Gapped(label, phrase, tuple(head.split()), tuple(tail.split()))
                )
                continue
            key = tuple(phrase.split())
            if not key:
                continue
            if key in self._labels:  # the same phrase under another label
                self._labels[key] = self._labels[key] | {label}
                continue
            self._labels[key] = frozenset({label})
            self._by_first.setdefault(key[0], []).append((key, label, phrase))
        for candidates in self._by_first.values():
            candidates.sort(key=lambda entry: -len(entry[0]))
        self.labels = frozenset(
            [label for entries in self._by_first.values() for _k, label, _p in entries]
            + [gapped.label for gapped in self._gapped]
        )

    @staticmethod
    def _fits(seq: Sequence[Token], at: int, key: tuple[str, ...]) -> bool:
        if at + len(key) > len(seq):
            return False
        for offset, word in enumerate(key):
            token = seq[at + offset]
            if token.kind not in ("word", "num") or token.text != word:
                return False
        return True

    def scan(self, seq: Sequence[Token]) -> list[Match]:
        """Contiguous phrases (longest first, not overlapping), then the gapped ones."""
        found: list[Match] = []
        index = 0
        while index < len(seq):
            token = seq[index]
            hit = None
            for key, label, phrase in self._by_first.get(token.text, ()):
                if self._fits(seq, index, key):
                    labels = self._labels[key]
                    hit = Match(label, phrase, index, index + len(key), token.clause, labels)
                    break
            if hit is None:
                index += 1
                continue
            found.append(hit)
            index = hit.end
        found.extend(self._scan_gapped(seq, found))
        found.sort(key=lambda match: (match.start, -match.end))
        return found

    def _scan_gapped(self, seq: Sequence[Token], contiguous: list[Match]) -> list[Match]:
        """Gapped phrases whose head and tail each start a word of their own: never the second
        half of a longer contiguous phrase ("chưa có tiến độ": the "độ" of "tiến độ" is not the
        "do" (because) of "chưa … do"; "không còn … nữa" is no "còn … nữa")."""
        if not self._gapped:
            return []
        inside = [False] * len(seq)
        for match in contiguous:
            for position in range(match.start + 1, match.end):
                inside[position] = True
        at: dict[str, list[int]] = {}  # where each word is (a head is looked up, not scanned for)
        for index, token in enumerate(seq):
            if token.kind in ("word", "num"):
                at.setdefault(token.text, []).append(index)
        result: list[Match] = []
        for gapped in self._gapped:
            heads: list[tuple[int, int]] = []
            if len(gapped.head) == 1 and gapped.head[0].startswith("<"):
                wanted = gapped.head[0].strip("<>")
                heads = [(m.start, m.end) for m in contiguous if m.has(wanted)]
            elif gapped.head:
                heads = [
                    (index, index + len(gapped.head))
                    for index in at.get(gapped.head[0], ())
                    if not inside[index] and self._fits(seq, index, gapped.head)
                ]
            else:  # "… x": a tail alone, after any word
                heads = [(index, index) for index in range(len(seq)) if not inside[index]]
            for start, end in heads:
                clause = seq[start].clause
                skipped = 0
                position = end
                while position < len(seq) and skipped <= GAP:
                    token = seq[position]
                    if token.kind == "stop" or token.clause != clause:
                        break
                    if not inside[position] and self._fits(seq, position, gapped.tail):
                        result.append(
                            Match(
                                gapped.label,
                                gapped.phrase,
                                start,
                                position + len(gapped.tail),
                                clause,
                            )
                        )
                        break
                    if token.kind in ("word", "num"):
                        skipped += 1
                    position += 1
        return result


@cache
def load_table(name: str) -> PhraseTable:
    """The phrase table ``bot/vocabulary/<name>`` (label TAB phrase), compiled once."""
    return PhraseTable(_read_tsv(name))
