"""The consolidated report as a .docx draft in the layout of Nghị định 30/2020/NĐ-CP (Phụ lục I).

A4; margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman throughout. Header as a
borderless two-column table: the parent body (regular) over the issuing body (bold, a short line
under it) and "Số: …/BC-…"; the national title (bold) over the motto (bold, underlined) and the
place and date in italics. Title "BÁO CÁO" and its summary line, bold and centred. Body 14 pt,
justified, first-line indent 1.27 cm, 6 pt after each paragraph. Signature block with the title
in uppercase bold; "Nơi nhận:" bold italic 12 with its list in 11.
"""

from __future__ import annotations

import copy
import functools
import io
from datetime import date

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Emu, Length, Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from bot.digest import Digest, ItemLine, UnitUpdate, consolidation_rule
from bot.i18n import Translator
from bot.progress import BUCKETS
from bot.reports.labels import bucket_label, missing_label, names, percent, role_label, status_label
from bot.reports.titles import (
    author,
    document_code,
    issuer,
    place_and_date,
    recipient,
    report_summary,
    section_heading,
    signature_title,
)
from scheduler.calendar import deadline_text

FONT = "Times New Roman"
BODY_SIZE = 14
HEADER_SIZE = 13
# Column widths; each table spans the 16.5 cm between the margins (210 - 30 - 15 mm). The right
# header column holds "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (bold 12) and the date line on one line.
HEADER_WIDTHS = (Cm(6.5), Cm(10.0))
SUMMARY_WIDTHS = (Cm(1.3), Cm(5.0), Cm(3.7), Cm(2.9), Cm(3.6))
SIGNATURE_WIDTHS = (Cm(7.5), Cm(9.0))
CELL_PADDING = Cm(0.19)  # Word's default left and right cell margins
HEADER_LINE_PT = 15  # the height of a 13 pt header line, in points

Container = DocumentObject | _Cell


def _set_font(run_or_style_font_element: object, name: str = FONT) -> None:
    """Set every font slot (ascii, hAnsi, east Asian, complex script) so Word keeps the font."""
    element = run_or_style_font_element
    r_pr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)


def _paragraph(
    container: Container,
    text: str = "",
    *,
    size: float = BODY_SIZE,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    space_after: float = 6,
    space_before: float = 0,
    keep_with_next: bool = False,
) -> Paragraph:
    paragraph = _add_paragraph(container)
    template = _paragraph_format(align, space_after, space_before, indent, keep_with_next)
    paragraph._p.insert(0, copy.deepcopy(template))
    if text:
        _run(paragraph, text, size=size, bold=bold, italic=italic, underline=underline)
    return paragraph


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    size: float = BODY_SIZE,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
) -> None:
    template = _run_format(size, bold, italic, underline)
    lines = text.split("\n")
    for index, line in enumerate(lines):
        element = copy.deepcopy(template)
        paragraph._p.append(element)
        element.text = line  # python-docx's own text setter (tabs, line breaks)
        if index < len(lines) - 1:
            element.add_br()


# Building speed (BENCHMARKS.md): python-docx's Document.add_paragraph looks for the body's
# w:sectPr among all of the body's children before inserting, so a report of thousands of
# paragraphs was quadratic; and each run's font, size, bold, italic and underline setters each
# search the run's properties. Paragraphs are therefore inserted right before the body's last
# child (the w:sectPr) and their properties, like the runs', are copied from one element built
# once per combination with python-docx's own setters: the same XML, built once.


def _add_paragraph(container: Container) -> Paragraph:
    if isinstance(container, _Cell):
        added: Paragraph = container.add_paragraph()
        return added
    body = container.element.body
    element = OxmlElement("w:p")
    try:
        last = body[-1]
    except IndexError:
        body.append(element)
    else:
        if last.tag == qn("w:sectPr"):
            last.addprevious(element)
        else:
            body.append(element)
    return Paragraph(element, container._body)


@functools.cache
def _paragraph_format(
    align: WD_ALIGN_PARAGRAPH | None,
    space_after: float,
    space_before: float,
    indent: bool,
    keep_with_next: bool,
) -> BaseOxmlElement:
    """The w:pPr of a paragraph with these properties (copy it, never change it)."""
    paragraph = Paragraph(OxmlElement("w:p"), None)  # type: ignore[arg-type]
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(space_before)
    fmt.first_line_indent = Cm(1.27) if indent else None
    fmt.keep_with_next = keep_with_next
    return paragraph._p.get_or_add_pPr()


