"""Message understanding: from what a focal point types to an intent (pure functions).

Matching is done on :func:`bot.text.fold` (no case, no diacritics), so "nhiệm vụ của tôi",
"nhiem vu cua toi" and "NHIỆM VỤ CỦA TÔI" are the same. Update text is cut from the ORIGINAL
message (diacritics kept) through a "shadow" string aligned character by character with it.
Order of the rules: commands, undo, a bare number (answer to a numbered choice), a task number
followed by text (an update; a short question about it lists the tasks instead), a task number
after "nhiệm vụ"/"nv" further in, a request to report without any content (answered with how
to report), acknowledgements ("ok", "dạ vâng"), greetings, thanks, help, a statement of work
done ("đã …", "đang …"), secretariat questions, deadline questions, "what's my task",
language, report-like text without a number, and unknown.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.text import fold, strip_diacritics

__all__ = ["Intent", "IntentKind", "reportable", "shadow", "understand"]

IntentKind = Literal[
    "start",
    "help",
    "tasks",
    "deadline",
    "greeting",
    "thanks",
    "ack",
    "update",
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
    ``explicit`` is True when the update came with an update command or keyword.
    """

    kind: IntentKind
    task: str | None = None
    body: str | None = None
    argument: str | None = None
    missing_only: bool = False
    explicit: bool = False


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


def _numbered_update(original: str, shade: str) -> Intent | None:
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
    if body and _is_question(body):
        return Intent("tasks")
    return Intent(
        "update",
        task=task,
        body=body,
        explicit=bool(match.group("prefix")) or bool(match.group("sep")),
    )


def _keyword_update(original: str, shade: str, folded: str) -> Intent | None:
    """ "Về nhiệm vụ 2.2, sở đã trình …": a task named with its keyword further in."""
    match = _KEYWORD_NUMBER.search(shade)
    if match is None:
        return None
    task = _task_number(match.group("num"))
    rest = original[match.end() :].lstrip(_BODY_SEPARATORS).strip()
    before = fold(original[: match.start()])
    if _is_question(rest or original):
        return Intent("tasks")
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
    numbered = _numbered_update(original, shade)
    if numbered is not None:
        return numbered
    keyword = _keyword_update(original, shade, folded)
    if keyword is not None:
        return keyword
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
        return Intent("deadline")
    if _TASKS.search(folded) or _TASKS_EXACT.match(folded):
        return Intent("tasks")
    if _LANG_EN.match(folded):
        return Intent("lang", argument="en")
    if _LANG_VI.match(folded):
        return Intent("lang", argument="vi")
    if _REPORTISH.search(folded) and len(words) >= 2 and not _is_question(original, limit=8):
        return Intent("update", body=stripped)
    return Intent("unknown")


def reportable(text: str) -> bool:
    """Whether a message the bot could not place may still be an update when it replies to a
    reminder or a task list: a word of progress ("xong"), or more than one word ("không",
    "chưa" alone are answers, not reports)."""
    folded = fold(text)
    return bool(_REPORTISH.search(folded)) or len(folded.split()) >= 2
