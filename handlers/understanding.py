"""Message understanding: from what a focal point types to an intent (pure functions).

Two layers. The phrase layer reads the message as tokens (:func:`bot.lexicon.tokens`: shorthand
and teen code expanded, "bc" is "bao cao", "ko" "khong") against the phrase table
``bot/vocabulary/intents.tsv`` (labels: ask, tail, statement, owed, overdue, blocked, missing,
which, situation, unit, switch, english, vietnamese, particle; vocabulary as data, compiled once,
matched in linear time). It finds:

- several tasks in one message ("2.3: …; 2.4: …", numbered paragraphs of a pasted report, and
  in one line: "2.3 xong, 2.4 đang làm", "2.2.1 xong r, còn 2.2.2 thì chưa", "Tổng hợp bên em:
  2.3 xong, 2.4 …"): a task number that starts a sentence, a line, or a clause after one that
  said something starts a report of its own; one update per task, each with its own text
  (:attr:`Intent.items`); a part that asks ("2.4 thì sao?") is never written;
- a question put however it is put: a question word ending a sentence after a statement ("…
  tình trạng mới nhất là gì"), a particle before the name of whom it asks ("xong chưa vậy
  skhdt?"), an English inverted auxiliary ("Has 2.2.2 been completed?"), asking to be told or
  not knowing ("cho tôi biết …", "em chưa rõ …");
- a question that names a task ("2.2 là việc gì?", "nv 2.2 hạn khi nào?", "sao em bị nhắc
  2.2?", "mình đã bc 2.3 chưa"): never an update (kind ``question``);
- a task number at the end ("da xong 2.2.1");
- a "why" question ("sao 2.2 lại bị đánh dấu vướng mắc?"): what its sentence states is the
  premise, not an update; a why about the reminders ("đã gửi rồi mà sao vẫn nhắc") is answered
  with what is owed (kind ``reminded``), whatever else the message says; a stated status in a
  sentence of its own still makes an update ("2.2: đã trình hồ sơ, có cần bổ sung gì không?");
- "chưa … gì", "không … gì (cả/hết)": a negation idiom (nothing), a statement, not a question;
- whether the unit's report is in ("báo cáo quý 4 đã gửi chưa": ``owed``, the round named);
- which plans are followed or concern the unit ("kế hoạch nào đang theo dõi?", "danh sách kế
  hoạch", "có mấy kế hoạch": kind ``plans``);
- what the unit still owes ("còn thiếu gì"), a switch of language in words ("cho mình chuyển
  sang tiếng Anh"), the secretariat's shorthand ("ds chưa bc", "đơn vị nào quá hạn", "việc nào
  đang vướng", "tình hình Sở Y tế"), the round named in a deadline question ("năm 2021").

The older pattern layer (below the phrase layer in :func:`understand`) reads the folded text
against ``bot/vocabulary/patterns.tsv`` (greetings, thanks, help, digest, deadline, task-list,
acknowledgement (a promise to report later is one), undo ("em gửi nhầm, huỷ giúp em …") and
"I want to report" phrases, greetings that introduce the writer; the words of an office's name
hide a request inside it ("phòng Tổng hợp"): data too, with where each must stand:
anywhere, first, last or the whole message). Only the grammar of a numbered update stays a
regular expression over a "shadow" string aligned character by character with the message, so
the update text is cut from the ORIGINAL (diacritics kept); its short keyword lists (_LEAD_IN,
_UPDATE_PREFIX) are one word per alternative, so a text matches in one way only. Its order:
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
from bot.status import carries_status, classify_status
from bot.text import fold, plain_lower

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
    "reminded",
    "plans",
    "overdue",
    "blocked_list",
    "unit_status",
    "lang",
    "undo",
    "number",
    "digest",
    "overview",
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
_ALL_WORDS = frozenset({"tat ca", "all", "toan bo", "het", "tat"})
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


@dataclass(frozen=True)
class _Phrases:
    """A folded text read against ``patterns.tsv`` (the pattern layer's vocabulary)."""

    seq: list[Token]
    matches: list[Match]

    @property
    def words(self) -> list[Token]:
        return [token for token in self.seq if token.kind in ("word", "num", "pct")]

    def has(self, label: str) -> bool:
        return any(match.has(label) for match in self.matches)

    def first(self, label: str) -> Match | None:
        """The match of ``label`` that starts the text, if any."""
        return next((m for m in self.matches if m.start == 0 and m.has(label)), None)

    def whole(self, *grammar: tuple[str, str]) -> bool:
        """Whether the text is nothing but matches following ``grammar``: (label, "1", "?",
        "*") steps, in order; any token that no match covers fails."""
        position = 0
        by_start = {m.start: m for m in self.matches}
        steps = list(grammar)
        while position < len(self.seq):
            token = self.seq[position]
            if token.kind in ("sep", "stop"):
                position += 1
                continue
            match = by_start.get(position)
            if match is None:
                return False
            while steps and not match.has(steps[0][0]):
                if steps[0][1] == "1":
                    return False
                steps.pop(0)
            if not steps:
                return False
            if steps[0][1] in ("1", "?"):
                steps.pop(0)
            position = match.end
        return all(count in ("?", "*") for _label, count in steps)


def _phrases(folded: str) -> _Phrases:
    seq = tokens(folded)
    return _Phrases(seq, load_table("patterns.tsv").scan(seq))


def _undo(folded: str) -> bool:
    return _phrases(folded).whole(("undo_pre", "*"), ("undo_head", "1"), ("undo_tail", "*"))


def _report_request(folded: str) -> bool:
    """A wish to report with nothing to report yet: "tôi muốn cập nhật tiến độ", "báo cáo"."""
    return _phrases(folded).whole(("req_subject", "*"), ("req_verb", "1"), ("req_object", "*"))


def _question_end(folded: str) -> bool:
    """ "… xong chưa", "… thế nào rồi ạ": a question word, then only particles."""
    read = _phrases(folded)
    ends = [m for m in read.matches if m.has("q_end")]
    if not ends:
        return False
    tail = _Phrases(read.seq[ends[-1].end :], [])
    rest = load_table("patterns.tsv").scan(tail.seq)
    return _Phrases(tail.seq, rest).whole(("q_particle", "*"))


def _deadline(read: _Phrases) -> bool:
    """A deadline question; "đúng hạn", "hạn chế", "gia hạn" are not."""
    if read.has("deadline"):
        return True
    words = read.words
    edges = [m for m in read.matches if m.has("deadline_edge") and not m.has("not_deadline")]
    last = len(read.seq)
    while last and read.seq[last - 1].kind in ("sep", "stop"):
        last -= 1
    return bool(words) and any(m.start == 0 or m.end == last for m in edges)


def shadow(text: str) -> tuple[str, str]:
    """(NFC text, its shadow): lower case, no diacritics, one shadow character per character."""
    original = unicodedata.normalize("NFC", text)
    chars = []
    for ch in original:
        plain = plain_lower(ch)
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
        if rest and (_phrases(fold(rest)).has("all_plans") or fold(rest) in _ALL_WORDS):
            return Intent("overview")  # "/tonghop tất cả", "/tonghop tat ca ke hoach"
        asked_missing = bool(rest) and _phrases(fold(rest)).has("missing")
        missing = name in {"chuabaocao", "missing"} or asked_missing
        period = None if not rest or asked_missing else rest
        return Intent("digest", argument=period, missing_only=missing)
    return Intent(kind, argument=rest or None)


def _is_question(text: str, limit: int = 5) -> bool:
    """A short question ("xong chưa?", "thế nào rồi"), not an update; ``limit`` words at most
    (a long report may well end with a question of its own)."""
    words = fold(text).split()
    if text.rstrip().endswith("?"):
        return len(words) <= limit - 1
    return 2 <= len(words) <= limit and _question_end(" ".join(words))


_ACK_WORDS = 12


def _is_ack(folded: str, text: str) -> bool:
    """ "ok", "dạ vâng ạ", "dạ em nhận được rồi ạ", "👍": an acknowledgement, nothing to
    record. Punctuation alone (".") acknowledges nothing: a symbol ("👍") does."""
    read = _phrases(folded)
    if not read.words:
        return any(unicodedata.category(ch).startswith("S") for ch in text)
    return len(read.words) <= _ACK_WORDS and read.whole(("ack", "*"))


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
    if not rest and (not before or _report_request(before)):
        return Intent("update", task=task, body="", explicit=True)
    if rest or _phrases(folded).has("reportish"):  # the whole message is the update, verbatim
        return Intent("update", task=task, body=original.strip(), explicit=True)
    return Intent("tasks")


def _statement(original: str, folded: str) -> bool:
    """ "đã …" / "đang …" telling what was done (not "dạ …", which is only polite)."""
    if _is_question(original, limit=8):
        return False
    read = _phrases(folded)
    words = read.words
    if len(words) < 2:
        return False
    first = read.first("stmt_subject")
    verb_at = first.end if first is not None and not first.has("stmt_verb") else 0
    verb = next((m for m in read.matches if m.start == verb_at and m.has("stmt_verb")), None)
    if verb is None or verb.end >= len(read.seq):
        return False
    return original.split()[0].lower() not in ("dạ", "dạ,")


# ---------------------------------------------------------------------------- the phrase layer

_TASK_LIKE = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,3}$")
# A number followed by one of these is an amount, not a task ("1.5 tỷ đồng", "2.5 km").
_MEASURES = frozenset(
    {"ty", "trieu", "dong", "nghin", "ngan", "ha", "km", "m", "met", "lan", "nguoi", "ti", "usd"}
)
_SOFT_PARTICLES = frozenset({"a", "nhe", "nha", "ad", "admin", "oi", "em", "anh", "chi", "ban"})
_QUESTION_PARTICLES = frozenset({"nhi", "ha", "vay", "the"})
_HARD_TAILS = frozenset({"chua", "khong", "gi"})
_VOCATIVE = 2  # words that may name whom a "?" question is put to, after its particle
# An English question put by inverting its auxiliary: "Has 2.2.2 been completed?".
_AUXILIARIES = frozenset(
    {"has", "have", "is", "are", "was", "were", "did", "does", "do", "can", "will", "should"}
)
# After a negation these are not knowing, not nothing: "em chưa rõ … phải làm những gì".
_KNOWING = frozenset({"ro", "biet", "nho", "hieu"})
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


