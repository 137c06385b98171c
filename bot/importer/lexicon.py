"""Words and agency names in a paragraph: tokens, cue phrases, agency mentions.

A paragraph becomes a list of :class:`Token` (folded words with their place in the original
text and the punctuation before them). Words are folded like :func:`bot.text.fold` and then
canonicalised like :func:`bot.agencies.canonical` ("ủy ban nhân dân" -> "ubnd", "thành phố" ->
"tp"), so the phrases of ``rules.json`` and every name of the directory compare as word tuples.
Matching is a dictionary lookup by first word and a bounded comparison: linear in the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any, Literal

from bot.agencies import ALL_KINDS, AgencyDirectory
from bot.plan import Agency
from bot.text import fold, strip_diacritics

__all__ = [
    "DASH",
    "Lexicon",
    "Mention",
    "Phrases",
    "Token",
    "light_fold",
    "rules",
    "tokenize",
]

_WORD = re.compile(r"\w+(?:[ ]?&[ ]?\w+)*")
_MERGES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("uy", "ban", "nhan", "dan"), "ubnd"),
    (("thanh", "pho"), "tp"),
)
_UY_BAN = ("uy", "ban")
_DROPPED = "va"
DASH = re.compile(r"\s[-–—]\s")


@cache
def rules() -> dict[str, Any]:
    """The shipped rules table (``bot/importer/rules.json``)."""
    text = resources.files("bot.importer").joinpath("rules.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def light_fold(text: str) -> str:
    """Lower case without diacritics, keeping punctuation and length (one char per char)."""
    out: list[str] = []
    for char in text:
        folded = strip_diacritics(char).lower()
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


@dataclass(frozen=True)
class Token:
    """A canonical word: ``start``/``end`` in the paragraph, ``gap`` = raw text before it."""

    word: str
    start: int
    end: int
    gap: str
    capitalised: bool

    @property
    def comma_before(self) -> bool:
        return any(mark in self.gap for mark in ",;:(")


def tokenize(text: str) -> list[Token]:
    """Canonical word tokens of ``text`` ("và" is kept: names skip it, lists use it)."""
    raw: list[Token] = []
    previous_end = 0
    for match in _WORD.finditer(text):
        word = fold(match.group())
        if not word:
            continue
        pieces = _run_together(match.group(), word)
        if pieces is not None:
            # "cáchuyện" in a published page: "các" and "huyện".
            start = match.start()
            for piece in pieces:
                raw.append(
                    Token(
                        fold(piece),
                        start,
                        start + len(piece),
                        text[previous_end:start],
                        piece[:1].isupper(),
                    )
                )
                previous_end = start = start + len(piece)
            continue
        for part in word.split():
            raw.append(
                Token(
                    part,
                    match.start(),
                    match.end(),
                    text[previous_end : match.start()],
                    match.group()[:1].isupper(),
                )
            )
        previous_end = match.end()
    merged: list[Token] = []
    index = 0
    while index < len(raw):
        for sequence, replacement in _MERGES:
            size = len(sequence)
            if tuple(t.word for t in raw[index : index + size]) == sequence:
                first, last = raw[index], raw[index + size - 1]
                merged.append(
                    Token(replacement, first.start, last.end, first.gap, first.capitalised)
                )
                index += size
                break
        else:
            window = tuple(t.word for t in raw[index : index + 2])
            if window == _UY_BAN and not _followed_by_place(raw, index + 2):
                first, last = raw[index], raw[index + 1]
                merged.append(Token("ubnd", first.start, last.end, first.gap, first.capitalised))
                index += 2
            else:
                merged.append(raw[index])
                index += 1
    return merged


_VOWEL_GROUPS = re.compile(r"(?:(?<=q)u|(?<=g)i(?=[aeiouy]))?[aeiouy]+")


@cache
def _vocabulary() -> frozenset[str]:
    """The words of every phrase and name in the rules table (folded)."""
    words: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            words.update(fold(value).split())
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    table = dict(rules())
    table.pop("_comment", None)
    collect(table)
    return frozenset(w for w in words if w.isalpha())


def _run_together(original: str, word: str) -> tuple[str, str] | None:
    """Two words of the rules written without the blank between them, or None.

    A Vietnamese word is one syllable (one group of vowels); a longer run the rules do not
    know is cut where both halves are words of the rules ("cachuyen" -> "cac", "huyen").
    Text whose folding changes its length (rare letters) is left alone.
    """
    if (
        len(word) < 5
        or " " in word
        or len(word) != len(original)
        or word in _vocabulary()
        or len(_VOWEL_GROUPS.findall(word)) < 2
    ):
        return None
    vocabulary = _vocabulary()
    for cut in range(len(word) - 2, 1, -1):
        left, right = word[:cut], word[cut:]
        if (
            left in vocabulary
            and right in vocabulary
            and len(_VOWEL_GROUPS.findall(left)) == 1
            and len(_VOWEL_GROUPS.findall(right)) == 1
        ):
            return original[:cut], original[cut:]
    return None


def _followed_by_place(tokens: Sequence[Token], index: int) -> bool:
    # "Ủy ban Mặt trận Tổ quốc" and "Ủy ban nhân dân" differ; only a bare "Ủy ban" of a
    # place ("Ủy ban tỉnh") is the People's Committee.
    return index < len(tokens) and tokens[index].word in {"mat", "an", "kiem", "dan", "mttq"}


def phrase_words(text: str) -> tuple[str, ...]:
    """A phrase of the rules or a name, as canonical words without "và"."""
    return tuple(t.word for t in tokenize(text) if t.word != _DROPPED)


class Phrases:
    """A set of phrases, found at a token position (longest first)."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = phrase_words(phrase) or tuple(t.word for t in tokenize(phrase))
            if words:
                self._by_first.setdefault(words[0], []).append(words)
        for candidates in self._by_first.values():
            candidates.sort(key=len, reverse=True)

    def match(self, tokens: Sequence[Token], index: int) -> int:
        """Number of tokens the longest phrase at ``index`` covers (0: none)."""
        if index >= len(tokens):
            return 0
        for words in self._by_first.get(tokens[index].word, ()):
            end = _match_words(tokens, index, words)
            if end:
                return end - index
        return 0


