"""The outline of a plan: header, sections (I., II.), numbered items (1., 1.1., a)), bullets.

:func:`outline` turns the paragraphs of a document into a tree of :class:`Node`. A roman
numeral opens a section; "1.", "1.1." and "a)" open items at their depth (a letter is one level
below the item it follows); bullets ("-", "+", "•") and plain paragraphs belong to the item (or
section) before them. Tables stay where they are, as table nodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.importer.lexicon import light_fold, rules
from bot.importer.reader import Block

__all__ = ["Header", "Node", "body_blocks", "closing", "outline", "read_header", "strip_marker"]

_ROMAN = re.compile(r"^(?P<n>[IVXLC]{1,6})\s*[.)/:]\s*(?P<rest>\S.*)$")
_ARABIC = re.compile(
    r"^(?P<n>\d{1,2}(?:\.\d{1,2})+)\.?\s*(?P<rest>\S.*)$|^(?P<m>\d{1,2})\s*[.)]\s*(?P<rest2>\S.*)$"
)
_LETTER = re.compile(r"^(?P<n>[a-zđ])\s*[).]\s+(?P<rest>\S.*)$")
_BULLET = re.compile(r"^(?P<mark>[-–—+•*▪●○◦])\s*(?P<rest>\S.*)$")
_APPENDIX = re.compile(r"^(?:PHỤ LỤC|Phụ lục)(?:\s+(?:[IVXLC]+|\d+|số\s*\d+))?\s*[:.]?\s*$")
_ARTICLE = re.compile(r"^Điều\s+\d+\s*[.:]", re.IGNORECASE)
_LETTERS = "abcdđeghiklmnopqrstuvxy"
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_value(text: str) -> int:
    total = 0
    previous = 0
    for char in reversed(text):
        value = _ROMAN_VALUES[char]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total


@dataclass
class Node:
    """``kind``: "root", "section" (roman), "item" (numbered), "para", "table"."""

    kind: str
    label: str = ""
    number: tuple[int, ...] = ()
    text: str = ""
    rest: str = ""
    bullet: bool = False
    rows: tuple[tuple[str, ...], ...] = ()
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    @property
    def items(self) -> list[Node]:
        return [c for c in self.children if c.kind in ("item", "section")]

    @property
    def paragraphs(self) -> list[Node]:
        return [c for c in self.children if c.kind == "para"]

    @property
    def tables(self) -> list[Node]:
        return [c for c in self.children if c.kind == "table"]


def strip_marker(text: str) -> str:
    """The paragraph without its numbering or bullet mark."""
    for pattern in (_ROMAN, _ARABIC, _LETTER, _BULLET):
        match = pattern.match(text)
        if match:
            return (
                match.group("rest")
                if "rest" in match.groupdict() and match.group("rest")
                else match.groupdict().get("rest2") or text
            )
    return text


_CLOSING = re.compile(
    r"^(?:noi nhan\b|(?:tm|kt|tl|ttl|q)\s*[./]?\s*(?:uy ban|ubnd|chu tich|bo truong|thu tuong|"
    r"giam doc|chanh van phong|chu nhiem|pho chu tich|truong ban)|\(da ky\))"
)


def closing(text: str) -> bool:
    """Whether ``text`` opens the closing block of an official text: "Nơi nhận:" (the
    recipients) or the signature ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "(Đã ký)")."""
    return bool(_CLOSING.match(light_fold(text).strip()))


def body_blocks(blocks: list[Block]) -> list[Block]:
    """The blocks without the closing blocks: from "Nơi nhận:" or a signature up to the next
    appendix ("PHỤ LỤC", which plans attach after the signature) nothing assigns work."""
    kept: list[Block] = []
    skipping = False
    for block in blocks:
        text = block.text.strip()
        if not block.is_table and text:
            if _APPENDIX.match(text):
                skipping = False
            elif closing(text):
                skipping = True
        if not skipping:
            kept.append(block)
    return kept


def outline(blocks: list[Block]) -> Node:
    root = Node("root")
    stack: list[Node] = [root]

    def attach(node: Node, depth: int) -> None:
        while len(stack) > 1 and _depth(stack[-1]) >= depth:
            stack.pop()
        node.parent = stack[-1]
        stack[-1].children.append(node)
        stack.append(node)

    for block in blocks:
        if block.is_table:
            node = Node("table", rows=block.rows, parent=stack[-1])
            stack[-1].children.append(node)
            continue
        text = block.text.strip()
        if not text or _ARTICLE.match(text):
            if text:
                stack[-1].children.append(Node("para", text=text, rest=text, parent=stack[-1]))
            continue
        if _APPENDIX.match(text):
            attach(Node("section", "PL", (), text, text), 0)
            continue
        match = _ROMAN.match(text)
        if match and match.group("rest")[:1].isupper():
            attach(
                Node(
                    "section",
                    match.group("n"),
                    (roman_value(match.group("n")),),
                    text,
                    match.group("rest"),
                ),
                0,
            )
            continue
        match = _ARABIC.match(text)
        if match:
            label = match.group("n") or match.group("m")
            rest = match.group("rest") or match.group("rest2")
            number = tuple(int(part) for part in label.split("."))
            if all(0 < n < 100 for n in number):
                attach(Node("item", label, number, text, rest), 10 + len(number))
                continue
        match = _LETTER.match(text)
        if match and match.group("n") in _LETTERS:
            parent = _last_item(stack)
            base = parent.number if parent is not None else ()
            depth = (10 + len(base) + 1) if parent is not None else 11
            index = _LETTERS.index(match.group("n")) + 1
            attach(Node("item", match.group("n"), (*base, index), text, match.group("rest")), depth)
            continue
        match = _BULLET.match(text)
        node = Node(
            "para",
            text=text,
            rest=match.group("rest") if match else text,
            bullet=bool(match),
            parent=stack[-1],
        )
        stack[-1].children.append(node)
    return root


def _depth(node: Node) -> int:
    if node.kind == "root":
        return -1
    if node.kind == "section":
        return 0
    if node.label and node.label[0].isalpha():
        return 10 + len(node.number)
    return 10 + len(node.number)


def _last_item(stack: list[Node]) -> Node | None:
    for node in reversed(stack):
        if node.kind == "item" and node.label[:1].isdigit():
            return node
    return None


@dataclass
class Header:
    doc_type: str = ""
    title: str = ""
    number: str = ""
    issued: str = ""
    issuer_text: str = ""
    place: str = ""
    body_start: int = 0
    quotes: dict[str, str] = field(default_factory=dict)


_NUMBER = re.compile(r"\bS[ốô]\s*:\s*([0-9][0-9A-Za-zĐđ/\-.]*[0-9A-Za-zĐđ])")
_DATE = re.compile(
    r"(?:([A-ZÀ-Ỹ][^\d,]{1,40}),\s*)?ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})"
)


def read_header(paragraphs: list[str]) -> Header:
    """Issuer, number, date and title from the first paragraphs; ``body_start`` is where the
    plan's own text starts (after its title)."""
    header = Header()
    doc_types = sorted((light_fold(t) for t in rules()["doc_types"]), key=len, reverse=True)
    limit = min(len(paragraphs), 150)
    title_at: int | None = None
    for index in range(limit):
        text = paragraphs[index].strip()
        if not header.number:
            match = _NUMBER.search(text)
            if match:
                header.number = match.group(1)
                header.quotes["number"] = text
        if not header.issued:
            match = _DATE.search(text)
            if match and index < 15 and (match.group(1) or len(text) < 60):
                day, month, year = (int(g) for g in match.groups()[1:])
                header.issued = f"{year:04d}-{month:02d}-{day:02d}"
                header.quotes["date"] = text
        if not header.issuer_text and text.isupper() and index < 8:
            folded = light_fold(text)
            if folded.startswith(
                (
                    "uy ban",
                    "ubnd",
                    "bo ",
                    "thu tuong",
                    "chinh phu",
                    "so ",
                    "van phong chinh phu",
                )
            ):
                header.issuer_text = text
                header.quotes["issuer"] = text
        folded = light_fold(text).strip(" .:")
        for doc_type in doc_types:
            if text.isupper() and (folded == doc_type or folded.startswith(doc_type + " ")):
                title_at = index
                header.doc_type = doc_type
                break
    if title_at is None:
        return header
    parts = [paragraphs[title_at].strip()]
    end = title_at + 1
    while end < len(paragraphs) and end < title_at + 6:
        text = paragraphs[end].strip()
        if not text or not _mostly_upper(text) or _ROMAN.match(text) or _ARABIC.match(text):
            break
        parts.append(text)
        end += 1
    header.title = " ".join(parts)
    header.quotes["title"] = header.title
    header.body_start = end
    return header


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