def _ends_as_question(
    clause: list[Token], has_none: bool, stated: bool, compound: bool, marked: bool = False
) -> bool:
    """A clause ending with "chưa", "không", "gì" (not "không có … gì"), or "nhỉ", "vậy".

    After a statement ("đã …") only "chưa" asks, or a "?" after "không"/"gì": "đã báo cáo Bộ về
    cảng hàng không" states, "đã xong không?" asks. A
    final word inside a compound ("hàng không") is no question word at all.
    """
    words = [token.text for token in clause]
    particle = False
    while words and (words[-1] in _SOFT_PARTICLES or words[-1] in _QUESTION_PARTICLES):
        particle = particle or words[-1] in _QUESTION_PARTICLES
        words.pop()
    if particle:
        return True
    if marked and any(
        word in _QUESTION_PARTICLES or word == "chua" for word in words[-1 - _VOCATIVE : -1]
    ):
        return True  # "2.1 xong chưa vậy skhdt?": whom the question is put to, after it
    if not words or compound:
        return False
    if not marked and len(words) >= 2 and words[-1] == "chua" and words[-2] in _NOT_YET:
        return False  # "còn 2.2.2 thì chưa", "2.4 vẫn chưa": not yet, a statement
    if stated:
        return words[-1] == "chua" or (marked and words[-1] in _HARD_TAILS)
    if words[-1] == "gi":
        return not has_none
    return words[-1] in _HARD_TAILS


