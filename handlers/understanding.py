"""Message understanding: from what a focal point types to an intent (pure functions).

Two layers. The phrase layer reads the message as tokens (:func:`bot.lexicon.tokens`: shorthand
and teen code expanded, "bc" is "bao cao", "ko" "khong") against the phrase table
``bot/vocabulary/intents.tsv`` (labels: ask, tail, statement, owed, overdue, blocked, missing,
which, situation, unit, switch, english, vietnamese, particle; vocabulary as data, compiled once,
matched in linear time). It finds:

- several tasks in one message ("2.3: …; 2.4: …", numbered paragraphs of a pasted report): one
  update per task, each with its own text (:attr:`Intent.items`);
- a question that names a task ("2.2 là việc gì?", "nv 2.2 hạn khi nào?", "sao em bị nhắc
  2.2?", "mình đã bc 2.3 chưa"): never an update (kind ``question``);
- a task number at the end ("da xong 2.2.1");
- what the unit still owes ("còn thiếu gì"), a switch of language in words ("cho mình chuyển
  sang tiếng Anh"), the secretariat's shorthand ("ds chưa bc", "đơn vị nào quá hạn", "việc nào
  đang vướng", "tình hình Sở Y tế"), the round named in a deadline question ("năm 2021").

The older pattern layer (below the phrase layer in :func:`understand`) matches on
:func:`bot.text.fold` (no case, no diacritics); update text is cut from the ORIGINAL message
(diacritics kept) through a "shadow" string aligned character by character with it. Its order:
commands, undo, a bare number (answer to a numbered choice), a task number followed by text,
a task number after "nhiệm vụ"/"nv" further in, a request to report without any content,
acknowledgements, greetings, thanks, help, a statement of work done ("đã …", "đang …"),
secretariat questions, deadline questions, "what's my task", language, report-like text
without a number, and unknown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.lexicon import Match, Token, load_table, tokens
from bot.text import fold, strip_diacritics

__all__ = ["Intent", "IntentKind", "asks", "reportable", "shadow", "understand"]

IntentKind = Literal[
    "start",
    "help",
    "tasks",
    "deadline",
    "greeting",
    "thanks",
    "ack",
    "update",
    "question",
    "owed",
    "overdue",
    "blocked_list",
    "unit_status",
    "lang",
    "undo",
    "number",
    "digest",
    "report",
    "unknown_command",
    "unknown",
]


@dataclass(frozen=True)
class Intent:
    """What a message asks for.

    ``task`` is a task number as typed ("2.2"); ``body`` the update text, verbatim;
    ``argument`` a command argument (invitation code, language, period, the number answered).
    ``explicit`` is True when the update came with an update command or keyword. ``items``
    holds (task, text) for each task of a message that reports on several.
    """

    kind: IntentKind
    task: str | None = None
    body: str | None = None
    argument: str | None = None
    missing_only: bool = False
    explicit: bool = False
    items: tuple[tuple[str, str], ...] = ()


_COMMANDS: dict[str, IntentKind] = {
    "start": "start",
    "batdau": "start",
    "dangky": "start",
    "help": "help",
    "huongdan": "help",
    "trogiup": "help",
    "nhiemvu": "tasks",
    "tasks": "tasks",
    "nv": "tasks",
    "capnhat": "update",
    "update": "update",
    "lang": "lang",
    "ngonngu": "lang",
    "huy": "undo",
    "undo": "undo",
    "han": "deadline",
    "deadline": "deadline",
    "tonghop": "digest",
    "digest": "digest",
    "chuabaocao": "digest",
    "missing": "digest",
    "baocao": "report",
    "report": "report",
}
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", re.DOTALL)

_TASK_NUMBER = r"(\d{1,2}(?:\s?\.\s?\d{1,2}){1,3})"
# Each blank can be matched in one way only: the repetition must not backtrack exponentially on
# a long message ("cập nhật cập nhật …" once froze the bot for seconds per word).
_UPDATE_PREFIX = (
    r"(?:(?:cap nhat|cap nhap|update|bao cao|bc|report|nhiem vu|nvu|nv|task|muc|tien do)"
    r"(?:\s*so)?\s*(?:[:#]\s*)?)"
)
# Words said before a numbered update: "chào bạn, 2.2 đã xong", "Dạ em xin báo cáo: 2.2 …".
# One word per alternative, so that here too a text can be matched in one way only.
_LEAD_IN = (
    r"(?:(?:chao|hi|hello|hey|dear|ok|oke|okay|vang|da|em|toi|minh|xin|kinh|gui|ban|bot|anh"
    r"|chi)[\s,.:;!\-]+)"
)
# On the shadow text: optional lead-in and keywords, the number, a separator, then the update text.
_NUMBERED_UPDATE = re.compile(
    r"^\s*(?P<lead>"
    + _LEAD_IN
    + r"*)(?P<prefix>"
    + _UPDATE_PREFIX
    + r"*)"
    + _TASK_NUMBER.replace("(", "(?P<num>", 1)
    + r"(?![\d])"
    r"\s*(?P<sep>[:\-\u2013\u2014.,)]?)\s*(?P<body>.*)$",
    re.DOTALL,
)
_COMMAND_BODY = re.compile(
    r"^\s*(?:(?:nhiem vu|nvu|nv|task|muc)\s*(?:so\s*)?)?"
    + _TASK_NUMBER.replace("(", "(?P<num>", 1)
    + r"(?![\d])\s*[:\-\u2013\u2014.,)]?\s*(?P<body>.*)$",
    re.DOTALL,
)

_UNDO = re.compile(
    r"^(?:huy|xoa|hoan tac|rut lai|undo|cancel)(?: bo)?(?: cap nhat| bao cao| tin| tin nhan)?"
    r"(?: vua gui| vua roi| vua nhan| nay| do)?(?: di)?(?: a| nhe| nha)?$"
)
# "2,2: …" (a decimal comma, as Vietnamese write numbers) when a separator follows the number.
_COMMA_NUMBER = re.compile(
    r"^(\s*" + _LEAD_IN + "*" + _UPDATE_PREFIX + "*)"
    r"(\d{1,2}(?:\s?,\s?\d{1,2}){1,3})(?=\s*[:\-\u2013\u2014)])"
)
# "nhiệm vụ 2.2" anywhere in the message: "Về nhiệm vụ 2.2, sở đã trình UBND tỉnh".
_KEYWORD_NUMBER = re.compile(
    r"\b(?:nhiem vu|nvu|nv|task|muc)\s*(?:so\s*)?"
    + _TASK_NUMBER.replace("(", "(?P<num>", 1)
    + r"(?![\d])"
)
_BODY_SEPARATORS = " \t\n:-\u2013\u2014.,;)"
# A short question about a task: "nhiệm vụ 2.2 xong chưa", "2.2 thế nào rồi".
_QUESTION_END = re.compile(
    r"\b(?:chua|gi|nao|the nao|ra sao|sao|den dau|khong|bao gio|khi nao)"
    r"(?: (?:roi|a|vay|nhi|the|ha|nhe|ban))*$"
)
# A wish to report with nothing to report yet: "tôi muốn cập nhật tiến độ", "báo cáo".
_REPORT_REQUEST = re.compile(
    r"^(?:(?:toi|em|minh|chung toi|so|xin|muon|can|cho|gio|bay gio|i|we|want to|would like to"
    r"|d like to|need to|how to)\s+)*"
    r"(?:cap nhat|cap nhap|bao cao|gui bao cao|nop bao cao|update|report|submit)"
    r"(?:\s+(?:tien do|tinh hinh|ket qua|nhiem vu|nv|progress|status|an update|a report|my"
    r"|ngay|moi|a|nhe))*$"
)
# Acknowledgements: never an update, even as a reply to a reminder.
_ACK_WORDS = frozenset(
    {"ok", "oke", "okay", "okie", "oki", "okey", "vang", "da", "u", "uh", "um", "uhm", "duoc"}
    | {"ro", "roi", "noted", "got", "it", "roger", "nhan", "yes", "yep", "co"}
    | {"a", "nhe", "nha", "em", "anh", "chi", "ban"}
)
# "đã …", "đang …": a statement of work, not a question about tasks, deadlines or the digest.
_STATEMENT = re.compile(
    r"^(?:(?:so|don vi|chung toi|toi|em|minh|ben em|phong|hien|hien nay)\s+)?(?:da|dang|vua)\s"
)
_GREETING = re.compile(
    r"^(xin chao|chao|chao ban|chao bot|chao em|chao anh|chao chi|hello|hi|hey|alo|a lo"
    r"|good morning|good afternoon|chao buoi sang|chao buoi chieu)\b"
)
_THANKS = re.compile(r"\b(cam on|camon|cam ta|thanks|thank you|thank|tks|thx|cmon)\b")
_HELP = re.compile(
    r"\b(huong dan|tro giup|giup toi|giup minh|help|cach dung|cach su dung|lam sao de|lam the nao"
    r"|how to|how do i|what can you do|ban lam duoc gi|hdsd)\b"
)
_REPORT = re.compile(
    r"\b(bao cao tong hop|xuat bao cao|lap bao cao|tao bao cao|consolidated report"
    r"|export report|generate report)\b"
)
_MISSING = re.compile(
    r"\b(ai chua bao cao|don vi nao chua bao cao|chua bao cao|chua nop|who has not reported"
    r"|who hasn t reported|missing reports?|not reported)\b"
)
_DIGEST = re.compile(r"\b(tong hop|tinh hinh bao cao|digest|summary|tong ket)\b")
_DEADLINE = re.compile(
    r"\b(han bao cao|han nop|han chot|thoi han|deadline|due date|han cuoi|bao gio phai bao cao"
    r"|khi nao phai bao cao|khi nao bao cao|khi nao nop|bao gio nop|bao gio bao cao"
    r"|con bao nhieu ngay|con may ngay|report due|when is the report|when are reports|when is it due"
    r"|ngay nao phai bao cao|het han|den han|han la|han ngay|han khi nao|han bao gio|han ngay nao"
    r"|days left|khi nao phai nop|bao gio phai nop|next deadline)\b"
    r"|^han\b|\bhan$"
)
# "đúng hạn" (on time), "hạn chế" (limits), "gia hạn" (an extension) are not deadline questions.
_NOT_DEADLINE = re.compile(
    r"\b(?:dung han|truoc han|qua han|tre han|cham han|han che|gia han|han muc)\b"
)
_TASKS = re.compile(
    r"\b(nhiem vu cua toi|nhiem vu cua so|nhiem vu cua don vi|nhiem vu cua minh|nhiem vu cua em"
    r"|nhiem vu cua chung toi|nhiem vu cua co quan|nv cua toi|nv cua so|nv cua minh|xem nv"
    r"|xem nhiem vu|ds nv|danh sach nhiem vu|duoc giao gi|giao gi|giao nhung gi|phai lam gi"
    r"|can lam gi|viec cua toi|cong viec cua toi|my tasks?|what s my task|what are my tasks"
    r"|what is my task|list tasks|show tasks|show my tasks|my assignments|nhiem vu gi"
    r"|nhiem vu nao|co nhiem vu|nhung nhiem vu|cac nhiem vu|danh sach nv|nhung nv|cac nv|nv nao"
    r"|what are we assigned)\b"
)
_TASKS_EXACT = re.compile(r"^(nhiem vu|nv|tasks?|nvu|xem|danh sach)$")
_LANG_EN = re.compile(r"^(english|tieng anh|in english|en)$")
_LANG_VI = re.compile(r"^(tieng viet|vietnamese|vi)$")
_REPORTISH = re.compile(
    r"\b(da|dang|xong|hoan thanh|vuong mac|kho khan|chua co von|trien khai|thuc hien|tien do"
    r"|trinh|done|completed|finished|blocked|in progress|working on|submitted|progress)\b"
)


def shadow(text: str) -> tuple[str, str]:
    """(NFC text, its shadow): lower case, no diacritics, one shadow character per character."""
    original = unicodedata.normalize("NFC", text)
    chars = []
    for ch in original:
        plain = strip_diacritics(ch).lower()
        chars.append(plain[:1] if len(plain) >= 1 else ch)
    return original, "".join(chars)


def _task_number(raw: str) -> str:
    return re.sub(r"\s", "", raw)


def _numbered(original: str, shade: str, pattern: re.Pattern[str]) -> tuple[str, str] | None:
    match = pattern.match(shade)
    if match is None:
        return None
    body = original[match.start("body") : match.end("body")].strip()
    return _task_number(match.group("num")), body


def _command(text: str) -> Intent | None:
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    name = fold(match.group(1)).replace(" ", "")
    rest = (match.group(2) or "").strip()
    kind = _COMMANDS.get(name)
    if kind is None:
        return Intent("unknown_command", argument=name)
    if kind == "update":
        original, shade = shadow(rest)
        numbered = _numbered(original, shade, _COMMAND_BODY)
        if numbered is not None:
            return Intent("update", task=numbered[0], body=numbered[1], explicit=True)
        return Intent("update", body=rest, explicit=True)
    if kind == "digest":
        missing = name in {"chuabaocao", "missing"} or bool(_MISSING.search(fold(rest)))
        period = None if not rest or _MISSING.search(fold(rest)) else rest
        return Intent("digest", argument=period, missing_only=missing)
    return Intent(kind, argument=rest or None)


def _is_question(text: str, limit: int = 5) -> bool:
    """A short question ("xong chưa?", "thế nào rồi"), not an update; ``limit`` words at most
    (a long report may well end with a question of its own)."""
    words = fold(text).split()
    if text.rstrip().endswith("?"):
        return len(words) <= limit - 1
    return 2 <= len(words) <= limit and bool(_QUESTION_END.search(" ".join(words)))


def _is_ack(folded: str) -> bool:
    """ "ok", "dạ vâng ạ", "đã nhận", "👍": an acknowledgement, nothing to record."""
    words = re.findall(r"\w+", folded)
    return len(words) <= 5 and all(word in _ACK_WORDS for word in words)


def _numbered_update(original: str, shade: str, asking: bool | None = None) -> Intent | None:
    """An update that starts with a task number (after a greeting or keywords, if any)."""
    comma = _COMMA_NUMBER.match(shade)
    if comma is not None:  # "2,2: …" -> "2.2: …" (same length: the alignment is kept)
        start, end = comma.span(2)
        shade = shade[:start] + shade[start:end].replace(",", ".") + shade[end:]
    match = _NUMBERED_UPDATE.match(shade)
    if match is None:
        return None
    task = _task_number(match.group("num"))
    body = original[match.start("body") : match.end("body")].strip()
    if body and (_is_question(body) if asking is None else asking):
        return Intent("question", task=task)
    return Intent(
        "update",
        task=task,
        body=body,
        explicit=bool(match.group("prefix")) or bool(match.group("sep")),
    )


def _keyword_update(
    original: str, shade: str, folded: str, asking: bool | None = None
) -> Intent | None:
    """ "Về nhiệm vụ 2.2, sở đã trình …": a task named with its keyword further in."""
    match = _KEYWORD_NUMBER.search(shade)
    if match is None:
        return None
    task = _task_number(match.group("num"))
    rest = original[match.end() :].lstrip(_BODY_SEPARATORS).strip()
    before = fold(original[: match.start()])
    if _is_question(rest or original) if asking is None else asking:
        return Intent("question", task=task)
    if not rest and (not before or _REPORT_REQUEST.match(before)):
        return Intent("update", task=task, body="", explicit=True)
    if rest or _REPORTISH.search(folded):  # the whole message is the update, verbatim
        return Intent("update", task=task, body=original.strip(), explicit=True)
    return Intent("tasks")


def _statement(original: str, folded: str) -> bool:
    """ "đã …" / "đang …" telling what was done (not "dạ …", which is only polite)."""
    if not _STATEMENT.match(folded + " ") or _is_question(original, limit=8):
        return False
    first = original.split()[0].lower()
    if first in ("dạ", "dạ,"):
        return False
    return len(folded.split()) >= 2


# ---------------------------------------------------------------------------- the phrase layer

_TASK_LIKE = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,3}$")
# A number followed by one of these is an amount, not a task ("1.5 tỷ đồng", "2.5 km").
_MEASURES = frozenset(
    {"ty", "trieu", "dong", "nghin", "ngan", "ha", "km", "m", "met", "lan", "nguoi", "ti", "usd"}
)
_SOFT_PARTICLES = frozenset({"a", "nhe", "nha", "ad", "admin", "oi", "em", "anh", "chi", "ban"})
_QUESTION_PARTICLES = frozenset({"nhi", "ha", "vay", "the"})
_HARD_TAILS = frozenset({"chua", "khong", "gi"})
_SELF = frozenset({"minh", "toi", "em", "ta", "chung", "ben", "nha"})
_PERIOD_IN_TEXT = re.compile(
    r"\b(quy\s*(?:iv|iii|ii|i|[1-4])|q[1-4]|6\s*thang(?:\s*dau\s*nam)?|h1|nam|ca\s*nam)"
    r"(?:\s*(\d{4}))?\b"
)


@dataclass(frozen=True)
class _Reading:
    """A message as tokens and the phrases of ``intents.tsv`` found in it."""

    original: str
    seq: list[Token]
    matches: list[Match]

    def labels(self, start: int = 0, end: int | None = None) -> set[str]:
        stop = len(self.seq) if end is None else end
        return {
            label
            for m in self.matches
            if start <= m.start and m.end <= stop
            for label in m.labels | {m.label}
        }

    def words(self) -> list[Token]:
        return [token for token in self.seq if token.kind in ("word", "num", "pct")]


def _read(original: str) -> _Reading:
    seq = tokens(original)
    return _Reading(original, seq, load_table("intents.tsv").scan(seq))


def _task_indices(seq: list[Token]) -> list[int]:
    """Token indices of task numbers ("2.2", "2.2.1"), amounts left out."""
    found = []
    for index, token in enumerate(seq):
        if token.kind != "num" or not _TASK_LIKE.match(token.text):
            continue
        following = seq[index + 1] if index + 1 < len(seq) else None
        if following is not None and following.kind == "word" and following.text in _MEASURES:
            continue
        found.append(index)
    return found


def _clauses(seq: list[Token], skip: int | None) -> list[list[Token]]:
    """Runs of words between punctuation (the task number ``skip`` left out)."""
    result: list[list[Token]] = [[]]
    for index, token in enumerate(seq):
        if index == skip:
            continue
        if token.kind in ("stop", "sep"):
            if result[-1]:
                result.append([])
            continue
        result[-1].append(token)
    return [clause for clause in result if clause]


def _ends_as_question(clause: list[Token], has_none: bool) -> bool:
    """A clause ending with "chưa", "không", "gì" (not "không có … gì"), or "nhỉ", "vậy"."""
    words = [token.text for token in clause]
    particle = False
    while words and (words[-1] in _SOFT_PARTICLES or words[-1] in _QUESTION_PARTICLES):
        particle = particle or words[-1] in _QUESTION_PARTICLES
        words.pop()
    if particle:
        return True
    if not words:
        return False
    if words[-1] == "gi":
        return not has_none
    return words[-1] in _HARD_TAILS


def _asking(reading: _Reading, skip: int | None = None, limit: int = 14) -> bool:
    """Whether the message (the task number ``skip`` left out) asks rather than states."""
    seq = reading.seq
    words = [t for i, t in enumerate(seq) if i != skip and t.kind in ("word", "num", "pct")]
    if len(words) > limit:
        return False
    marked = reading.original.rstrip().endswith("?")
    clauses = _clauses(seq, skip)
    spans = {id(token): index for index, token in enumerate(seq)}
    asks = False
    for clause in clauses:
        first, last = spans[id(clause[0])], spans[id(clause[-1])] + 1
        labels = reading.labels(first, last)
        question = _ends_as_question(clause, "none" in labels)
        if ("statement" in labels or "none" in labels) and not question:
            return False  # a stated fact: "2.2: đã trình, khi nào tỉnh phê duyệt?"
        asks = asks or question or "ask" in labels
    if not asks and marked:
        if not clauses:
            return True  # "2.3 ??"
        asks = not any(token.text in ("da", "dang") for token in words)
    return asks


_TASK_KEYWORDS = frozenset({"nhiem", "vu", "so", "muc", "task"})


def _is_prefix(seq: list[Token], index: int) -> bool:
    """What may stand before a task number that starts a paragraph: "Nhiệm vụ", "-", "2."."""
    token = seq[index]
    if token.kind == "word":
        return token.text in _TASK_KEYWORDS
    if token.kind == "sep":
        return token.text in "-•*+("
    if token.kind == "num":
        return not _TASK_LIKE.match(token.text)
    if token.kind == "stop":  # the dot of a list number "2."
        return index > 0 and seq[index - 1].kind == "num" and token.raw == "."
    return False


def _segments(reading: _Reading, numbers: list[int]) -> list[tuple[str, str]]:
    """(task, text) for each task that starts a sentence or a line; several tasks joined by
    "và" or a comma ("2.3 và 2.4 đều xong") share the text that follows them."""
    seq = reading.seq
    original = reading.original
    starts: list[int] = []
    for index in numbers:
        back = index - 1
        while back >= 0 and _is_prefix(seq, back):
            back -= 1
        if back < 0 or seq[back].kind == "stop":
            starts.append(index)
    groups: list[list[int]] = []
    for index in starts:
        if groups and index in groups[-1]:
            continue
        group = [index]
        position = index + 1
        # Numbers joined within a sentence ("2.3 và 2.4 đều xong") share what follows them.
        while position + 1 < len(seq):
            token = seq[position]
            joiner = (token.kind == "sep" and token.text == ",") or (
                token.kind == "word" and token.text in ("va", "and")
            )
            if not joiner or position + 1 not in numbers:
                break
            group.append(position + 1)
            position += 2
        groups.append(group)
    if sum(len(group) for group in groups) < 2:
        return []
    result: list[tuple[str, str]] = []
    for number, group in enumerate(groups):
        body_from = seq[group[-1]].end
        if number + 1 < len(groups):
            next_first = groups[number + 1][0]
            back = next_first - 1
            while back > group[-1] and _is_prefix(seq, back):
                back -= 1
            body_to = seq[back].end if back > group[-1] else seq[next_first].start
        else:
            body_to = len(original)
        body = original[body_from:body_to].strip().lstrip(":-\u2013\u2014.,)").strip()
        body = body.rstrip(";").strip()
        for index in group:
            result.append((seq[index].text, body))
    return result


def _unit_after(reading: _Reading) -> str | None:
    """ "tình hình Sở Y tế" -> "Sở Y tế"; "Sở Tài chính đã báo cáo chưa" -> "Sở Tài chính"."""
    seq = reading.seq
    by_start = {m.start: m for m in reading.matches}
    for match in reading.matches:
        if not match.has("situation") or match.end >= len(seq):
            continue
        head = by_start.get(match.end)
        if head is not None and head.has("unit"):
            tail = len(seq)
            for index in range(match.end, len(seq)):
                found = by_start.get(index)
                if seq[index].kind == "stop" or (
                    found is not None and found.has("ask") and not found.has("unit")
                ):
                    tail = index
                    break
            if tail <= match.end:
                return None
            text = reading.original[seq[match.end].start : seq[tail - 1].end]
            return text.strip()
    first = by_start.get(0)
    if first is None or not first.has("unit"):
        return None
    words = reading.words()
    if len(words) < 3 or words[-1].text != "chua":
        return None
    for index, token in enumerate(seq):
        if index > 0 and token.kind == "word" and token.text in ("da", "bao", "nop"):
            if any(t.text in _SELF for t in seq[first.end : index]):
                return None
            return reading.original[: seq[index - 1].end].strip()
    return None


def _period_in(folded: str) -> str | None:
    """The round a question names: "năm 2021", "quý 3 2021", "6 tháng" (year added later)."""
    match = _PERIOD_IN_TEXT.search(folded)
    if match is None:
        return None
    if match.group(1) in ("nam", "ca nam") and match.group(2) is None:
        return None
    return match.group(0)


def _phrase_layer(reading: _Reading, folded: str) -> Intent | None:
    """The kinds of message the phrase table tells apart (see the module docstring)."""
    seq = reading.seq
    labels = reading.labels()
    numbers = _task_indices(seq)
    if numbers:
        segments = _segments(reading, numbers)
        if len(segments) >= 2 and any(body for _task, body in segments):
            items = tuple(segments)
            return Intent("update", task=items[0][0], body=items[0][1], explicit=True, items=items)
        first = numbers[0]
        if len(numbers) == 1 and _asking(reading, skip=first):
            return Intent("question", task=seq[first].text)
        return None
    words = reading.words()
    named = "english" in labels or "vietnamese" in labels
    if named and ("switch" in labels or len(words) <= 3) and len(words) <= 10:
        return Intent("lang", argument="en" if "english" in labels else "vi")
    short = len(words) <= 10
    if "owed" in labels and short:
        return Intent("owed")
    if "overdue" in labels and "which" in labels and short:
        return Intent("overdue")
    if "blocked" in labels and "which" in labels and short:
        return Intent("blocked_list")
    if "missing" in labels and "which" in labels and short:
        return Intent("digest", missing_only=True)
    if short:
        unit = _unit_after(reading)
        if unit is not None:
            return Intent("unit_status", argument=unit)
    return None


def _trailing_task(reading: _Reading) -> Intent | None:
    """ "da xong 2.2.1", "hoàn thành rồi 2.2.1 nhé": the task number at the end."""
    seq = reading.seq
    numbers = _task_indices(seq)
    if len(numbers) != 1:
        return None
    index = numbers[0]
    after = seq[index + 1 :]
    if any(
        token.kind in ("word", "num", "pct")
        and token.text not in _SOFT_PARTICLES
        and token.text not in ("roi", "nhe", "nha")
        for token in after
    ):
        return None
    before = reading.original[: seq[index].start].strip().rstrip(":-\u2013\u2014,(").strip()
    if not before:
        return None
    return Intent("update", task=seq[index].text, body=before, explicit=True)


def understand(text: str | None) -> Intent:
    """The intent of one message (the order of the rules is documented above)."""
    if text is None or not text.strip():
        return Intent("unknown")
    stripped = text.strip()
    if stripped.startswith("/"):
        command = _command(stripped)
        if command is not None:
            return command
    folded = fold(stripped)
    if _UNDO.match(folded):
        return Intent("undo")
    if folded.isdigit() and len(folded) <= 2:
        return Intent("number", argument=folded)
    original, shade = shadow(stripped)
    reading = _read(original)
    phrased = _phrase_layer(reading, folded)
    if phrased is not None:
        return phrased
    numbers = _task_indices(reading.seq)
    asking = _asking(reading, skip=numbers[0]) if len(numbers) == 1 else None
    numbered = _numbered_update(original, shade, asking)
    if numbered is not None:
        return numbered
    keyword = _keyword_update(original, shade, folded, asking)
    if keyword is not None:
        return keyword
    trailing = _trailing_task(reading)
    if trailing is not None:
        return trailing
    intent = _pattern_rules(original, stripped, folded)
    expanded = " ".join(token.text for token in reading.words())
    if intent.kind == "unknown" and expanded and expanded != folded:
        return _pattern_rules(original, stripped, expanded)  # shorthand spelled out
    return intent


def _pattern_rules(original: str, stripped: str, folded: str) -> Intent:
    """The pattern layer's rules after the task numbers (see the module docstring)."""
    if _REPORT_REQUEST.match(folded):
        return Intent("update", body="", explicit=True)
    if _is_ack(folded):
        return Intent("ack")
    words = folded.split()
    if _GREETING.match(folded) and len(words) <= 5 and not _TASKS.search(folded):
        return Intent("greeting")
    if _THANKS.search(folded) and len(words) <= 8:
        return Intent("thanks")
    if _HELP.search(folded):
        return Intent("help")
    if _statement(original, folded) and _REPORTISH.search(folded):
        return Intent("update", body=stripped)
    if _REPORT.search(folded):
        return Intent("report")
    if _MISSING.search(folded):
        return Intent("digest", missing_only=True)
    if _DIGEST.search(folded):
        return Intent("digest")
    if _DEADLINE.search(_NOT_DEADLINE.sub(" ", folded)):
        return Intent("deadline", argument=_period_in(folded))
    if _TASKS.search(folded) or _TASKS_EXACT.match(folded):
        return Intent("tasks")
    if _LANG_EN.match(folded):
        return Intent("lang", argument="en")
    if _LANG_VI.match(folded):
        return Intent("lang", argument="vi")
    if _REPORTISH.search(folded) and len(words) >= 2 and not _is_question(original, limit=8):
        return Intent("update", body=stripped)
    return Intent("unknown")


def asks(text: str) -> bool:
    """Whether a message reads as a question ("sao em bị nhắc?", "phải báo cáo gì vậy")."""
    reading = _read(unicodedata.normalize("NFC", text.strip()))
    return bool(reading.words()) and _asking(reading) and bool(reading.labels() & {"ask", "tail"})


def reportable(text: str) -> bool:
    """Whether a message the bot could not place may still be an update when it replies to a
    reminder or a task list: a word of progress ("xong"), or more than one word ("không",
    "chưa" alone are answers, not reports); a question never is."""
    if asks(text):
        return False
    folded = fold(text)
    return bool(_REPORTISH.search(folded)) or len(folded.split()) >= 2
