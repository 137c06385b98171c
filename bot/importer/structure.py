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
# A lettered part in capitals above the Roman sections ("B. NỘI DUNG, NHIỆM VỤ, GIẢI PHÁP").
_PART = re.compile(r"^(?P<n>[A-H])\s*[.)]\s+(?P<rest>\S.*)$")
_BULLET = re.compile(r"^(?P<mark>[-–—+•*▪●○◦])\s*(?P<rest>\S.*)$")
_APPENDIX = re.compile(r"^(?:PHỤ LỤC|Phụ lục)(?:\s+(?:[IVXLC]+|\d+|số\s*\d+))?\s*[:.]?\s*$")
# An appendix's heading in capitals with its title on the same line ("PHỤ LỤC DANH MỤC NHIỆM
# VỤ … (Kèm theo Kế hoạch số …)"), as copies that join the heading's lines write it.
_APPENDIX_TITLE = re.compile(r"^PHỤ LỤC(?:\s+(?:[IVXLC]+|\d+|SỐ\s*\d+))?\s*[:.]?\s+[A-ZÀ-Ỹ]{2,}")
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
    article: bool = False
    part: bool = False
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
    r"^(?:noi nhan\s*(?::|$)|(?:tm|kt|tl|ttl|q)\s*[./]?\s*(?:uy ban|ubnd|chu tich|bo truong|thu tuong|"
    r"giam doc|chanh van phong|chu nhiem|pho chu tich|truong ban)|\(da ky\))"
)


def closing(text: str) -> bool:
    """Whether ``text`` opens the closing block of an official text: "Nơi nhận:" (the
    recipients) or the signature ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "(Đã ký)")."""
    return bool(_CLOSING.match(light_fold(text).strip()))


def body_blocks(blocks: list[Block]) -> list[Block]:
    """The blocks without the closing blocks: from "Nơi nhận:" or a signature up to the next
    text attached after the signature (an appendix "PHỤ LỤC", the plan a Quyết định issues:
    "KẾ HOẠCH …", "(Ban hành kèm theo Quyết định số …)") nothing assigns work."""
    doc_types = [light_fold(t) for t in rules()["doc_types"]]
    kept: list[Block] = []
    skipping = False
    for block in blocks:
        text = block.text.strip()
        if not block.is_table and text:
            folded = light_fold(text).strip(" .")
            if (
                _APPENDIX.match(text)
                or _APPENDIX_TITLE.match(text)
                or folded.startswith(("(ban hanh kem theo", "(kem theo"))
                or (text.isupper() and any(folded.startswith(t) for t in doc_types))
            ):
                skipping = False
            elif closing(text):
                skipping = True
        if not skipping:
            kept.append(block)
    return kept


def outline(blocks: list[Block]) -> Node:
    root = Node("root")
    stack: list[Node] = [root]
    articles: list[Node] = []
    # A Quy định in chapters ("Chương I"): each of its articles is an item of its own.
    chaptered = any(_CHAPTER.match(b.text.strip()) for b in blocks if not b.is_table)
    chapter_title = False

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
        heading_of_chapter = chaptered and _chapter_heading(text, chapter_title, stack)
        chapter_title = heading_of_chapter and bool(_CHAPTER.match(text))
        if heading_of_chapter:
            continue
        article = _article_item(text, stack, every=chaptered)
        if article is not None:
            attach(article, _ARTICLE_DEPTH)
            articles.append(article)
            continue
        if not text or _ARTICLE.match(text):
            if text:
                stack[-1].children.append(Node("para", text=text, rest=text, parent=stack[-1]))
            continue
        if _APPENDIX.match(text):
            attach(Node("section", "PL", (), text, text), _SECTION_DEPTH)
            continue
        numbered = _numbered(text, stack)
        if numbered is not None:
            attach(*numbered)
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
    for article in articles:
        _number_under(article, article.number)
    return root