_NEGATIONS = frozenset({"chua", "khong", "chang", "cha"})
# Before a final "chưa" these make it "not yet", a statement: "2.2.2 thì chưa", "vẫn chưa".
_NOT_YET = frozenset({"thi", "van", "cung"})
_AFTER_NOTHING = frozenset({"ca", "het", "nua", "moi", "nhieu", "dau"})


def _negated_nothing(clause: list[Token]) -> bool:
    """ "chưa làm gì cả", "không làm được gì", "chưa thay đổi gì": a negation before "gì" makes
    it "nothing", a statement; "còn thiếu gì không" (the negation after it) still asks."""
    words = [token.text for token in clause]
    negations = [
        at
        for at, word in enumerate(words)
        if word in _NEGATIONS and (at + 1 >= len(words) or words[at + 1] not in _KNOWING)
    ]
    for index, word in enumerate(words):
        if word != "gi" or not any(at < index for at in negations):
            continue
        rest = [w for w in words[index + 1 :] if w not in _SOFT_PARTICLES]
        if not any(w in _HARD_TAILS or w in _QUESTION_PARTICLES for w in rest):
            return True
    return False


# What may stand beside "đã báo cáo" in a sentence that only says the report was sent.
_REPORT_FILLERS = frozenset(
    {"roi", "ma", "day", "du", "het", "len", "cho", "bot", "that", "chu", "vay", "the", "nhi"}
)