@functools.cache
def _run_format(size: float, bold: bool, italic: bool, underline: bool) -> BaseOxmlElement:
    """An empty w:r whose w:rPr has these properties (copy it, never change it)."""
    run = Paragraph(OxmlElement("w:p"), None).add_run()  # type: ignore[arg-type]
    run.font.name = FONT
    _set_font(run._element)
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic
    run.underline = underline
    return run._element


# Children of w:pPr and w:tblPr that the schema puts after w:pBdr / w:tblBorders: Word insists
# on the schema's order, so the borders go before the first of these that is present.
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange",
)  # fmt: skip
_AFTER_TBLBORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption")


def _short_rule(paragraph: Paragraph) -> None:
    """An empty paragraph drawn as a short solid line (its indents set the line's length).

    Its paragraph mark is made tiny so that the line sits right under the text above it.
    """
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    p_pr.insert_element_before(borders, *_AFTER_PBDR)
    mark = OxmlElement("w:rPr")
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), "4")  # half-points: a 2 pt line box
        mark.append(size)
    p_pr.insert_element_before(mark, "w:sectPr", "w:pPrChange")
    paragraph.paragraph_format.line_spacing = Pt(2)


def _no_borders(table_element: object) -> None:
    tbl_pr = table_element.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.insert_element_before(borders, *_AFTER_TBLBORDERS)


def _column_widths(table: Table, widths: tuple[Length, ...]) -> None:
    """Fix the columns' widths in the table grid (what LibreOffice and Word lay out by) and in
    every cell; without the grid, both split the table into equal columns."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for tr in table._tbl.tr_lst:
        index = 0
        for tc in tr.tc_lst:  # a merged cell spans several grid columns
            tc.width = Emu(sum(widths[index : index + tc.grid_span]))
            index += tc.grid_span


def _page_number_header(document: DocumentObject) -> None:
    """Page numbers centred at the top from page 2 (the decree's layout)."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    run.font.size = Pt(HEADER_SIZE)
    _set_font(run._element)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)


def _setup(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(20)
    section.bottom_margin = Mm(20)
    section.left_margin = Mm(30)
    section.right_margin = Mm(15)
    section.header_distance = Mm(10)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_SIZE)
    _set_font(normal.element)
    table_style = document.styles["Table Grid"]
    table_style.font.name = FONT
    _set_font(table_style.element)


def _estimated_lines(text: str, size: float, width: Length) -> int:
    """How many lines UPPERCASE Times New Roman text takes in a column (greedy word wrap).

    An estimate (a capital with its diacritics is about 0.62 em wide), good enough to line up
    the two header columns.
    """
    usable = width - 2 * CELL_PADDING
    per_line = max(1, int(usable / Pt(size * 0.62)))
    lines, used = 1, 0
    for word in text.split():
        needed = len(word) if used == 0 else used + 1 + len(word)
        if used and needed > per_line:
            lines, used = lines + 1, len(word)
        else:
            used = needed
    return lines


def _header_lines(parent: str, issuing: str) -> int:
    """Lines taken by the parent body and the issuing body in the left header column."""
    width = HEADER_WIDTHS[0]
    return _estimated_lines(parent.upper(), HEADER_SIZE, width) + _estimated_lines(
        issuing.upper(), HEADER_SIZE, width
    )


