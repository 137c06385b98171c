"""Read a plan's published file (.docx, .pdf, .txt) into paragraphs and tables, in order.

A :class:`Document` is a sequence of blocks: a paragraph (one line of text) or a table (rows of
cell texts). Word documents keep their paragraphs; a PDF's lines are joined back into paragraphs
(a line that does not start a numbered item, a bullet or a new sentence continues the one
before). Anything that cannot be read raises :class:`UnreadableFile` with the reason.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["SUPPORTED_SUFFIXES", "Block", "Document", "UnreadableFile", "read_document"]

SUPPORTED_SUFFIXES = (".docx", ".pdf", ".txt")

_ITEM_START = re.compile(
    r"^\s*(?:[IVXLC]+[.)]\s|\d+(?:\.\d+)*[.)]?\s|[a-zđ][.)]\s|[-–—+•*]\s?|Phụ lục|PHỤ LỤC)"
)


class UnreadableFile(Exception):
    """The file cannot be read as a plan; ``reason`` says why (``kind`` for the message)."""

    def __init__(
        self, kind: Literal["missing", "type", "broken", "empty"], detail: str = ""
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Block:
    """A paragraph (``rows`` empty) or a table (``text`` empty, ``rows`` of cell texts)."""

    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def is_table(self) -> bool:
        return bool(self.rows)


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]

    def paragraphs(self) -> Iterator[str]:
        for block in self.blocks:
            if not block.is_table:
                yield block.text


def read_document(path: Path) -> Document:
    """The blocks of the file at ``path``; :class:`UnreadableFile` when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile("type", suffix or path.name)
    if not path.is_file():
        raise UnreadableFile("missing", str(path))
    if suffix == ".txt":
        blocks = _read_text(path)
    elif suffix == ".docx":
        blocks = _read_docx(path)
    else:
        blocks = _read_pdf(path)
    cleaned = tuple(b for b in blocks if b.is_table or b.text.strip())
    if not any(b.text.strip() or b.rows for b in cleaned):
        raise UnreadableFile("empty", str(path))
    return Document(cleaned)


def _clean(text: str) -> str:
    text = text.replace("\xa0", " ").replace("\u200b", "").replace("\t", " ")
    return re.sub(r"[ ]{2,}", " ", text).strip()


def _read_text(path: Path) -> list[Block]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("broken", f"UTF-8 ({exc.start})") from exc
    if "\x00" in text:
        raise UnreadableFile("broken", "binary")
    blocks: list[Block] = []
    lines: list[str] = []
    rows: list[tuple[str, ...]] = []

    def flush_lines() -> None:
        blocks.extend(Block(text=line) for line in _unwrap([_clean(line) for line in lines]))
        lines.clear()

    all_lines = text.splitlines()
    for index, line in enumerate(all_lines):
        cells = _table_cells(line, in_table=bool(rows))
        if cells is None and rows:
            cells = _group_row(line, all_lines[index + 1 : index + 2])
        if cells is not None:
            flush_lines()
            if any(cells):
                rows.append(cells)
            continue
        if rows:
            blocks.append(Block(rows=tuple(rows)))
            rows = []
        lines.append(line)
    if rows:
        blocks.append(Block(rows=tuple(rows)))
    flush_lines()
    return blocks


_GROUP_ROW = re.compile(r"^(?P<n>[IVXLC]{1,5}|[A-Z])\s*[.)]\s+(?P<rest>\S.{0,150})$")


def _group_row(line: str, following: list[str]) -> tuple[str, ...] | None:
    """A group row of an open table written as a line of its own ("I. Kinh tế số" between
    "TT | Chỉ tiêu | Chủ trì" and "1 | … | Sở Tài chính", as a copy writes merged cells):
    the row ("I", "Kinh tế số") when the next line goes on with the table, else None."""
    match = _GROUP_ROW.match(line.strip())
    if match is None or "|" in line:
        return None
    if not following or _table_cells(following[0], in_table=True) is None:
        return None
    return (match.group("n"), _clean(match.group("rest")))


_RULE_ROW = re.compile(r"^[\s|:+\-–—=]+$")