def _only_reported(reading: _Reading, clause: list[Token], spans: dict[int, int]) -> bool:
    """ "đã báo cáo rồi mà", "em gửi rồi": the sentence says the report was sent, nothing about
    the work (no object, no status)."""
    first, last = spans[id(clause[0])], spans[id(clause[-1])] + 1
    covered = {
        index
        for m in reading.matches
        if m.has("reported") and first <= m.start and m.end <= last
        for index in range(m.start, m.end)
    }
    if not covered:
        return False
    for index in range(first, last):
        token = reading.seq[index]
        if index in covered or token.kind not in ("word", "num", "pct"):
            continue
        if token.text not in _REPORT_FILLERS | _SOFT_PARTICLES | _SELF:
            return False
    return True


def _asking(reading: _Reading, skip: int | None = None, limit: int = 14) -> bool:
    """Whether the message (the task number ``skip`` left out) asks rather than states.

    A sentence with "why" ("sao", "tại sao") asks, and what it states is the premise of the
    question ("sao 2.2 lại bị đánh dấu vướng mắc?"); a why about the reminders or the marks
    ("… mà sao vẫn nhắc?") makes the whole message a question. Otherwise a sentence that
    states a fact or a status ("2.2: đã trình hồ sơ, có cần bổ sung gì không?") makes it an
    update, unless all it says is that the report was sent ("2.2 đã báo cáo rồi mà?").
    """
    seq = reading.seq
    words = [t for i, t in enumerate(seq) if i != skip and t.kind in ("word", "num", "pct")]
    if len(words) > limit:
        return False
    marked = reading.original.rstrip().endswith("?")
    clauses = _clauses(seq, skip)
    spans = {id(token): index for index, token in enumerate(seq)}
    everything = reading.labels()
    if "why" in everything and "remind" in everything:
        return True  # "2.2 đã xong rồi, sao vẫn nhắc?": a question about the reminders
    if marked and words and words[0].text in _AUXILIARIES:
        return True  # "Has 2.2.2 been completed?", "Is 2.3 done?"
    asks = False
    for clause in clauses:
        first, last = spans[id(clause[0])], spans[id(clause[-1])] + 1
        labels = reading.labels(first, last)
        if "why" in labels:
            asks = True  # its statements are the premise of the question
            continue
        compound = any(m.has("compound") and m.end == last for m in reading.matches)
        has_none = "none" in labels or _negated_nothing(clause)
        stated = "statement" in labels or has_none or _carries(reading, first, last)
        question = _ends_as_question(
            clause,
            has_none,
            "statement" in labels,
            compound,
            marked and clause is clauses[-1],
        ) or (
            not has_none
            and (
                _ends_with_question_word(reading, clause, spans)
                or any(m.has("ask_start") and m.start == first for m in reading.matches)
            )
        )
        if stated and not question:
            if _only_reported(reading, clause, spans):
                asks = True  # "2.2 đã báo cáo rồi mà": about the report, never a status
                continue
            return False  # a stated fact: "2.2: đã trình, khi nào tỉnh phê duyệt?"
        asks = asks or question or "ask" in labels
    if not asks and marked:
        if not clauses:
            return True  # "2.3 ??"
        asks = not any(token.text in ("da", "dang") for token in words)
    return asks