def _header(document: DocumentObject, digest: Digest, t: Translator, day: date) -> None:
    _ = t.gettext
    writer = author(digest.plan)
    parent = issuer(digest.plan)
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table._tbl)
    _column_widths(table, HEADER_WIDTHS)
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER

    first = left.paragraphs[0]
    first.alignment = center
    first.paragraph_format.space_after = Pt(0)  # not the template's 10 pt
    _run(first, parent.name.upper(), size=HEADER_SIZE)
    issuing = _paragraph(
        left, writer.name.upper(), size=HEADER_SIZE, bold=True, align=center, space_after=0
    )
    issuing.paragraph_format.space_after = Pt(0)
    rule = _paragraph(left, "", size=4, align=center, space_after=6)
    rule.paragraph_format.left_indent = Cm(2.0)
    rule.paragraph_format.right_indent = Cm(2.0)
    _short_rule(rule)
    _paragraph(
        left,
        _("No.: …/BC-{code}").format(code=document_code(writer)),
        size=HEADER_SIZE,
        align=center,
        space_after=0,
    )

    national = right.paragraphs[0]
    national.alignment = center
    national.paragraph_format.space_after = Pt(0)
    _run(national, _("SOCIALIST REPUBLIC OF VIETNAM"), size=12, bold=True)
    _paragraph(
        right,
        _("Independence - Freedom - Happiness"),
        size=13,
        bold=True,
        underline=True,
        align=center,
        # The date line goes level with "Số: …" however many lines the two bodies' names take.
        space_after=12 + HEADER_LINE_PT * (_header_lines(parent.name, writer.name) - 2),
    )
    _paragraph(
        right,
        place_and_date(digest.plan, day, t),
        size=14,
        italic=True,
        align=center,
        space_after=0,
    )


def _title(document: DocumentObject, digest: Digest, t: Translator) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(
        document, t.gettext("REPORT"), bold=True, align=center, space_before=18, space_after=0
    )
    _paragraph(document, report_summary(digest, t), bold=True, align=center, space_after=18)


