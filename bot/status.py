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
   their negation. A resolution just before a block ends it too ("đã khắc phục xong các vướng
   mắc"), and so does a negation on the line after a heading that is only the block ("II. KHÓ
   KHĂN, VƯỚNG MẮC" / "Không có."). Lateness ("chậm", "trễ hạn", "quá hạn") is a block unless it
   qualifies the completion next to it ("hoàn thành nhưng chậm 2 tháng": completed, late). A
   negation, a few words, and "được" closing the clause is "could not" ("chưa tổ chức được",
   "tỉnh không làm gì thêm được"): blocked. Any block left standing makes the update **blocked**.
   A stop ("tạm dừng", "ngừng thi công", "dừng triển khai", "đình chỉ", "tạm hoãn") is a block.
   "mới làm được" followed by an amount ("mới làm được một nửa") is progress, not the "only
   then can we go on" of "chờ … mới làm được".
2. Otherwise the done and progress phrases are events in reading order. A done phrase negated
   just before ("chưa thực hiện xong"), hedged just before ("hầu như đã xong", "gần như hoàn
   thành", "về cơ bản đã xong"), followed by a part ("hoàn thành một phần", "xong phần lớn",
   "xong một nửa"), or in a message that gives a percentage below 100 ("hoàn thành 70% khối
   lượng") is progress. What is left, after it ("còn lại …", "chỉ còn …", "còn … nữa", a
   clause that starts with "còn": "đã xong, còn thủ tục nhỏ"), is a progress event too, and so
   is a done phrase followed by a phase ("xong giai đoạn chuẩn bị"). Completion stated as its
   result is done ("đã được phê duyệt tại Quyết định số …", "đã được bố trí đủ vốn"). The
   last event decides ("Đã hoàn thành kiểm đếm, đang lập phương án" is in progress; "hoàn
   thành 100%" is completed); without any event the update is **in progress** ("chưa bắt
   đầu", "chưa triển khai": the project has no "not started" status).

The percentage: "70%", "70 %", "70 phần trăm", "bảy mươi phần trăm"; half the work ("xong một
nửa", "làm được nửa chừng") is 50 when no percentage is given.

Rules rather than a trained classifier, on evidence (``bench/bench_status.py``, BENCHMARKS.md):
on the 69 single-task updates of the held-out table (tests/data/messages_heldout.tsv, written
before the rules were tuned and never tuned on) the rules read 68 right (98.6 %); a multinomial
naive Bayes over the same tokens (unigrams and bigrams) trained on the tuning table
(tests/data/messages_dev.tsv, 83 updates) reads 54 right (78.3 %): it cannot tell "không"
before "vướng mắc", or after a "Khó khăn, vướng mắc:" heading, from a real block.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.lexicon import Match, Token, load_table, tokens

__all__ = ["StatusReading", "carries_status", "classify_status", "percent_of", "read_status"]

_NEG_BEFORE = 2  # words between a negation and what it negates
_RESOLVED_AFTER = 4
_PARTIAL_AFTER = 3
_HEDGE_BEFORE = 1  # words between a hedge ("hầu như") and the done phrase it weakens
_HALF_AFTER = 3  # words between a verb of work and "một nửa"
_RESOLVED_BEFORE = 3  # words between "đã khắc phục xong" and the block it ends ("các vướng mắc")
_HEADING_WORDS = 8  # a line of at most this many words holding a block is a heading
_COULD_NOT_WORDS = 3  # words between a negation and a closing "được"
_LATE_AFTER = 3  # words between a completion and the lateness that qualifies it
_NEGATORS = frozenset({"chua", "khong"})
_JOINERS = frozenset({"va", "hay", "hoac", "and", "or", "gi", "nao", "ca", "ve"})
_AFTER_FILLER = frozenset({"gi", "nao", "ca", "la", "thi"})
# The words of work a "một nửa" must follow to be half the work ("giảm một nửa chi phí" is not).
_WORK_WORDS = frozenset(
    {"duoc", "dat", "lam", "xong", "thanh", "hien", "khai", "tat", "dang", "done", "completed"}
)
# Vietnamese numbers as words, up to "một trăm" ("năm mươi lăm phần trăm").
_DIGITS = {
    "khong": 0, "mot": 1, "mốt": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5,
    "sau": 6, "bay": 7, "tam": 8, "chin": 9,
}  # fmt: skip
_NUMBER_WORDS = frozenset(_DIGITS) | {"muoi", "tram"}
_PERCENT_WORDS = (("phan", "tram"), ("percent",), ("pct",))


@dataclass(frozen=True)
class StatusReading:
    """What the words of an update say: the status and the percentage done, if given."""

    status: str
    percent: int | None


def _words_between(seq: list[Token], start: int, end: int) -> int:
    return sum(1 for token in seq[start:end] if token.kind in ("word", "num", "pct"))


def _spelled(numbers: list[str]) -> int | None:
    """ "năm mươi" -> 50, "bảy mươi lăm" -> 75, "mười" -> 10, "một trăm" -> 100, "chín" -> 9."""
    if numbers == ["mot", "tram"] or numbers == ["tram"]:
        return 100
    if "tram" in numbers:
        return None
    if "muoi" not in numbers:
        return _DIGITS[numbers[0]] if len(numbers) == 1 else None
    at = numbers.index("muoi")
    if at > 1 or len(numbers) - at > 2:
        return None
    tens = _DIGITS[numbers[0]] if at == 1 else 1
    units = _DIGITS[numbers[at + 1]] if at + 1 < len(numbers) else 0
    return tens * 10 + units


def _percent_word_at(seq: list[Token], index: int) -> bool:
    """Whether "phần trăm" / "percent" starts at ``index``."""
    for words in _PERCENT_WORDS:
        found = seq[index : index + len(words)]
        if len(found) == len(words) and all(
            token.kind == "word" and token.text == word
            for token, word in zip(found, words, strict=True)
        ):
            return True
    return False


def _percent(seq: list[Token]) -> tuple[int | None, int | None]:
    """(the first percentage 0–100 in the text, its token index): "70%", "70 %", "70 phần
    trăm", "bảy mươi phần trăm"."""
    for index, token in enumerate(seq):
        value: float | None = None
        if token.kind == "pct" or (
            token.kind == "num" and "/" not in token.text and _percent_word_at(seq, index + 1)
        ):
            try:
                value = float(token.text.replace(",", "."))
            except ValueError:
                continue
        elif (
            token.kind == "word"
            and token.text in _NUMBER_WORDS
            and _percent_word_at(seq, index + 1)
        ):
            start = index
            while start > 0 and index - start < 3 and seq[start - 1].kind == "word":
                if seq[start - 1].text not in _NUMBER_WORDS:
                    break
                start -= 1
            spelled = _spelled([t.text for t in seq[start : index + 1]])
            if spelled is None:
                continue
            value, index = float(spelled), start
        if value is not None and 0 <= value <= 100:
            return round(value), index
    return None, None


def _half(seq: list[Token], matches: list[Match]) -> int | None:
    """The token index of "một nửa" / "nửa chừng" said of the work ("xong một nửa", "đang làm
    nửa chừng"), if any."""
    for match in matches:
        if not match.has("half"):
            continue
        before = [
            t for t in seq[max(0, match.start - _HALF_AFTER) : match.start] if t.kind == "word"
        ]
        if any(token.text in _WORK_WORDS for token in before):
            return match.start
    return None


def _fraction_below_one(seq: list[Token], after: int) -> bool:
    for token in seq[after : after + _PARTIAL_AFTER + 1]:
        if token.kind == "num" and "/" in token.text:
            top, _slash, bottom = token.text.partition("/")
            if top.isdigit() and bottom.isdigit() and int(bottom) > 0 and int(top) < int(bottom):
                return True
    return False


def _whole_fraction(between: list[Token]) -> bool:
    """ "xong 3/3 giai đoạn": every part, so the part named is no partial completion."""
    for token in between:
        top, slash, bottom = token.text.partition("/")
        if token.kind == "num" and slash and top.isdigit() and top == bottom:
            return True
    return False


def _last_before(matches: list[Match], label: str, count: int) -> list[Match | None]:
    """For each token position, the last ``label`` match ending at or before it."""
    result: list[Match | None] = [None] * (count + 1)
    ends: dict[int, Match] = {}
    for match in matches:
        if match.has(label):
            ends[match.end] = match
    current: Match | None = None
    for position in range(count + 1):
        current = ends.get(position, current)
        result[position] = current
    return result


def _next_after(matches: list[Match], label: str, count: int) -> list[Match | None]:
    """For each token position, the first ``label`` match starting at or after it."""
    result: list[Match | None] = [None] * (count + 1)
    starts: dict[int, Match] = {}
    for match in matches:
        if match.has(label) and match.start not in starts:
            starts[match.start] = match
    current: Match | None = None
    for position in range(count, -1, -1):
        current = starts.get(position, current)
        result[position] = current
    return result


def _negated_before(
    seq: list[Token], match: Match, last_neg: list[Match | None], within: int = _NEG_BEFORE
) -> bool:
    """The nearest negation (or resolution: "đã khắc phục xong các vướng mắc") a few words
    before, with no punctuation in between."""
    neg = last_neg[match.start]
    if neg is None or neg.clause != match.clause:
        return False
    between = seq[neg.end : match.start]
    return _words_between(seq, neg.end, match.start) <= within and not any(
        token.kind == "sep" for token in between
    )


def _heading(seq: list[Token], block: Match) -> bool:
    """Whether ``block`` stands in a short line of its own ("II. KHÓ KHĂN, VƯỚNG MẮC"), a
    heading whose answer is the next line."""
    start = block.start
    while start > 0 and not (seq[start - 1].kind == "stop" and "\n" in seq[start - 1].raw):
        start -= 1
    end = block.end
    while end < len(seq) and not (seq[end].kind == "stop" and "\n" in seq[end].raw):
        end += 1
    return _words_between(seq, start, end) <= _HEADING_WORDS


def _could_not(seq: list[Token]) -> bool:
    """ "chưa tổ chức được.", "tỉnh không làm gì thêm được": a negation, a few words, then
    "được" closing the clause, is "could not" (blocked); "chưa được phê duyệt" is not this."""
    for index, token in enumerate(seq):
        if token.kind != "word" or token.text != "duoc" or index == 0:
            continue
        following = seq[index + 1] if index + 1 < len(seq) else None
        if following is not None and following.kind not in ("stop", "sep"):
            continue
        back = index - 1
        while back >= 0 and seq[back].kind == "word" and seq[back].text not in _NEGATORS:
            back -= 1
        if back >= 0 and seq[back].kind == "word" and 1 <= index - back - 1 <= _COULD_NOT_WORDS:
            return True
    return False


def _done_before(seq: list[Token], late: Match, completed: list[Match]) -> bool:
    """Lateness that qualifies a completion next to it ("hoàn thành nhưng chậm 2 tháng", "xong
    trễ hạn", "quá hạn nhưng đã xong"): the work is completed, late."""
    for done in completed:
        if done.clause != late.clause:
            continue
        first, second = (done, late) if done.end <= late.start else (late, done)
        if first.end > second.start:
            continue
        between = seq[first.end : second.start]
        if _words_between(seq, first.end, second.start) <= _LATE_AFTER and not any(
            token.kind == "sep" for token in between
        ):
            return True
    return False


def _amount_follows(seq: list[Token], matches: list[Match], block: Match) -> bool:
    """ "mới làm được một nửa", "mới thực hiện được 30%": how much is done, no block."""
    if not block.phrase.startswith("moi ") or block.end >= len(seq):
        return False
    if seq[block.end].kind in ("num", "pct"):
        return True
    return any(m.start == block.end and (m.has("partial") or m.has("half")) for m in matches)


def _standing_blocks(seq: list[Token], matches: list[Match]) -> list[Match]:
    """The block phrases no negation or resolution cancels (linear in the tokens)."""
    blocks = [m for m in matches if m.label == "block" and "…" not in m.phrase]
    blocks += [m for m in matches if m.label == "block" and "…" in m.phrase]
    last_neg = _last_before(matches, "neg", len(seq))
    next_resolved = _next_after(matches, "resolved", len(seq))
    by_start = {m.start: m for m in matches if m.label in ("neg", "block")}
    # "vướng mắc: không", "khó khăn, vướng mắc: Không có": right to left, each block knows
    # whether what follows it (past punctuation and further blocks) is a negation.
    after: dict[int, bool] = {}
    chained: dict[int, int] = {}  # block start -> start of the block it is listed with
    for block in sorted(blocks, key=lambda m: -m.start):
        position = block.end
        crossed = False
        crossed_line = False  # "II. KHÓ KHĂN, VƯỚNG MẮC\nKhông có.": a heading, then its line
        verdict = False
        joined = True
        while position < len(seq):
            token = seq[position]
            following = by_start.get(position)
            if (
                token.kind == "stop"
                and "\n" in token.raw
                and not crossed_line
                and _heading(seq, block)
            ):
                crossed = crossed_line = True
                position += 1
                continue
            if following is not None and following is not block:
                if following.label == "neg":
                    ends = following.end >= len(seq) or seq[following.end].kind == "stop"
                    verdict = ends if crossed_line else crossed or ends
                elif following.label == "block" and following.clause == block.clause:
                    verdict = after.get(following.start, False)
                    if joined:
                        chained[block.start] = following.start
                break
            if token.kind == "sep" or (token.kind == "word" and token.text in _AFTER_FILLER):
                crossed = crossed or token.kind == "sep"
            elif not (token.kind == "word" and token.text in _JOINERS):
                break
            position += 1
        after[block.start] = verdict

    last_resolved = _last_before(matches, "resolved", len(seq))

    def cancelled(block: Match) -> bool:
        resolved = next_resolved[block.end]
        return (
            _amount_follows(seq, matches, block)
            or _negated_before(seq, block, last_neg)
            or _negated_before(seq, block, last_resolved, _RESOLVED_BEFORE)
            or after.get(block.start, False)
            or (
                resolved is not None
                and resolved.clause == block.clause
                and _words_between(seq, block.end, resolved.start) <= _RESOLVED_AFTER
            )
        )

    # Blocks listed together ("khó khăn, vướng mắc", "khó khăn và vướng mắc") share a negation.
    gone: dict[int, bool] = {}
    for block in sorted(blocks, key=lambda m: -m.start):
        partner = chained.get(block.start)
        gone[block.start] = cancelled(block) or (partner is not None and gone.get(partner, False))
    for block in sorted(blocks, key=lambda m: m.start):
        partner = chained.get(block.start)
        if partner is not None and gone[block.start]:
            gone[partner] = True
    return [block for block in blocks if not gone[block.start]]


def _hedged(seq: list[Token], match: Match, last_hedge: list[Match | None]) -> bool:
    """A hedge just before a done phrase: "hầu như đã xong", "gần như hoàn thành"."""
    hedge = last_hedge[match.start]
    if hedge is None or hedge.clause != match.clause:
        return False
    between = seq[hedge.end : match.start]
    return _words_between(seq, hedge.end, match.start) <= _HEDGE_BEFORE and not any(
        token.kind == "sep" for token in between
    )


def _remaining(seq: list[Token], matches: list[Match]) -> list[int]:
    """Where what is left is said: "còn lại …", "chỉ còn …", "còn … nữa", and a clause that
    starts with "còn" ("đã xong, còn thủ tục nhỏ"; not "không còn", a negation)."""
    found = [match.start for match in matches if match.has("remain")]
    covered = {i for m in matches for i in range(m.start, m.end)}
    for index, token in enumerate(seq):
        if token.kind != "word" or token.text != "con" or index in covered or index == 0:
            continue
        previous = seq[index - 1]
        following = seq[index + 1] if index + 1 < len(seq) else None
        if (
            previous.kind in ("sep", "stop")
            and following is not None
            and following.kind in ("word", "num")
            and following.text not in ("khong", "gi")
        ):
            found.append(index)
    return found


def read_status(text: str) -> StatusReading:
    """The status and percentage the words of ``text`` carry (see the module's rules)."""
    seq = tokens(text)
    matches = load_table("status.tsv").scan(seq)
    percent, percent_at = _percent(seq)
    if percent is None:
        percent_at = _half(seq, matches)
        percent = 50 if percent_at is not None else None
    last_neg = _last_before(matches, "neg", len(seq))
    last_hedge = _last_before(matches, "hedge", len(seq))
    next_partial = _next_after(matches, "partial", len(seq))
    events: list[tuple[int, str]] = []
    completed: list[Match] = []
    for match in matches:
        if match.label == "progress" or match.label == "wait":
            events.append((match.start, "in_progress"))
        elif match.label == "done":
            part = next_partial[match.end]
            partial = (
                _negated_before(seq, match, last_neg)
                or _hedged(seq, match, last_hedge)
                or (
                    part is not None
                    and _words_between(seq, match.end, part.start) <= _PARTIAL_AFTER
                    and not _whole_fraction(seq[match.end : part.start])
                )
                or _fraction_below_one(seq, match.end)
                or (percent is not None and percent < 100)
            )
            events.append((match.start, "in_progress" if partial else "completed"))
            if not partial:
                completed.append(match)
    standing = [
        block
        for block in _standing_blocks(seq, matches)
        if not (block.has("late") and _done_before(seq, block, completed))
    ]
    if standing or _could_not(seq):
        return StatusReading("blocked", percent)
    events.extend((index, "in_progress") for index in _remaining(seq, matches))
    if percent is not None and percent_at is not None:
        events.append((percent_at, "completed" if percent == 100 else "in_progress"))
    if not events:
        return StatusReading("in_progress", percent)
    events.sort()
    return StatusReading(events[-1][1], percent)


def carries_status(text: str) -> bool:
    """Whether the words of ``text`` say how work stands (a reason it is blocked, work done or
    under way, a percentage): "chưa triển khai được do chưa có hướng dẫn" does, "hướng dẫn" alone
    does not."""
    seq = tokens(text)
    matches = load_table("status.tsv").scan(seq)
    if _standing_blocks(seq, matches) or _percent(seq)[0] is not None or _could_not(seq):
        return True
    if _half(seq, matches) is not None:
        return True
    return any(match.label in ("progress", "wait", "done") for match in matches)


def classify_status(text: str) -> str:
    """completed / blocked / in_progress from the words of an update (blocked wins)."""
    return read_status(text).status


def percent_of(text: str) -> int | None:
    """The percentage of the work done the update gives ("hoàn thành 70%": 70), if any."""
    return read_status(text).percent