def _ends_with_question_word(reading: _Reading, clause: list[Token], spans: dict[int, int]) -> bool:
    """A clause that ends with a question word ("… tình trạng mới nhất là gì", "… đến đâu
    rồi"), whatever it stated before it; particles after it ("ạ", "vậy") left out."""
    end = len(clause)
    while end and clause[end - 1].text in _SOFT_PARTICLES | _QUESTION_PARTICLES:
        end -= 1
    if not end:
        return False
    last = spans[id(clause[end - 1])] + 1
    first = spans[id(clause[0])]
    return any(m.has("ask_end") and m.end == last and m.start >= first for m in reading.matches)


def _carries(reading: _Reading, first: int, last: int) -> bool:
    """Whether the words of a sentence say how the work stands ("chưa triển khai được do
    thiếu vốn", "xong 70%")."""
    if first >= last:
        return False
    seq = reading.seq
    return carries_status(reading.original[seq[first].start : seq[last - 1].end])


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


# Words that join the report on one task to the next: "2.2.1 xong, còn 2.2.2 thì chưa".
_CONNECTORS = frozenset({"con", "lai", "va", "and", "nhung", "but", "while", "rieng", "whereas"})
# Punctuation after which a task number starts a report of its own ("2.3 xong, 2.4 đang làm").
_CLAUSE_SEPS = frozenset({",", ":", ";"})


def _lead_of(seq: list[Token], index: int) -> int:
    """The first token of what introduces the task number at ``index`` ("Nhiệm vụ", "- ",
    ", còn"), the separator before it included."""
    back = index - 1
    while back >= 0 and _is_prefix(seq, back):
        back -= 1
    while back >= 0 and seq[back].kind == "word" and seq[back].text in _CONNECTORS:
        back -= 1
    return back + 1


def _starts_report(seq: list[Token], index: int, numbers: set[int]) -> bool:
    """Whether the task number at ``index`` begins a report of its own: at the start of the
    message, a sentence or a line, or after a clause that said something ("2.3 xong, 2.4 …",
    "Tổng hợp bên em: 2.3 …"); not a number listed with the one before ("2.7.1, 2.7.3: …")."""
    lead = _lead_of(seq, index)
    back = lead - 1
    connected = any(token.kind == "word" and token.text in _CONNECTORS for token in seq[lead:index])
    if back < 0 or seq[back].kind == "stop":
        return True
    if connected and seq[back].kind == "word":
        return True  # "2.2.1 đã xong còn 2.2.2 đang làm"
    if seq[back].kind != "sep" or seq[back].text not in _CLAUSE_SEPS:
        return False
    before = back - 1
    while before >= 0 and seq[before].kind == "sep" and seq[before].text in "()":
        before -= 1
    return before >= 0 and before not in numbers