def _reporting_section(document: DocumentObject, digest: Digest, t: Translator) -> None:
    _ = t.gettext
    _heading(document, "I. " + _("REPORTING BY THE UNITS").upper())
    reported = digest.count("on_time") + digest.count("late")
    _paragraph(
        document,
        _(
            "As of {moment}, {reported} of {total} units have sent their report: {on_time} on "
            "time ({on_time_pct}), {late} late ({late_pct}); {missing} units have not reported "
            "yet, {overdue} of them past the deadline."
        ).format(
            moment=t.format_datetime(digest.generated_at, digest.tz),
            reported=reported,
            total=digest.total,
            on_time=digest.count("on_time"),
            on_time_pct=percent(t, digest.percent("on_time")),
            late=digest.count("late"),
            late_pct=percent(t, digest.percent("late")),
            missing=digest.count("pending") + digest.count("overdue"),
            overdue=digest.count("overdue"),
        ),
        indent=True,
    )
    _paragraph(
        document,
        _("The units' deadline for {round} was {deadline}.").format(
            round=digest.round.label(t), deadline=deadline_text(t, digest.round.due)
        )
        if digest.generated_at >= digest.round.deadline
        else _("The units' deadline for {round} is {deadline}.").format(
            round=digest.round.label(t), deadline=deadline_text(t, digest.round.due)
        ),
        indent=True,
    )
    missing = digest.missing_units
    if missing:
        _paragraph(
            document,
            _("Units that have not reported: {units}.").format(
                units=", ".join(unit.name for unit in missing)
            ),
            indent=True,
        )
    _paragraph(
        document,
        _("Summary of the units' reporting:"),
        italic=True,
        indent=True,
        keep_with_next=True,
    )
    headers = (_("No."), _("Unit"), _("Reporting state"), _("Reported at"), _("Still owed"))
    table = document.add_table(rows=1, cols=len(headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _cell_text(cell, header, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _row_flag(table.rows[0], "w:tblHeader")  # repeated at the top of every page
    for index, unit in enumerate(digest.units, start=1):
        row = table.add_row().cells
        reported_at = (
            t.format_datetime(unit.reported_at, digest.tz) if unit.reported_at is not None else ""
        )
        values = (
            str(index),
            unit.name,
            bucket_label(t, unit.bucket),
            reported_at,
            _unbroken_ranges(missing_label(t, digest, unit.missing)),
        )
        for cell, value in zip(row, values, strict=True):
            _cell_text(
                cell,
                value,
                align=WD_ALIGN_PARAGRAPH.CENTER if value == values[0] else WD_ALIGN_PARAGRAPH.LEFT,
            )
    for bucket in BUCKETS:
        row = table.add_row().cells
        merged = row[0].merge(row[2])
        _cell_text(merged, bucket_label(t, bucket), bold=True)
        _cell_text(row[3], str(digest.count(bucket)), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell_text(row[4], percent(t, digest.percent(bucket)), align=WD_ALIGN_PARAGRAPH.CENTER)
    _column_widths(table, SUMMARY_WIDTHS)
    for table_row in table.rows:
        _row_flag(table_row, "w:cantSplit")  # a unit's row is not cut by a page break
    _paragraph(document, "", space_after=6)


def _heading(document: DocumentObject, text: str) -> None:
    """A bold heading of the body, indented, kept on the page of what follows it."""
    _paragraph(document, text, bold=True, indent=True, keep_with_next=True)


def _obstacle(document: DocumentObject, update: UnitUpdate, t: Translator) -> None:
    _paragraph(
        document,
        t.gettext("Obstacle reported by {unit}: {text}").format(
            unit=update.short_name, text=_sentence(update.text)
        ),
        italic=True,
        indent=True,
    )


def _sentence(text: str) -> str:
    """A unit's text on one line, closed with a full stop unless it has its own punctuation."""
    flat = " ".join(text.split())
    return flat if not flat or flat[-1] in ".!?…;:)" else flat + "."


def _unbroken_ranges(text: str) -> str:
    """Keep "1.1–1.9" on one line: word joiners around the dash forbid a break there."""
    return text.replace("–", "\u2060–\u2060")


def _row_flag(row: _Row, tag: str) -> None:
    """Set an on/off property of a table row (w:cantSplit, w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(tag)) is None:
        # CT_TrPr children are a choice group: any order is valid.
        tr_pr.append(OxmlElement(tag))


def _cell_text(
    cell: _Cell, text: str, *, bold: bool = False, align: WD_ALIGN_PARAGRAPH | None = None
) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align if align is not None else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.space_after = Pt(2)
    _run(paragraph, text, size=12, bold=bold)


def _item(document: DocumentObject, digest: Digest, item: ItemLine, t: Translator) -> None:
    _ = t.gettext
    _paragraph(
        document, f"{item.task_id}. {item.title}", bold=True, indent=True, keep_with_next=True
    )
    if not item.general:
        assigned = _("Lead: {lead}").format(lead=names(digest, item.leads, full=True) or "—")
        if item.coordinators:
            assigned += "; " + _("coordinating: {units}").format(
                units=names(digest, item.coordinators, full=True)
            )
        _paragraph(document, assigned + ".", italic=True, indent=True)
        _paragraph(
            document,
            _("Status: {status}.").format(status=status_label(t, item.status)),
            indent=True,
        )
    if item.general:
        return  # the units' general reports follow the group (one report covers 1.1–1.9)
    if not item.updates:
        _paragraph(document, _("No unit has reported on this item yet."), italic=True, indent=True)
        return
    _updates(document, item.updates, t)
    for update in item.blocking:
        _obstacle(document, update, t)


def _general_block(document: DocumentObject, digest: Digest, t: Translator) -> None:
    """After the general tasks: every unit's report on them, which covers the whole group."""
    _ = t.gettext
    span = digest.general_range
    _paragraph(
        document,
        _unbroken_ranges(
            _(
                "Results reported on the general tasks {range} (one report covers them): "
                "{count}/{total} units have reported."
            ).format(range=span, count=len(digest.general_reporters()), total=digest.total)
        ),
        italic=True,
        indent=True,
        keep_with_next=bool(digest.general_updates),
    )
    _updates(document, digest.general_updates, t)
    for update in digest.general_updates:
        if update.status == "blocked":
            _obstacle(document, update, t)


def _updates(document: DocumentObject, updates: tuple[UnitUpdate, ...], t: Translator) -> None:
    _ = t.gettext
    for update in updates:
        paragraph = _paragraph(document, indent=True)
        who = (
            update.short_name
            if update.role == "general"
            else (f"{update.short_name} ({role_label(t, update.role)})")
        )
        _run(paragraph, f"- {who}: ", bold=True)
        _run(paragraph, " ".join(update.text.split()))
        suffix = status_label(t, update.status)
        if update.corrected:
            suffix += ", " + _("corrected")
        if update.late:
            suffix += ", " + _("reported late")
        _run(paragraph, f" ({suffix}).", italic=True)


def _tasks_section(document: DocumentObject, digest: Digest, t: Translator) -> None:
    _ = t.gettext
    _heading(document, "II. " + _("RESULTS TASK BY TASK").upper())
    sections: list[str] = []
    parents: set[str] = set()
    for item in digest.items_in_plan_order:
        if item.section not in sections:
            sections.append(item.section)
            _heading(document, section_heading(digest, item.section, t, len(sections)))
        if item.parent_id is not None and item.parent_id not in parents:
            parents.add(item.parent_id)
            parent = digest.plan.task(item.parent_id)
            _paragraph(
                document,
                f"{parent.id}. {parent.title}",
                bold=True,
                italic=True,
                indent=True,
                keep_with_next=True,
            )
        _item(document, digest, item, t)
        general = digest.general_items
        if item.general and item.task_id == general[-1].task_id:
            _general_block(document, digest, t)


def _obstacles_and_proposals(document: DocumentObject, digest: Digest, t: Translator) -> None:
    _ = t.gettext
    _heading(document, "III. " + _("DIFFICULTIES AND OBSTACLES").upper())
    if digest.blocked_items:
        for item in digest.blocked_items:
            for update in item.blocking:
                _paragraph(
                    document,
                    f"- {item.task_id} ({update.short_name}): {_sentence(update.text)}",
                    indent=True,
                )
    else:
        _paragraph(document, _("No unit has reported an obstacle."), indent=True)
    _heading(document, "IV. " + _("PROPOSALS AND RECOMMENDATIONS").upper())
    placeholder = _paragraph(document, indent=True)
    _run(placeholder, _("[Proposals and recommendations: …]"), italic=True)
    for run in placeholder.runs:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    closing = _(
        "Above is the report on the results of {round}. {author} respectfully reports to "
        "{recipient} for consideration and direction./."
    ).format(
        round=digest.round.label(t),
        author=author(digest.plan).name,
        recipient=recipient(digest.plan).name,
    )
    _paragraph(document, closing, indent=True, keep_with_next=True)  # not apart from the signature


def _signature(document: DocumentObject, digest: Digest, t: Translator) -> None:
    _ = t.gettext
    writer = author(digest.plan)
    table = document.add_table(rows=1, cols=2)
    _no_borders(table._tbl)
    _column_widths(table, SIGNATURE_WIDTHS)
    _row_flag(table.rows[0], "w:cantSplit")
    left, right = table.rows[0].cells
    heading = left.paragraphs[0]
    heading.paragraph_format.space_before = Pt(6)
    heading.paragraph_format.space_after = Pt(0)
    _run(heading, _("Recipients:"), size=12, bold=True, italic=True)
    for line in _recipients(digest, t):
        paragraph = _paragraph(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0)
        paragraph.paragraph_format.space_after = Pt(0)
    title = right.paragraphs[0]
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(6)
    title.paragraph_format.space_after = Pt(0)
    _run(title, signature_title(writer, t).upper(), size=BODY_SIZE, bold=True)
    _paragraph(right, "\n\n\n", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    name = _paragraph(right, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _run(name, _("[Full name]"), bold=True)
    for run in name.runs:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _recipients(digest: Digest, t: Translator) -> list[str]:
    _ = t.gettext
    plan = digest.plan
    writer = author(plan)
    lines = [_("- {name} (for report);").format(name=recipient(plan).name)]
    rule = consolidation_rule(plan)
    unit_rule = next((r for r in plan.reporting if r.consolidates is None), None)
    if rule is not None:
        for cc in rule.cc:
            lines.append(f"- {plan.agency(cc).name};")
    if unit_rule is not None:
        for who in unit_rule.who:
            lines.append(f"- {plan.agency(who).name};")
    lines.append(_("- Filed: Archive, {code}.").format(code=document_code(writer)))
    return lines


def render_docx(digest: Digest, t: Translator, *, drafted_on: date | None = None) -> bytes:
    """The report as .docx bytes; ``drafted_on`` defaults to the digest's date (local)."""
    day = drafted_on or digest.generated_at.astimezone(digest.tz).date()
    document = Document()
    _setup(document)
    _page_number_header(document)
    _header(document, digest, t, day)
    _title(document, digest, t)
    _reporting_section(document, digest, t)
    _tasks_section(document, digest, t)
    _obstacles_and_proposals(document, digest, t)
    _signature(document, digest, t)
    core = document.core_properties
    core.title = report_summary(digest, t)
    core.author = author(digest.plan).name
    core.created = digest.generated_at
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
