"""Agency lookup: from what people type ("so y te", "KH&ĐT", "tp tuyen quang") to an agency.

Every name, short name, alias and id of an agency is folded (:func:`bot.text.fold`) and
canonicalised: "ủy ban nhân dân"/"ủy ban" -> "ubnd", "thành phố" -> "tp", the word "và" is
dropped. :meth:`AgencyDirectory.find` then tries, in order, and stops at the first step that
matches anything (several agencies at one step = ambiguous = ``None``):

1. the canonical form, exactly;
2. the canonical form without spaces ("kh dt" = "khdt");
3. the core, i.e. without leading "ubnd", "sở", "ban", "bộ", "huyện", "tp", "tỉnh", when every
   such word the query gives is one the name has too ("y te" = "Sở Y tế", "UBND Na Hang" =
   "Ủy ban nhân dân huyện Na Hang", but "bộ y tế" is not "Sở Y tế").

Groups and ministries are not returned unless asked for with ``kinds``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable

from bot.plan import Agency
from bot.text import fold

__all__ = ["ALL_KINDS", "DEFAULT_KINDS", "AgencyDirectory", "canonical"]

DEFAULT_KINDS: frozenset[str] = frozenset({"province", "office", "department", "board", "district"})
ALL_KINDS: frozenset[str] = DEFAULT_KINDS | {"group", "ministry"}

_SYNONYMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\buy ban nhan dan\b"), "ubnd"),
    (re.compile(r"\buy ban\b"), "ubnd"),
    (re.compile(r"\bthanh pho\b"), "tp"),
    (re.compile(r"\bva\b"), " "),
)
_PREFIXES = frozenset({"ubnd", "so", "ban", "bo", "huyen", "tp", "tinh"})
_SUGGEST_CUTOFF = 0.6


def canonical(text: str) -> str:
    """Folded text with the synonyms above applied: "Ủy ban nhân dân thành phố" -> "ubnd tp"."""
    result = fold(text)
    for pattern, replacement in _SYNONYMS:
        result = pattern.sub(replacement, result)
    return " ".join(result.split())


def _split(form: str) -> tuple[frozenset[str], str]:
    """Leading prefix words and the rest: "ubnd huyen na hang" -> ({"ubnd", "huyen"}, "na hang")."""
    words = form.split()
    prefix: set[str] = set()
    while words and words[0] in _PREFIXES:
        prefix.add(words.pop(0))
    return frozenset(prefix), " ".join(words)


def _core(form: str) -> str:
    return _split(form)[1]


def _core_matches(query: str, known: str) -> bool:
    """Same core, and every prefix word the query gives is one the known form has too."""
    query_prefix, query_core = _split(query)
    known_prefix, known_core = _split(known)
    return (
        bool(query_core)
        and _compact(query_core) == _compact(known_core)
        and query_prefix <= known_prefix
    )


def _compact(form: str) -> str:
    return form.replace(" ", "")


class AgencyDirectory:
    """Find agencies by id, name, short name or alias, with or without diacritics."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        self._agencies: tuple[Agency, ...] = tuple(agencies)
        self._by_id: dict[str, Agency] = {agency.id: agency for agency in self._agencies}
        self._forms: dict[str, tuple[str, ...]] = {}
        for agency in self._agencies:
            texts = (agency.id, agency.name, agency.short_name, *agency.aliases)
            forms = dict.fromkeys(canonical(text) for text in texts)
            self._forms[agency.id] = tuple(form for form in forms if form)

    def all(self) -> tuple[Agency, ...]:
        """Every agency, in registry order."""
        return self._agencies

    def get(self, agency_id: str) -> Agency | None:
        """The agency with exactly this id, or None."""
        return self._by_id.get(agency_id)

    def _candidates(self, kinds: Collection[str] | None) -> list[Agency]:
        wanted = DEFAULT_KINDS if kinds is None else kinds
        return [agency for agency in self._agencies if agency.kind in wanted]

    def find(self, query: str, kinds: Collection[str] | None = None) -> Agency | None:
        """The one agency ``query`` names, or None (unknown or ambiguous).

        ``kinds`` limits the kinds searched; by default groups and ministries are left out
        (pass :data:`ALL_KINDS` to search everything).
        """
        form = canonical(query)
        if not form:
            return None
        candidates = self._candidates(kinds)
        compact_form = _compact(form)
        steps: tuple[Callable[[str], bool], ...] = (
            lambda known: known == form,
            lambda known: _compact(known) == compact_form,
            lambda known: _core_matches(form, known),
        )
        for matches_known in steps:
            matches = [
                agency
                for agency in candidates
                if any(matches_known(known) for known in self._forms[agency.id])
            ]
            if len(matches) == 1:
                return matches[0]
            if matches:
                return None
        return None

    def suggest(
        self, query: str, limit: int = 3, kinds: Collection[str] | None = None
    ) -> list[Agency]:
        """The agencies whose names look most like ``query``, best first (at most ``limit``)."""
        form = canonical(query)
        if not form or limit <= 0:
            return []
        core = _core(form)
        scored: list[tuple[float, int, Agency]] = []
        for position, agency in enumerate(self._candidates(kinds)):
            best = 0.0
            for known in self._forms[agency.id]:
                best = max(best, difflib.SequenceMatcher(None, form, known).ratio())
                known_core = _core(known)
                if core and known_core:
                    ratio = difflib.SequenceMatcher(None, core, known_core).ratio()
                    best = max(best, ratio)
            if best >= _SUGGEST_CUTOFF:
                scored.append((-best, position, agency))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [agency for _, _, agency in scored[:limit]]