def _segments(reading: _Reading, numbers: list[int]) -> list[tuple[str, str]]:
    """(task, text) for each task that starts a sentence, a line or a clause of its own;
    several tasks joined by "và" or a comma ("2.3 và 2.4 đều xong") share the text that
    follows them."""
    seq = reading.seq
    original = reading.original
    known = set(numbers)
    starts = [index for index in numbers if _starts_report(seq, index, known)]
    groups: list[list[int]] = []
    for index in starts:
        if groups and index in groups[-1]:
            continue
        group = [index]
        position = index + 1
        # Numbers joined within a sentence ("2.3 và 2.4 đều xong") share what follows them.
        while position + 1 < len(seq):
            token = seq[position]
            joiner = (token.kind == "sep" and token.text in ",&+") or (
                token.kind == "word" and token.text in ("va", "and")
            )
            if not joiner or position + 1 not in known:
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
            lead = _lead_of(seq, groups[number + 1][0])
            body_to = seq[lead - 1].end if lead - 1 > group[-1] else seq[lead].start
        else:
            body_to = len(original)
        body = original[body_from:body_to].strip().lstrip(":-\u2013\u2014.,)").strip()
        body = body.rstrip(";,:").strip()
        for index in group:
            result.append((seq[index].text, body))
    return result


def _segment_asks(body: str) -> bool:
    """Whether the text about one task of a multi-task message asks rather than reports
    ("xong chưa?", "thì sao?"); a report with no text ("2.3, 2.4:") does not."""
    if not body:
        return False
    reading = _read(body)
    return bool(reading.words()) and _asking(reading)


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
    if len(words) < 3:
        return None
    asked = [m for m in reading.matches if m.has("ask_end") or m.has("ask")]
    end = len(seq)
    while end and (seq[end - 1].kind != "word" or seq[end - 1].text in _QUESTION_PARTICLES):
        end -= 1  # "… thế nào rồi", "… đến đâu rồi vậy?"
    ends = {end, end - 1} if end and seq[end - 1].text == "roi" else {end}
    ends_asking = words[-1].text == "chua" or any(m.end in ends for m in asked)
    if not ends_asking:
        return None
    # "Sở Tài chính đã báo cáo chưa", "UBND huyện Na Hang báo cáo đến đâu rồi", "so gtvt thế
    # nào rồi": the name runs up to the first word about reporting or the question.
    question_at = {m.start for m in asked}
    for index, token in enumerate(seq):
        if index >= first.end and (token.text in _UNIT_STOPS or index in question_at):
            if index < 2 or any(t.text in _SELF for t in seq[first.end : index]):
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


def _tasks_phrased(reading: _Reading, numbers: list[int]) -> Intent | None:
    """A message with task numbers: several tasks reported at once, or a question naming one."""
    seq = reading.seq
    segments = _segments(reading, numbers)
    if len(segments) >= 2 and any(body for _task, body in segments):
        # A question is never written: "2.3 xong rồi, 2.4 thì sao?" stores 2.3 only.
        told = tuple((task, body) for task, body in segments if not _segment_asks(body))
        if not told:
            return Intent("question", task=segments[0][0])
        if len(told) == 1:
            return Intent("update", task=told[0][0], body=told[0][1], explicit=True)
        return Intent("update", task=told[0][0], body=told[0][1], explicit=True, items=told)
    first = numbers[0]
    if len(numbers) == 1 and _asking(reading, skip=first):
        return Intent("question", task=seq[first].text)
    return None


def _lists(reading: _Reading, labels: set[str], short: bool) -> Intent | None:
    """The lists asked for: what is owed, the overdue, the blocked, who has not reported."""
    if "owed" in labels and short:
        return Intent("owed")
    if "which" not in labels or not short:
        return None
    if "overdue" in labels:
        return Intent("overdue")
    if "blocked" in labels:
        return Intent("blocked_list")
    if "missing" in labels:
        return Intent("digest", missing_only=True)
    return None


