"""The plans followed, as the chat handlers see them, and a plan named in a message.

:func:`followed` lists the plans (newest first) with their codes, :func:`plans_for` those in
which a unit has work, :func:`heading` the line that names a plan above its part of an answer.

A plan named in a message: "kh38 2.2 xong", "2.2 (kh38): đang triển khai", "/tonghop kh38".
A plan's code is short and typeable ("kh38"), but the words around it are read by the
understanding layer, which would take "kh" for "không". So the code is found and cut out of the
message first (:func:`split_plan`), then the rest is understood as it would be with one plan.

Where a code counts (so that a code that happens to be a word of a report is not taken for it):
at the start of the message, after an optional "kế hoạch"/"KH" ("Kế hoạch kh38: 2.2 xong"); right
before or after the first task number ("2.2 kh38: xong", "kh38 - 2.2 xong"); at the very end
("2.2 xong, kh38"); or anywhere in a short command argument ("/tonghop kh38 quý 1"). Case,
diacritics and a space inside the code do not matter ("KH38", "kh 38").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.bootstrap import Services
from bot.i18n import Translator
from bot.plan import Plan
from bot.reports.titles import sentence_case
from bot.text import compact, fold
from scheduler.calendar import ReportingCalendar, Round, UnknownPeriod

__all__ = [
    "Followed",
    "PlanMention",
    "calendar_of",
    "code_of",
    "followed",
    "heading",
    "lookup",
    "parse_round_of_any",
    "plan_by_id",
    "plans_for",
    "several",
    "split_plan",
]


@dataclass(frozen=True)
class Followed:
    """A plan the deployment follows, and the short code people type for it."""

    plan: Plan
    code: str

    @property
    def id(self) -> str:
        return self.plan.info.id


def followed(services: Services) -> tuple[Followed, ...]:
    """The plans followed, newest first."""
    return tuple(Followed(entry.plan, entry.code) for entry in services.plans.entries)


HEADING_TITLE = 90


def heading(t: Translator, entry: Followed) -> str:
    """The line that names a plan above its part of a message: "[kh38] Kế hoạch triển khai…"."""
    title = sentence_case(entry.plan.info.title, entry.plan)
    if len(title) > HEADING_TITLE:
        title = title[: HEADING_TITLE - 1].rstrip() + "…"
    return t.gettext("[{code}] {title}").format(code=entry.code, title=title)


def several(services: Services) -> bool:
    """Whether more than one plan is followed (one plan reads exactly as before)."""
    return len(followed(services)) > 1


def plan_by_id(services: Services, plan_id: str | None) -> Plan | None:
    if plan_id is None or plan_id not in services.plans:
        return None
    return services.plans[plan_id]


def code_of(services: Services, plan: Plan) -> str:
    try:
        return services.plans.code(plan.info.id)
    except KeyError:
        return plan.info.id


def lookup(services: Services, typed: str) -> str | None:
    """The id of the plan whose code (or id) is ``typed``, case and diacritics aside."""
    entry = services.plans.entry(typed)
    return entry.id if entry is not None else None


def plans_for(services: Services, agency_id: str) -> tuple[Followed, ...]:
    """The followed plans in which the agency has work (an own task or the general tasks),
    newest first."""
    having = {plan.info.id for plan in services.plans.plans_of(agency_id)}
    return tuple(entry for entry in followed(services) if entry.id in having)


def parse_round_of_any(services: Services, period: str) -> Round:
    """The round ``period`` names in one of the followed plans' calendars (a button's round is
    checked again against its own report's plan when used); UnknownPeriod otherwise."""
    for entry in followed(services):
        try:
            return calendar_of(services, entry.plan).parse(period)
        except UnknownPeriod:
            continue
    raise UnknownPeriod(period)


def calendar_of(services: Services, plan: Plan) -> ReportingCalendar:
    return services.calendar_of(plan)


# A word of the message, with its span: letters (any script, "đ" included) and digits.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TASK = re.compile(r"\d{1,3}(?:\s?\.\s?\d{1,3}){1,3}(?!\d)")
_PLAN_WORDS = ("ke hoach", "kh", "plan")
_SEPARATORS = " \t,;:-–—()[]/.#"


