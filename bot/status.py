"""The status an update carries: completed, in progress or blocked, and a percentage.

The vocabulary is data: ``bot/vocabulary/status.tsv`` (phrases with a label: done, progress,
block, wait, neg, resolved, partial), read over :func:`bot.lexicon.tokens` (shorthand and teen
code already expanded: "xog r" is "xong roi", "ko co vuong mac j" is "khong co vuong mac gi").

Rules, in order:

1. A block phrase ("vướng mắc", "chậm do …", "chưa triển khai được", "chờ … phê duyệt") is
   cancelled when a negation stands just before it ("không có vướng mắc", "chưa gặp khó khăn",
   "no problems") or just after it, past the punctuation of a heading ("Khó khăn, vướng mắc:
   Không." — the closing lines of a pasted Word report), or when a "resolved" phrase follows
   within a few words ("vướng mắc đã được tháo gỡ"). Blocks joined by a comma or "và" share
   their negation. Any block left standing makes the update **blocked**.
2. Otherwise the done and progress phrases are events in reading order. A done phrase negated
   just before ("chưa thực hiện xong"), followed by a part ("hoàn thành một phần"), or in a
   message that gives a percentage below 100 ("hoàn thành 70% khối lượng") is progress. The
   last event decides ("Đã hoàn thành kiểm đếm, đang lập phương án" is in progress; "hoàn
   thành 100%" is completed); without any event the update is **in progress**.

Rules rather than a trained classifier: on the labelled tables (tests/data/*.tsv) the rules
reach the figures reported in tests/test_understanding_table.py on the held-out table, which
was written before the rules were tuned. A bag-of-words naive Bayes model trained on the tuning
table does worse on the same held-out rows (it cannot see that "không" before "vướng mắc" and
"không" after a "Khó khăn, vướng mắc:" heading both cancel it), see :mod:`bench.bench_status`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.lexicon import Match, Token, load_table, tokens

__all__ = ["StatusReading", "classify_status", "percent_of", "read_status"]

_NEG_BEFORE = 2  # words between a negation and what it negates
_RESOLVED_AFTER = 4
_PARTIAL_AFTER = 3
_JOINERS = frozenset({"va", "hay", "hoac", "and", "or", "gi", "nao", "ca", "ve"})
_AFTER_FILLER = frozenset({"gi", "nao", "ca", "la", "thi"})


@dataclass(frozen=True)
class StatusReading:
    """What the words of an update say: the status and the percentage done, if given."""

    status: str
    percent: int | None


def _words_between(seq: list[Token], start: int, end: int) -> int:
    return sum(1 for token in seq[start:end] if token.kind in ("word", "num", "pct"))


def _percent(seq: list[Token]) -> tuple[int | None, int | None]:
    """(the first percentage 0–100 in the text, its token index)."""
    for index, token in enumerate(seq):
        if token.kind != "pct":
            continue
        try:
            value = float(token.text.replace(",", "."))
        except ValueError:
            continue
        if 0 <= value <= 100:
            return round(value), index
    return None, None


def _fraction_below_one(seq: list[Token], after: int) -> bool:
    for token in seq[after : after + _PARTIAL_AFTER + 1]:
        if token.kind == "num" and "/" in token.text:
            top, _slash, bottom = token.text.partition("/")
            if top.isdigit() and bottom.isdigit() and int(bottom) > 0 and int(top) < int(bottom):
                return True
    return False


def _negated_before(seq: list[Token], match: Match, negs: list[Match]) -> bool:
    """A negation a few words before, with no punctuation in between."""
    for neg in negs:
        if neg.end <= match.start and neg.clause == match.clause:
            between = seq[neg.end : match.start]
            if _words_between(seq, neg.end, match.start) <= _NEG_BEFORE and not any(
                token.kind == "sep" for token in between
            ):
                return True
    return False


def _negated_after(seq: list[Token], match: Match, by_start: dict[int, Match]) -> bool:
    """ "vướng mắc: không", "khó khăn, vướng mắc: Không có", "vướng mắc gì không"..."""
    position = match.end
    crossed = False  # a heading's punctuation: "vướng mắc: không"
    while position < len(seq):
        token = seq[position]
        following = by_start.get(position)
        if following is not None:
            if following.label == "neg":
                ends = following.end >= len(seq) or seq[following.end].kind == "stop"
                return crossed or ends
            if following.label == "block":
                position = following.end
                continue
            return False
        if token.kind == "sep" or (token.kind == "word" and token.text in _AFTER_FILLER):
            crossed = crossed or token.kind == "sep"
            position += 1
            continue
        return False
    return False


def _resolved_after(seq: list[Token], match: Match, resolved: list[Match]) -> bool:
    return any(
        other.start >= match.end
        and other.clause == match.clause
        and _words_between(seq, match.end, other.start) <= _RESOLVED_AFTER
        for other in resolved
    )


def _standing_blocks(seq: list[Token], matches: list[Match]) -> list[Match]:
    blocks = [m for m in matches if m.label == "block"]
    negs = [m for m in matches if m.label == "neg"]
    resolved = [m for m in matches if m.label == "resolved"]
    by_start = {m.start: m for m in matches if m.label in ("neg", "block", "resolved")}
    cancelled = [
        _negated_before(seq, block, negs)
        or _negated_after(seq, block, by_start)
        or _resolved_after(seq, block, resolved)
        for block in blocks
    ]
    # Blocks listed together ("khó khăn, vướng mắc", "khó khăn và vướng mắc") share a negation.
    changed = True
    while changed:
        changed = False
        for index in range(len(blocks) - 1):
            left, right = blocks[index], blocks[index + 1]
            between = seq[left.end : right.start]
            joined = left.clause == right.clause and all(
                token.kind == "sep" or (token.kind == "word" and token.text in _JOINERS)
                for token in between
            )
            if joined and cancelled[index] != cancelled[index + 1]:
                cancelled[index] = cancelled[index + 1] = True
                changed = True
    return [block for block, gone in zip(blocks, cancelled, strict=True) if not gone]


def read_status(text: str) -> StatusReading:
    """The status and percentage the words of ``text`` carry (see the module's rules)."""
    seq = tokens(text)
    matches = load_table("status.tsv").scan(seq)
    percent, percent_at = _percent(seq)
    if _standing_blocks(seq, matches):
        return StatusReading("blocked", percent)
    negs = [m for m in matches if m.label == "neg"]
    partial_marks = [m for m in matches if m.label == "partial"]
    events: list[tuple[int, str]] = []
    for match in matches:
        if match.label == "progress" or match.label == "wait":
            events.append((match.start, "in_progress"))
        elif match.label == "done":
            partial = (
                _negated_before(seq, match, negs)
                or any(
                    p.start >= match.end
                    and _words_between(seq, match.end, p.start) <= _PARTIAL_AFTER
                    for p in partial_marks
                )
                or _fraction_below_one(seq, match.end)
                or (percent is not None and percent < 100)
            )
            events.append((match.start, "in_progress" if partial else "completed"))
    if percent is not None and percent_at is not None:
        events.append((percent_at, "completed" if percent == 100 else "in_progress"))
    if not events:
        return StatusReading("in_progress", percent)
    events.sort()
    return StatusReading(events[-1][1], percent)


def classify_status(text: str) -> str:
    """completed / blocked / in_progress from the words of an update (blocked wins)."""
    return read_status(text).status


def percent_of(text: str) -> int | None:
    """The percentage of the work done the update gives ("hoàn thành 70%": 70), if any."""
    return read_status(text).percent