def _phrase_layer(reading: _Reading, folded: str) -> Intent | None:
    """The kinds of message the phrase table tells apart (see the module docstring)."""
    labels = reading.labels()
    numbers = _task_indices(reading.seq)
    if numbers:
        return _tasks_phrased(reading, numbers)
    words = reading.words()
    named = "english" in labels or "vietnamese" in labels
    if named and ("switch" in labels or len(words) <= 3) and len(words) <= 10:
        return Intent("lang", argument="en" if "english" in labels else "vi")
    within = len(words) <= _LONG_REQUEST
    # A list asked for in ten words, or in a longer sentence that asks or requests it ("Em
    # còn phải báo cáo nhiệm vụ nào nữa không ạ", "Đề nghị cho biết danh sách các đơn vị …").
    short = len(words) <= 10 or (within and ("request" in labels or _asking(reading)))
    if within and "remind" in labels and "why" in labels:
        return Intent("reminded")  # "đã gửi báo cáo rồi mà sao vẫn nhắc?"
    if within and "complaint" in labels:
        return Intent("reminded")  # "bot nhắc nhầm người rồi"
    if within and _asks_plans(reading, labels):
        return Intent("plans")
    listed = _lists(reading, labels, short)
    if listed is not None:
        return listed
    unit = _unit_after(reading) if short else None
    if unit is not None:
        return Intent("unit_status", argument=unit)
    if len(words) <= 12 and _asks_if_reported(reading, labels):
        return Intent("owed", argument=_period_in(folded))
    return None


# Words that end a unit's name in "<unit> đã báo cáo chưa" ("Sở Tài chính đã …").
_UNIT_STOPS = frozenset({"da", "dang", "bao", "nop", "gui", "the", "ra", "den", "co"})
_LONG_REQUEST = 16  # words of a question or request that may still ask for a list


_NOT_THE_PLAN_LIST = frozenset(
    {"owed", "overdue", "blocked", "missing", "situation", "overviewish"}
)


def _asks_plans(reading: _Reading, labels: set[str]) -> bool:
    """ "kế hoạch nào đang theo dõi?", "danh sách kế hoạch", "có mấy kế hoạch", "các kế hoạch
    đang theo dõi": which plans are followed, or concern the unit (not what they report:
    "tổng hợp tất cả kế hoạch" is the overview, "kế hoạch nào quá hạn" the overdue list).

    Plans named without a question ("các kế hoạch …") ask for the list only when they come
    before anything stated and nothing is done, blocked or reported in the message ("đã xây
    dựng các kế hoạch chi tiết" is an update)."""
    if labels & _NOT_THE_PLAN_LIST:
        return False
    if "plan_ask" in labels:
        return True
    if "plan_verb" in labels and labels & {"plan_noun", "plan_some"}:
        return True  # "liệt kê kế hoạch"
    named = [m for m in reading.matches if m.has("plan_some")]
    if not named:
        return False
    at = named[0].start
    if any(token.text in ("da", "vua") for token in reading.words()):
        return False
    before = reading.seq[:at]
    if any(m.start < at and m.has("statement") for m in reading.matches) or any(
        token.text in ("cao", "report") for token in before
    ):
        return False  # "báo cáo các kế hoạch": the overview
    return classify_status(reading.original) not in ("completed", "blocked")


_REPORT_WORDS = frozenset(
    {"cao", "nop", "gui", "nhat", "report", "reported", "submit", "submitted"}
)