def _numbered(text: str, stack: list[Node]) -> tuple[Node, int] | None:
    """The section ("II. …"), item ("1.", "1.1.") or lettered item ("a)") ``text`` opens,
    with its depth, or None."""
    match = _ROMAN.match(text)
    if match and match.group("rest")[:1].isupper():
        value = roman_value(match.group("n"))
        return Node(
            "section", match.group("n"), (value,), text, match.group("rest")
        ), _SECTION_DEPTH
    match = _PART.match(text)
    if match and _mostly_upper(match.group("rest")) and not _ROMAN.match(text):
        # "A. MỤC ĐÍCH, YÊU CẦU", "D. TỔ CHỨC THỰC HIỆN": a part, the Roman sections under it.
        part = Node("section", match.group("n"), (), text, match.group("rest"), part=True)
        return part, _PART_DEPTH
    match = _ARABIC.match(text)
    if match:
        label = match.group("n") or match.group("m")
        rest = match.group("rest") or match.group("rest2")
        number = tuple(int(part) for part in label.split("."))
        if all(0 < n < 100 for n in number):
            return Node("item", label, number, text, rest), 10 + len(number)
    match = _step().match(text)
    if match:
        # "Bước 1. Trong thời gian 02 ngày làm việc, Ủy ban nhân dân cấp xã tiếp nhận …": a
        # step of a procedure, one level below the item (often a lettered point) it follows.
        parent = next((n for n in reversed(stack) if n.kind == "item" and not _is_step(n)), None)
        base = parent.number if parent is not None else ()
        label = match.group("n")
        return Node("item", f"B{label}", (*base, int(label)), text, match.group("rest")), (
            10 + len(base) + 1
        )
    match = _LETTER.match(text)
    if match and match.group("n") in _LETTERS:
        parent = _last_item(stack)
        base = parent.number if parent is not None else ()
        depth = (10 + len(base) + 1) if parent is not None else 11
        index = _LETTERS.index(match.group("n")) + 1
        return Node("item", match.group("n"), (*base, index), text, match.group("rest")), depth
    return None


# A lettered part (0) holds Roman sections (1); an article's item sits below the sections and
# above the numbered items (10 + depth).
_PART_DEPTH = 0
_SECTION_DEPTH = 1
_ARTICLE_DEPTH = 5
_ARTICLE_TITLE = re.compile(r"^Điều\s+(?P<n>\d{1,3})\s*[.:]\s*(?P<title>\S.*)?$", re.IGNORECASE)


_CHAPTER = re.compile(r"^Chương\s+(?:[IVXLC]{1,6}|\d{1,2})\s*[.:]?\s*$")


def _close_article(stack: list[Node]) -> None:
    """Take the open article item (and what is open under it) off ``stack``."""
    opened = next((i for i, n in enumerate(stack) if n.article), None)
    if opened is not None:
        del stack[opened:]


def _chapter_heading(text: str, after_chapter: bool, stack: list[Node]) -> bool:
    """Whether ``text`` is a chapter's heading ("Chương II", or the title in capitals right
    after it: "QUY ĐỊNH QUẢN LÝ …"), which closes the article before it and assigns nothing."""
    if _CHAPTER.match(text) or (after_chapter and _mostly_upper(text)):
        _close_article(stack)
        return True
    return False


def _article_item(text: str, stack: list[Node], *, every: bool = False) -> Node | None:
    """ "Điều 19. Trách nhiệm của Sở Xây dựng" -> an item numbered 19 whose ``rest`` is who
    the article concerns ("Sở Xây dựng"); "Điều 18. Tổ chức thực hiện" -> an item whose rest
    is its title; a bare "Điều 2." -> an item without a rest; with ``every`` (a Quy định in
    chapters) any article -> an item whose rest is its title. Other articles (and a Quyết định's own) are no item: None. Any article
    closes the article item open before it (taken off ``stack``). Rules: ``article_tasks``."""
    match = _ARTICLE_TITLE.match(text)
    if match is None:
        return None
    _close_article(stack)
    title = (match.group("title") or "").strip()
    number = int(match.group("n"))
    if not title:
        # "Điều 2." on a line of its own: its clauses or paragraphs below are its text.
        return Node("item", str(number), (number,), text, "", article=True)
    folded = light_fold(title)
    table = rules()["article_tasks"]
    rest = None
    for prefix in sorted((light_fold(p) for p in table["concerning"]), key=len, reverse=True):
        if folded.startswith(prefix + " "):
            rest = title[len(prefix) :].strip()
            break
    if rest is None and (every or any(folded.startswith(light_fold(t)) for t in table["titles"])):
        # ``every``: an article of a Quy định in chapters ("Điều 27. Quy định chuyển tiếp").
        rest = title
    if not rest:
        return None
    return Node("item", str(number), (number,), text, rest, article=True)


def _number_under(node: Node, prefix: tuple[int, ...]) -> None:
    """The clauses of an article numbered under it ("1." of "Điều 19" is 19.1)."""
    for child in node.children:
        if child.kind == "item":
            child.number = (*prefix, *child.number)
            _number_under(child, prefix)


def _depth(node: Node) -> int:
    if node.kind == "root":
        return -1
    if node.kind == "section":
        return _PART_DEPTH if node.part else _SECTION_DEPTH
    if node.article:
        return _ARTICLE_DEPTH
    if node.label and node.label[0].isalpha():
        return 10 + len(node.number)
    return 10 + len(node.number)


def _is_step(node: Node) -> bool:
    return node.label[:1] == "B" and node.label[1:].isdigit()