@dataclass(frozen=True)
class PlanMention:
    """The plan a message names (its id, as ``lookup`` gave it) and the message without it."""

    plan_id: str
    rest: str


def split_plan(text: str, lookup: Callable[[str], str | None]) -> PlanMention | None:
    """The plan named in ``text`` and the text without its code, or None when none is named.

    ``lookup`` maps what was typed ("kh38", "kh 38") to a plan id, or None: the plan set's
    case- and diacritic-insensitive lookup by code.
    """
    words = list(_WORD.finditer(text))
    if not words:
        return None
    task = _TASK.search(text)
    command = text.lstrip().startswith("/")
    for start, end, weak in _candidates(text, words, task, command):
        typed = text[start:end]
        if not compact(typed) or compact(typed).isdigit():
            continue
        if weak and not (any(c.isdigit() for c in typed) or _marked(text, start)):
            continue  # a last word "zika" is a word of the report, unless set apart
        plan_id = lookup(typed)
        if plan_id is None:
            continue
        return PlanMention(plan_id, _cut(text, start, end))
    return None


def _marked(text: str, start: int) -> bool:
    """Whether the word at ``start`` is set apart: after a comma, bracket or dash, or a plan
    word ("…, kh38", "… (kh38)", "… - zika", "… kế hoạch zika")."""
    head = text[:start].rstrip()
    if head.endswith((",", "(", "[", "-", "–", "—", ";")):
        return True
    folded = fold(head)
    return any(folded.endswith(" " + word) or folded == word for word in _PLAN_WORDS)


def _candidates(
    text: str, words: list[re.Match[str]], task: re.Match[str] | None, command: bool
) -> list[tuple[int, int, bool]]:
    """Spans that may hold a code, most specific first: one word, or two ("kh 38"); the last
    words of a message are weak (they must be set apart, see :func:`_marked`)."""
    spans: list[tuple[int, int, bool]] = []

    def add(index: int, weak: bool = False) -> None:
        if 0 <= index < len(words):
            spans.append((words[index].start(), words[index].end(), weak))
            if index + 1 < len(words):
                gap = text[words[index].end() : words[index + 1].start()]
                if gap.strip() in ("", "-"):
                    spans.append((words[index].start(), words[index + 1].end(), weak))

    if command:
        for index in range(1, min(len(words), 6)):
            add(index)
        return spans
    first = 2 if len(words) > 2 and fold(text[: words[1].end()]) == "ke hoach" else 0
    add(first)
    if first == 0 and len(words) > 1 and fold(words[0].group()) in ("kh", "plan"):
        add(1)  # "KH 38" read as two words, or "KH kh38"
    if task is not None:
        _around_task(text, words, task, add)
    add(len(words) - 1, weak=True)
    if len(words) >= 2:
        add(len(words) - 2, weak=True)
    return spans


def _around_task(
    text: str, words: list[re.Match[str]], task: re.Match[str], add: Callable[[int], None]
) -> None:
    """The words right before the task number and right after it ("2.2 kế hoạch zika: …")."""
    before = [i for i, w in enumerate(words) if w.end() <= task.start()]
    after = [i for i, w in enumerate(words) if w.start() >= task.end()]
    for index in before[-2:][::-1]:
        add(index)
    if after:
        add(after[0])
        plan_word = fold(" ".join(words[i].group() for i in after[:2]))
        if plan_word.startswith("ke hoach") and len(after) > 2:
            add(after[2])


def _cut(text: str, start: int, end: int) -> str:
    """The text without ``text[start:end]`` and the plan word or brackets around it."""
    head, tail = text[:start], text[end:]
    folded_head = fold(head)
    for word in _PLAN_WORDS:
        if folded_head.rstrip(_SEPARATORS).endswith(word):
            stripped = head.rstrip(_SEPARATORS)
            head = stripped[: len(stripped) - len(word)]
            break
    if head.rstrip().endswith("(") and tail.lstrip().startswith(")"):
        head, tail = head.rstrip()[:-1], tail.lstrip()[1:]
    head = head.rstrip(" \t,;-–—")
    tail = tail.lstrip(" \t,;:-–—.")
    if not head.strip():
        return tail.strip()
    if not tail.strip():
        return head.strip()
    joiner = "" if tail.startswith((":", ")", ",")) else " "
    return (head + joiner + tail).strip()