def _asks_if_reported(reading: _Reading, labels: set[str]) -> bool:
    """ "báo cáo quý 4 đã gửi chưa", "mình đã báo cáo chưa?", "have I reported?": whether the
    unit's own report is in (not "ai chưa báo cáo", a list of units)."""
    if "which" in labels:
        return False
    words = [token.text for token in reading.words()]
    if not any(word in _REPORT_WORDS for word in words) or {"huong", "cach"} & set(words):
        return False  # "hướng dẫn cách báo cáo …" asks for help
    if carries_status(reading.original):
        return False  # "báo cáo đã xong chưa": about the work
    while words and (words[-1] in _SOFT_PARTICLES or words[-1] in _QUESTION_PARTICLES):
        words.pop()
    if words and words[-1] == "chua":
        return True
    marked = reading.original.rstrip().endswith("?")
    return marked and bool({"have", "did", "has"} & set(words)) and bool({"i", "we"} & set(words))


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


def _asks_anything(text: str) -> bool:
    """A question mark at the end, or a short question in words."""
    return text.rstrip().endswith("?") or _is_question(text, limit=8)


def _inner_task(reading: _Reading, stripped: str) -> Intent | None:
    """ "chưa triển khai được 2.2.1 do chưa có hướng dẫn": one task number inside a sentence
    that says how the work stands (not a question) is an update of that task, kept verbatim."""
    numbers = _task_indices(reading.seq)
    if len(numbers) != 1 or _asks_anything(reading.original):
        return None
    if not carries_status(reading.original):
        return None
    return Intent("update", task=reading.seq[numbers[0]].text, body=stripped)


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
    if _undo(folded):
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
    if not asking:
        inner = _inner_task(reading, stripped)
        if inner is not None:
            return inner
    return _pattern_rules(original, stripped, folded)


def _pattern_rules(original: str, stripped: str, folded: str) -> Intent:
    """The pattern layer's rules after the task numbers (see the module docstring)."""
    if _report_request(folded):
        return Intent("update", body="", explicit=True)
    if _is_ack(folded, stripped):
        return Intent("ack")
    read = _phrases(folded)
    words = read.words
    says_nothing = not carries_status(original) and not _asks_anything(original)
    if (read.has("promise") or read.has("receipt")) and says_nothing:
        return Intent("ack")  # "ok, em sẽ báo cáo trước ngày 20", "đã nhận được tin nhắn"
    introduced = len(words) <= 5 or (read.has("intro") and says_nothing)
    if read.first("greeting") and not read.has("tasks") and introduced:
        return Intent("greeting")  # "Xin chào, em là Lan, cán bộ đầu mối của Sở Y tế"
    if read.has("thanks") and len(words) <= 8:
        return Intent("thanks")
    if read.has("help"):
        # "chưa có hướng dẫn", "chờ hướng dẫn của Bộ": the guidance the work waits for, a report.
        if carries_status(original) and not _asks_anything(original):
            return Intent("update", body=stripped)
        return Intent("help")
    if _statement(original, folded) and read.has("reportish"):
        return Intent("update", body=stripped)
    asked = _request_rules(read, folded)
    if asked is not None:
        return asked
    if read.has("reportish") and len(words) >= 2 and not _is_question(original, limit=8):
        return Intent("update", body=stripped)
    return Intent("unknown")


def _request_rules(read: _Phrases, folded: str) -> Intent | None:
    """What the pattern layer reads as a request (report, digest, deadline, tasks, language),
    in this order; ``None`` when the message asks for none of them."""
    if read.has("report"):
        return Intent("report")
    if read.has("all_plans") and (read.has("digest") or read.has("overview_head")):
        return Intent("overview")  # "tổng hợp tất cả kế hoạch": across plans
    if read.has("missing"):
        return Intent("digest", missing_only=True)
    if read.has("digest"):
        return Intent("digest")
    if _deadline(read):
        return Intent("deadline", argument=_period_in(folded))
    if read.has("tasks") or read.whole(("tasks_whole", "1")):
        return Intent("tasks")
    if read.whole(("lang_en", "1")):
        return Intent("lang", argument="en")
    if read.whole(("lang_vi", "1")):
        return Intent("lang", argument="vi")
    return None


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
    return _phrases(folded).has("reportish") or len(folded.split()) >= 2