def _match_words(tokens: Sequence[Token], index: int, words: tuple[str, ...]) -> int:
    """End index when ``words`` match at ``index`` ("và" in the text may be skipped)."""
    position = index
    for number, word in enumerate(words):
        if number and position < len(tokens) and tokens[position].word == _DROPPED != word:
            position += 1
        if position >= len(tokens) or tokens[position].word != word:
            return 0
        position += 1
    return position


MentionKind = Literal["agency", "new", "vague"]


@dataclass(frozen=True)
class Candidate:
    """What a name in the text stands for: a directory agency, a new agency or nothing."""

    kind: MentionKind
    agency_id: str | None = None
    name: str = ""
    agency_kind: str = ""
    concept: str | None = None
    confidence: float = 1.0


@dataclass(frozen=True)
class Mention:
    """An agency name found in a paragraph: tokens ``first``..``last`` (exclusive)."""

    first: int
    last: int
    start: int
    end: int
    text: str
    candidate: Candidate


@dataclass
class Lexicon:
    """The directory's names, the rules' known agencies and groups, the vague phrases."""

    directory: AgencyDirectory
    _names: dict[str, list[tuple[tuple[str, ...], Candidate]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        table = rules()
        for agency in self.directory.all():
            candidate = Candidate("agency", agency.id, agency.name, agency.kind)
            for text in (agency.name, agency.short_name, *agency.aliases):
                words = phrase_words(text)
                if words and _specific(words, agency):
                    self._add(words, candidate)
        for group in table["groups"]:
            found = self._directory_group(group)
            candidate = (
                Candidate("agency", found.id, found.name, found.kind, group["concept"])
                if found is not None
                else Candidate("new", None, group["name"], "group", group["concept"], 0.8)
            )
            for text in group["forms"]:
                self._add(phrase_words(text), candidate, replace=False)
        for known in table["known_agencies"]:
            found = self.directory.find(known["name"], kinds=ALL_KINDS)
            candidate = (
                Candidate("agency", found.id, found.name, found.kind)
                if found is not None
                else Candidate("new", None, known["name"], known["kind"], None, 0.9)
            )
            for text in (known["name"], *known["aliases"]):
                self._add(phrase_words(text), candidate, replace=False)
        for words, candidate in list(self._department_names()):
            # "ngành Y tế": the sector is its department in a provincial text.
            self._add(("nganh", *words[1:]), candidate, replace=False)
        for text in table["vague"]:
            self._add(phrase_words(text), Candidate("vague", name=text), replace=False)
        for candidates in self._names.values():
            candidates.sort(key=lambda item: len(item[0]), reverse=True)
        heads = table["agency_heads"]
        self._heads = {kind: Phrases(words) for kind, words in heads.items()}
        self._stops = Phrases(table["name_stop_words"])
        # "Ủy ban MTTQ … tỉnh và các Đoàn thể": "và các" + a kind of body ends the name.
        self._group_words = Phrases(table["name_and_groups"])
        self._place_ends = {w for text in table["name_place_ends"] for w in phrase_words(text)}
        self._persons = Phrases(table["person_titles"])
        self._levels = Phrases(table["unit_levels"])
        self._party_tails = Phrases(table["name_party_tails"])
        self._assigning = Phrases(table["assigning_verbs"])
        # "các Sở: Y tế, Tài chính", "các Bộ: Xây dựng; Tài chính": a group's head written
        # once before a list of bare names; by the group's concept and by the head word.
        self._listed_heads: dict[str, str] = {}
        for concept, head in table["listed_heads"].items():
            if not concept.startswith("_"):
                word = phrase_words(head)[0]
                self._listed_heads[concept] = self._listed_heads[word] = word
        self._bare = {
            " ".join(phrase_words(head)): name
            for head, name in table["bare_heads"].items()
            if not head.startswith("_")
        }

    def group_candidate(self, concept: str) -> Candidate | None:
        """What the group of ``concept`` ("provinces") stands for, as its forms find it."""
        for group in rules()["groups"]:
            if group["concept"] == concept:
                words = phrase_words(group["forms"][0])
                for known, candidate in self._names.get(words[0], ()):
                    if known == words:
                        return candidate
        return None

    def _department_names(self) -> Iterable[tuple[tuple[str, ...], Candidate]]:
        """The names of departments ("Sở Y tế") known so far, with their candidates."""
        for entries in list(self._names.get("so", ())):
            words, candidate = entries
            if len(words) > 1 and candidate.agency_kind == "department" and not candidate.concept:
                yield words, candidate

    def _directory_group(self, group: dict[str, Any]) -> Agency | None:
        for form in (group["name"], group["short_name"], *group["forms"]):
            found = self.directory.find(form, kinds={"group"})
            if found is not None:
                return found
        return None

    def _add(self, words: tuple[str, ...], candidate: Candidate, *, replace: bool = True) -> None:
        if not words:
            return
        entries = self._names.setdefault(words[0], [])
        for position, (known, _existing) in enumerate(entries):
            if known == words:
                if replace:
                    entries[position] = (words, candidate)
                return
        entries.append((words, candidate))

    def mentions(self, text: str, tokens: Sequence[Token]) -> list[Mention]:
        """Every agency name in ``tokens``, left to right, longest at each place."""
        found: list[Mention] = []
        index = 0
        while index < len(tokens):
            listed_head = self._listed_heads.get(tokens[index].word)
            if listed_head is not None and tokens[index].capitalised:
                # "Sở: Xây dựng, Tài nguyên và Môi trường": the head written once for a list.
                bare = self._listed_departments(text, tokens, index + 1, listed_head)
                if bare:
                    found.extend(bare)
                    index = bare[-1].last
                    continue
            best_end = 0
            best: Candidate | None = None
            for words, candidate in self._names.get(tokens[index].word, ()):
                end = _match_words(tokens, index, words)
                if end > best_end:
                    best_end, best = end, candidate
            generic = self._generic(tokens, index) if best is None else None
            if best is not None and self._office_of(tokens, index, best_end):
                # "Văn phòng Ban Chỉ huy", "Văn phòng Sở Y tế": a bare head word the
                # directory knows ("Văn phòng") written before another body's name is that
                # body's own office, one new agency, not the two bodies.
                generic = self._generic(tokens, index)
            if generic is not None:
                best_end, best = generic
            elif best is not None and best.kind != "vague" and not best.concept:
                best_end = self._proper_tail(tokens, best_end)
            if best is None:
                index += 1
                continue
            concept_head = self._listed_heads.get(best.concept or "")
            listed = (
                self._listed_departments(text, tokens, best_end, concept_head)
                if concept_head is not None
                else []
            )
            if listed:
                # "các Sở: Y tế, Tài chính và Xây dựng", "các Bộ: Nông nghiệp và Môi trường;
                # Xây dựng": the bodies named, not all of them.
                found.extend(listed)
                index = listed[-1].last
                continue
            start, stop = tokens[index].start, tokens[best_end - 1].end
            if not best.name:
                best = replace(best, name=text[start:stop])
            if found and found[-1].last == index and "(" in tokens[index].gap:
                # "Sở X (Chi cục Y)": the unit in brackets qualifies the name before it, which
                # covers it, so that a list goes on after it ("X (Sở Y), Z và …").
                found[-1] = replace(found[-1], last=best_end)
            else:
                found.append(Mention(index, best_end, start, stop, text[start:stop], best))
            index = best_end
        return found

    def _proper_tail(self, tokens: Sequence[Token], end: int) -> int:
        """Where a known name followed by the capitalised words of a place ends: "Ban Quản lý
        Khu kinh tế Hòa Phú và các Khu công nghiệp tỉnh" is the province's economic-zone
        board, written with its own place name (the name ends at a comma or another name)."""
        start = end
        while end < len(tokens) and end - start < 8:
            token = tokens[end]
            if any(mark in token.gap for mark in ",;:(.") or DASH.search(token.gap):
                break
            if token.word == _DROPPED and end > start:
                if (
                    end + 2 < len(tokens)
                    and tokens[end + 1].word == "cac"
                    and tokens[end + 2].capitalised
                    and not self._starts_name(tokens, end + 2)
                    and not self._group_words.match(tokens, end + 2)
                ):
                    end += 2
                    while end < len(tokens) and end - start < 16:
                        if any(mark in tokens[end].gap for mark in ",;:(.") or (
                            not tokens[end].capitalised and self._stops.match(tokens, end)
                        ):
                            break
                        end += 1
                break
            if not token.capitalised or self._starts_name(tokens, end):
                break
            end += 1
        return end

    def _office_of(self, tokens: Sequence[Token], index: int, end: int) -> bool:
        """Whether the known name ``tokens[index:end]`` is only a head word ("Văn phòng")
        directly followed, with no mark between, by another agency's name."""
        if end >= len(tokens) or not tokens[end].capitalised:
            return False
        if any(mark in tokens[end].gap for mark in ",;:()./") or DASH.search(tokens[end].gap):
            return False
        if not any(heads.match(tokens, index) == end - index for heads in self._heads.values()):
            return False
        return self._starts_name(tokens, end)

    def _starts_name(self, tokens: Sequence[Token], index: int) -> bool:
        """Whether an agency name (known or by its head word) starts at ``index``."""
        if any(heads.match(tokens, index) for heads in self._heads.values()):
            return True
        return any(
            _match_words(tokens, index, words)
            for words, _c in self._names.get(tokens[index].word, ())
        )

    def _listed_departments(
        self, text: str, tokens: Sequence[Token], index: int, head_word: str = "so"
    ) -> list[Mention]:
        """The bodies named by their bare names after "các Sở:" or "các Bộ:" (known names
        only; rules: ``listed_heads``), the names separated by ",", ";" or "và"."""
        if index >= len(tokens) or ":" not in tokens[index].gap:
            return []
        head = Token(head_word, 0, 0, "", True)
        found: list[Mention] = []
        while index < len(tokens) and tokens[index].capitalised:
            window = [head, *tokens[index : index + 12]]
            best_end = 0
            best: Candidate | None = None
            for words, candidate in self._names.get(head_word, ()):
                end = _match_words(window, 0, words)
                if end > best_end and candidate.kind != "vague" and not candidate.concept:
                    best_end, best = end, candidate
            if best is None or best_end < 2:
                break
            last = index + best_end - 1
            start, stop = tokens[index].start, tokens[last - 1].end
            found.append(Mention(index, last, start, stop, text[start:stop], best))
            index = last
            if index < len(tokens) and tokens[index].word == _DROPPED:
                index += 1
            elif index < len(tokens) and not any(mark in tokens[index].gap for mark in ",;"):
                break
        return found

    def _generic(self, tokens: Sequence[Token], index: int) -> tuple[int, Candidate] | None:
        """A name the directory and the rules do not know: a capitalised head ("Sở", "Ban",
        "UBND huyện") and the capitalised words of the name after it."""
        if not tokens[index].capitalised or self._persons.match(tokens, index) >= 2:
            # "Bộ Trưởng", "Giám Đốc": a person's title, not an agency's name.
            return None
        for kind, heads in self._heads.items():
            size = heads.match(tokens, index)
            if not size:
                continue
            end = index + size
            local = self._local_group_end(tokens, end) if kind in ("office", "board") else None
            if local is not None:
                # "Công an các huyện, thành phố", "Ban Chỉ đạo các quân khu": the units of
                # that kind at that level, not the districts' People's Committees.
                return local, Candidate("new", None, "", kind, None, 0.6)
            lowercase_run = 0
            words = 0
            dashed = False
            while end < len(tokens):
                token = tokens[end]
                stop = self._mark_ends_name(tokens, end, words, dashed)
                if stop is None:
                    break
                dashed = stop
                if token.word == _DROPPED:
                    joined = self._joined_by_and(tokens, end, size)
                    if not joined:
                        break
                    end += joined
                    continue
                if token.capitalised:
                    lowercase_run = 0
                elif words and self._party_tails.match(tokens, end - 1) == 2:
                    # "Ban Tuyên giáo và Dân vận Tỉnh ủy": the party committee's board.
                    words += 1
                    end += 1
                    break
                elif words and tokens[end - 1].word in self._place_ends:
                    # "Tòa án nhân dân tỉnh đẩy nhanh …": the place word closes the name.
                    break
                elif (
                    (not words and size < 2)
                    or lowercase_run >= (3 if size < 2 else 5)
                    or self._stops.match(tokens, end)
                ):
                    # After a one-word head the name starts with a capital ("Báo Hưng Yên");
                    # after a longer one it may not ("Ban Quản lý dự án giao thông tỉnh").
                    break
                else:
                    lowercase_run += 1
                words += 1
                end += 1
            if not words:
                return self._bare_head(tokens, index, end)
            return end, Candidate("new", None, "", kind, None, 0.6)
        return None

    def _mark_ends_name(
        self, tokens: Sequence[Token], end: int, words: int, dashed: bool
    ) -> bool | None:
        """None when the mark (or verb) before ``tokens[end]`` ends a generic name, else
        whether the name has gone on across a dash."""
        token = tokens[end]
        if "/" in token.gap and self._starts_name(tokens, end):
            # "Phòng Kinh tế xã/Phòng Kinh tế, Hạ tầng và Đô thị phường": two bodies.
            return None
        if token.comma_before and not (words and self._comma_in_name(tokens, end)):
            return None
        if DASH.search(token.gap):
            if not words or not token.capitalised or self._starts_name(tokens, end):
                # "Ban Quản lý dự án 85 - Bộ GTVT": the owner after a dash is another name.
                return None
            # "Phòng Văn hóa - Xã hội", "Cục Kinh tế - Quản lý đầu tư xây dựng": two fields
            # joined by a dash, one name, up to a verb ("… - Xã hội giao thôn").
            return True
        if dashed and not token.capitalised and self._assigning.match(tokens, end):
            return None
        return dashed

    def _comma_in_name(self, tokens: Sequence[Token], index: int) -> bool:
        """Whether the comma before ``index`` is inside a name that lists its fields ("Phòng
        Kinh tế, Hạ tầng và Đô thị"): capitalised words that are no agency's name, then "và"
        and a capitalised word, before any other mark."""
        if "," not in tokens[index].gap or any(m in tokens[index].gap for m in ";:("):
            return False
        if not tokens[index].capitalised or self._starts_name(tokens, index):
            return False
        for position in range(index + 1, min(len(tokens) - 1, index + 5)):
            token = tokens[position]
            if any(mark in token.gap for mark in ",;:()./") or DASH.search(token.gap):
                return False
            if token.word == _DROPPED:
                following = tokens[position + 1]
                return following.capitalised and not self._starts_name(tokens, position + 1)
        return False

    def _bare_head(
        self, tokens: Sequence[Token], index: int, end: int
    ) -> tuple[int, Candidate] | None:
        """ "phối hợp với Công an, lực lượng Hải quan": a head written alone (rules:
        ``bare_heads``), followed by a mark, "và" or the end, is the body it stands for."""
        if end < len(tokens) and not (
            any(mark in tokens[end].gap for mark in ",;:.()")
            or tokens[end].word == _DROPPED
            or (not tokens[end].capitalised and self._stops.match(tokens, end))
        ):
            # "Công an huyện …", "Công an Hà Nội": a name follows.
            return None
        head = " ".join(t.word for t in tokens[index:end])
        name = self._bare.get(head)
        if name is None:
            return None
        words = phrase_words(name)
        for known, candidate in self._names.get(words[0], ()):
            if known == words:
                return end, candidate
        return None

    def _joined_by_and(self, tokens: Sequence[Token], end: int, size: int) -> int:
        """How many tokens ("và", "và các") at ``end`` go on inside a generic name whose head
        has ``size`` words; 0 if "và" ends it."""
        if (
            end + 1 < len(tokens)
            and tokens[end + 1].capitalised
            and not any(h.match(tokens, end + 1) for h in self._heads.values())
        ):
            # "Sở Giáo dục và Đào tạo"; not "Mặt trận Tổ quốc và Hội Cựu chiến binh", where
            # "và" joins a second body.
            return 1
        if (
            size >= 2
            and end + 2 < len(tokens)
            and tokens[end + 1].word == "cac"
            and tokens[end + 2].capitalised
            and not any(h.match(tokens, end + 2) for h in self._heads.values())
            and not self._group_words.match(tokens, end + 2)
        ):
            # "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp …": one board's name,
            # not a second agency.
            return 2
        return 0

    def _local_group_end(self, tokens: Sequence[Token], index: int) -> int | None:
        """Where a bare group of districts or communes ("các huyện, thành phố") or a level
        ("các quân khu", "cấp tỉnh"; rules: ``unit_levels``) starting at ``index`` ends, or
        None."""
        if index >= len(tokens) or tokens[index].word not in ("cac", "cap"):
            return None
        best = index + self._levels.match(tokens, index)
        for words, candidate in self._names.get("cac", ()):
            if candidate.concept in ("districts", "communes"):
                best = max(best, _match_words(tokens, index, words))
        return best if best > index else None


def _specific(words: tuple[str, ...], agency: Agency) -> bool:
    """Whether a directory form can be looked for in running text.

    Bare topic words ("y tế", "xây dựng", "Na Hang") also occur in sentences that name no
    agency; only forms that start like a name (an agency-kind head word) or abbreviations
    (one word, no vowel-only syllable, e.g. "gtvt") are used in text.
    """
    heads = {
        "so",
        "ban",
        "bo",
        "ubnd",
        "van",
        "vp",
        "cac",
        "huyen",
        "tp",
        "thi",
        "cuc",
        "chi",
        "cong",
        "thanh",
        "kho",
        "ngan",
        "trung",
        "dai",
        "bao",
        "hoi",
        "lien",
        "tinh",
        "truong",
        "vien",
        "vu",
        "tong",
    }
    if words[0] in heads and len(words) > 1:
        return True
    return agency.kind == "group" and len(words) > 1