def _step() -> re.Pattern[str]:
    """ "Bước 1.", "Bước 2:": the steps of a procedure (rules: ``step_words``)."""
    words = "|".join(re.escape(w) for w in rules()["step_words"])
    return re.compile(rf"^(?:{words})\s+(?P<n>\d{{1,2}})\s*[.:)]\s*(?P<rest>\S.*)$", re.IGNORECASE)


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
    titles: list[tuple[int, str]] = []
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
            central = tuple(light_fold(t) for t in rules()["central_issuers"])
            if folded.startswith(
                (
                    "uy ban",
                    "ubnd",
                    "hoi dong nhan dan",
                    "chu tich",
                    "bo ",
                    "thu tuong",
                    "chinh phu",
                    "so ",
                    "van phong chinh phu",
                    *central,
                )
            ):
                header.issuer_text = text
                header.quotes["issuer"] = text
        if text.isupper() and not text.rstrip().endswith(":"):
            # "QUYẾT ĐỊNH:" opens the articles of a Quyết định; it is no title.
            folded = light_fold(text).strip(" .")
            for doc_type in doc_types:
                if folded == doc_type or folded.startswith(doc_type + " "):
                    titles.append((index, doc_type))
                    break
    if not titles:
        return _title_from_sentence(header, paragraphs[: min(len(paragraphs), 5)])
    return _title_block(header, paragraphs, titles)


def _title_block(header: Header, paragraphs: list[str], titles: list[tuple[int, str]]) -> Header:
    """The title from its block (the document type's line and the upper-case lines after it),
    for a Quyết định ban hành kế hoạch the title of the plan it issues."""
    title_at, header.doc_type = titles[0]
    for later, doc_type in titles[1:]:
        if header.doc_type == "quyet dinh" and doc_type in _PLAN_TYPES:
            # A Quyết định ban hành kế hoạch: the plan attached to it is the text's plan.
            title_at, header.doc_type = later, doc_type
            break
    parts = [paragraphs[title_at].strip()]
    end = title_at + 1
    while end < len(paragraphs) and end < title_at + 6:
        text = paragraphs[end].strip()
        if (
            not text
            or not (_mostly_upper(text) or (end == title_at + 1 and _SUBJECT.match(text)))
            or _ROMAN.match(text)
            or _ARABIC.match(text)
            or _AUTHORITY.match(light_fold(text))
        ):
            break
        parts.append(text)
        end += 1
    header.title = _plan_title(" ".join(parts), header.doc_type)
    header.quotes["title"] = " ".join(parts)
    header.body_start = end
    return header


# "ỦY BAN NHÂN DÂN TỈNH …", "CHỦ TỊCH …" under a Quyết định's title: who decides, not the title.
_AUTHORITY = re.compile(r"^(?:uy ban nhan dan|ubnd|chu tich|bo truong|thu tuong|giam doc)\b")
_PLAN_TYPES = ("ke hoach", "chuong trinh hanh dong", "chuong trinh", "phuong an", "de an")
_SUBJECT = re.compile(r"^(?:V/v|Về việc|về việc|Ban hành|ban hành)\b")
_ISSUES_PLAN = re.compile(
    r"\bban hanh\s+(?P<rest>(?:ke hoach|chuong trinh|phuong an|de an)\b.*)$", re.IGNORECASE
)


def _plan_title(title: str, doc_type: str) -> str:
    """The plan's own title: "QUYẾT ĐỊNH Về việc ban hành Kế hoạch X" -> "Kế hoạch X"."""
    if doc_type != "quyet dinh":
        return title
    match = _ISSUES_PLAN.search(light_fold(title))
    if match is None:
        return title
    rest = title[match.start("rest") :].strip()
    return rest[:1].upper() + rest[1:]


_SENTENCE_TITLE = re.compile(
    r"^(?P<type>quyet dinh|ke hoach|chi thi|cong van|chuong trinh|thong bao)\s+so\s+"
    r"(?P<number>\d[\w/.\-]*\w)\b.*?\bve viec\b",
)


def _title_from_sentence(header: Header, paragraphs: list[str]) -> Header:
    """A text without a title block whose first line names it ("Quyết định số 4266/QĐ-UBND
    của UBND tỉnh về việc công bố …"): that line is the title, with its number."""
    for index, paragraph in enumerate(paragraphs):
        text = paragraph.strip()
        if text.startswith("#"):
            continue
        match = _SENTENCE_TITLE.match(light_fold(text))
        if match is None:
            continue
        header.title = _plan_title(text, match.group("type"))
        header.doc_type = match.group("type")
        header.quotes["title"] = text
        if not header.number:
            header.number = text[match.start("number") : match.end("number")]
            header.quotes["number"] = text
        header.body_start = index + 1
        break
    return header


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