def _table_cells(line: str, in_table: bool = False) -> tuple[str, ...] | None:
    """The cells of a table row pasted as text, or None: cells between "|" ("| 1 | Nhiệm vụ |
    Sở Y tế |", as Markdown or a copied grid writes them), cells only separated by "|"
    ("TT | Nội dung | Cơ quan chủ trì", three cells or more to open a table; once a table is
    open, a group row "I | NHIỆM VỤ CHUNG" of two cells continues it) or separated by tabs (a
    table copied from Word). A rule row ("|---|---|") is a row with no cells."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        if _RULE_ROW.match(stripped):
            return ()
        return tuple(_clean(cell) for cell in stripped.strip("|").split("|"))
    if stripped.count("|") >= (1 if in_table else 2) and not stripped.startswith("|"):
        if _RULE_ROW.match(stripped):
            return ()
        cells = tuple(_clean(cell) for cell in stripped.split("|"))
        if all(cells[:2]):
            return cells
    if line.count("\t") >= 2:
        cells = tuple(_clean(cell) for cell in line.split("\t"))
        if sum(1 for cell in cells if cell) >= 2:
            return cells
    return None


_LETTER_ITEM = re.compile(r"^[a-zđ]\)\s+\S")


def _unwrap(lines: list[str]) -> list[str]:
    """Paragraphs of a text whose lines may be wrapped: a line that starts with a lower-case
    letter continues the line before it when that one does not end a sentence ("… chủ trì,
    phối" / "hợp với …", as copied from a published page). A line that opens with a letter
    item's mark ("a) Tham mưu …", "đ) …") starts an item of its own, even under a heading
    without a full stop ("2.1. Sở Tài chính" / "a) Tham mưu …")."""
    paragraphs: list[str] = []
    for line in lines:
        if paragraphs and (
            (
                paragraphs[-1]
                and line[:1].islower()
                and paragraphs[-1][-1] not in ".;:!?"
                and not _LETTER_ITEM.match(line)
            )
            or paragraphs[-1].casefold() == "điều"
        ):
            # ... and "Điều" / "2. Giao ..." is the article "Điều 2. Giao ...".
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
    return paragraphs


def _read_docx(path: Path) -> list[Block]:
    import docx
    from docx.opc.exceptions import OpcError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document: Any = docx.Document(str(path))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile("broken", str(exc)) from exc
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            for line in item.text.split("\n"):
                blocks.append(Block(text=_clean(line)))
        elif isinstance(item, Table):
            rows: list[tuple[str, ...]] = []
            for row in item.rows:
                cells: list[str] = []
                previous: object = None
                for cell in row.cells:
                    # A merged cell is returned once per grid column: keep it once.
                    if cell._tc is previous:
                        continue
                    previous = cell._tc
                    cells.append(_clean(" ".join(p.text for p in cell.paragraphs)))
                rows.append(tuple(cells))
            if rows:
                blocks.append(Block(rows=tuple(rows)))
    return blocks


def _read_pdf(path: Path) -> list[Block]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    blocks: list[Block] = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                tables = page.find_tables()
                boxes = [table.bbox for table in tables]
                outside = page
                for box in boxes:
                    outside = outside.outside_bbox(box)
                pieces: list[tuple[float, Block | _Line]] = []
                for line in outside.extract_text_lines():
                    pieces.append(
                        (
                            float(line["top"]),
                            _Line(
                                str(line["text"]),
                                float(line["x0"]),
                                float(line["x1"]),
                                float(line["top"]),
                                float(line["bottom"]),
                            ),
                        )
                    )
                for table in tables:
                    rows = tuple(
                        tuple(_clean(cell or "") for cell in row)
                        for row in table.extract()
                        if any((cell or "").strip() for cell in row)
                    )
                    if rows:
                        pieces.append((float(table.bbox[1]), Block(rows=rows)))
                pieces.sort(key=lambda piece: piece[0])
                lines: list[_Line] = []
                for _top, piece in pieces:
                    if isinstance(piece, Block):
                        blocks.extend(Block(text=t) for t in _join_lines(lines))
                        lines = []
                        blocks.append(piece)
                    else:
                        lines.append(piece)
                page_paragraphs = _join_lines(lines)
                if (
                    page_paragraphs
                    and blocks
                    and not blocks[-1].is_table
                    and page_paragraphs[0][:1].islower()
                ):
                    # A paragraph that goes on from the page before.
                    blocks[-1] = Block(text=f"{blocks[-1].text} {page_paragraphs.pop(0)}")
                blocks.extend(Block(text=t) for t in page_paragraphs)
    except (PDFSyntaxError, PdfminerException, OSError, ValueError) as exc:
        raise UnreadableFile("broken", str(exc)) from exc
    return blocks


@dataclass(frozen=True)
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def _join_lines(lines: list[_Line]) -> list[str]:
    """PDF lines back into paragraphs, from their place on the page: a line starts a paragraph
    when it starts an item (numbering, bullet), or when it does not start in lower case and the
    line before it stopped short of the right margin, or it is indented more than the text's
    left edge, or it comes after a gap wider than a line."""
    if not lines:
        return []
    right = max(line.x1 for line in lines)
    left = min(line.x0 for line in lines)
    heights = sorted(line.bottom - line.top for line in lines)
    height = heights[len(heights) // 2] or 10.0
    paragraphs: list[str] = []
    previous: _Line | None = None
    for line in lines:
        text = _clean(line.text)
        if not text:
            continue
        if previous is None or not paragraphs:
            paragraphs.append(text)
            previous = line
            continue
        starts_item = bool(_ITEM_START.match(text))
        short_before = previous.x1 < right - 3 * height
        indented = line.x0 > left + 1.5 * height
        gap = line.top - previous.bottom > 1.2 * height
        continues = text[:1].islower()  # a paragraph never starts in lower case
        if starts_item or (not continues and (short_before or indented or gap)):
            paragraphs.append(text)
        else:
            paragraphs[-1] = f"{paragraphs[-1]} {text}"
        previous = line
    return paragraphs
