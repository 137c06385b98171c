"""The .docx draft read back with python-docx: Nghị định 30/2020 layout, content, fonts."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table

from bot.bootstrap import Services
from bot.digest import Digest, build_digest
from bot.i18n import translator
from bot.plan import Plan
from bot.reports import render_docx
from tests.conftest import local
from tests.support.report_round import (
    BLOCKED_TEXT_YT,
    CORRECTED_TEXT,
    RETRACTED_TEXT,
    script_round,
)

VI = translator("vi")


def make_digest(services: Services, plan: Plan | None = None) -> Digest:
    script_round(services.db)
    with services.db.session() as session:
        return build_digest(
            session,
            plan or services.plan,
            services.calendar.parse("2021-Q1"),
            local(2021, 3, 22, 9, 0),
        )


def read(content: bytes) -> DocumentObject:
    return docx.Document(io.BytesIO(content))


@pytest.fixture
def document(services: Services) -> DocumentObject:
    return read(render_docx(make_digest(services), VI))


def texts(document: DocumentObject) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_page_is_a4_with_the_decree_margins(document: DocumentObject) -> None:
    section = document.sections[0]
    assert section.page_width is not None
    assert section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert all(margin is not None for margin in margins)
    top, bottom, left, right = (round(m.mm, 1) for m in margins if m is not None)
    assert 20 <= top <= 25
    assert 20 <= bottom <= 25
    assert 30 <= left <= 35
    assert 15 <= right <= 20


def test_header_has_the_two_columns(document: DocumentObject) -> None:
    left, right = document.tables[0].rows[0].cells
    left_lines = [p for p in left.paragraphs if p.text]
    right_lines = [p for p in right.paragraphs if p.text]

    assert [p.text for p in left_lines] == [
        "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG",
        "SỞ KẾ HOẠCH VÀ ĐẦU TƯ",
        "Số: …/BC-SKHĐT",
    ]
    assert not left_lines[0].runs[0].bold
    assert left_lines[1].runs[0].bold
    assert left_lines[0].runs[0].font.size in (Pt(12), Pt(13))
    # a short solid line under the issuing body
    rule = left.paragraphs[2]
    assert rule.text == ""
    assert rule._p.pPr.find(qn("w:pBdr")) is not None

    assert [p.text for p in right_lines] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Tuyên Quang, ngày 22 tháng 3 năm 2021",
    ]
    assert right_lines[0].runs[0].bold
    motto = right_lines[1].runs[0]
    assert motto.bold
    assert motto.underline
    assert motto.font.size in (Pt(13), Pt(14))
    assert right_lines[2].runs[0].italic
    # borderless header table
    borders = document.tables[0]._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None
    assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}


def _grid_widths_cm(table: Table) -> list[float]:
    grid = table._tbl.tblGrid
    return [round(int(col.get(qn("w:w"))) * 2.54 / 1440, 2) for col in grid.gridCol_lst]


def test_tables_lay_out_by_their_grid(document: DocumentObject) -> None:
    # LibreOffice and Word lay a table out by its grid (w:gridCol), not by the cells' widths:
    # a default grid splits the header in equal halves and the national title breaks in two.
    header, summary, signature = document.tables[0], document.tables[1], document.tables[-1]
    text_width = 21.0 - 3.0 - 1.5
    for table in (header, summary, signature):
        widths = _grid_widths_cm(table)
        assert sum(widths) == pytest.approx(text_width, abs=0.05)
        for row in table.rows:
            tcs = row._tr.tc_lst
            spans = [tc.grid_span for tc in tcs]
            assert sum(spans) == len(widths)
            start = 0
            for tc, span in zip(tcs, spans, strict=True):
                assert tc.width is not None
                assert tc.width.cm == pytest.approx(sum(widths[start : start + span]), abs=0.05)
                start += span
    _left, right = _grid_widths_cm(header)
    assert right >= 9.2  # "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in bold 12 pt is 8.8 cm
    number, unit, *_rest = _grid_widths_cm(summary)
    assert number >= 1.2  # "STT" in bold 12 pt on one line
    assert unit == max(_grid_widths_cm(summary))
    first = summary.rows[0]._tr.trPr
    assert first is not None
    assert first.find(qn("w:tblHeader")) is not None  # repeated on every page


def test_borders_follow_the_schema_order(document: DocumentObject) -> None:
    # Word rejects a paragraph or table whose properties are out of the schema's order.
    rule = document.tables[0].rows[0].cells[0].paragraphs[2]._p.pPr
    tags = [child.tag for child in rule]
    assert tags.index(qn("w:pBdr")) < min(
        tags.index(qn(tag)) for tag in ("w:spacing", "w:ind", "w:jc")
    )
    for table in document.tables:
        tags = [child.tag for child in table._tbl.tblPr]
        if qn("w:tblBorders") in tags:
            assert tags.index(qn("w:tblBorders")) < tags.index(qn("w:tblLook"))


def test_title_and_summary_line(document: DocumentObject) -> None:
    lines = texts(document)
    title_index = lines.index("BÁO CÁO")
    title = document.paragraphs[title_index]
    summary = document.paragraphs[title_index + 1]
    assert title.runs[0].bold
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert summary.runs[0].bold
    assert summary.text.startswith(
        "Kết quả thực hiện Kế hoạch triển khai thực hiện Thông báo số 38/TB-VPCP ngày 05/3/2021 "
        "của Văn phòng Chính phủ"
    )
    assert "Thủ tướng Chính phủ Nguyễn Xuân Phúc" in summary.text
    assert summary.text.endswith("tỉnh Tuyên Quang, Quý I/2021")


def test_sections_follow_the_plan(document: DocumentObject) -> None:
    lines = texts(document)
    headings = [
        "I. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ",
        "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ",
        "1. Về thực hiện các nhiệm vụ chung (mục II.1 của Kế hoạch)",
        "2. Về thực hiện các nhiệm vụ giao cụ thể cho các đơn vị (mục II.2 của Kế hoạch)",
        "III. KHÓ KHĂN, VƯỚNG MẮC",
        "IV. ĐỀ XUẤT, KIẾN NGHỊ",
    ]
    positions = [lines.index(heading) for heading in headings]
    assert positions == sorted(positions)
    task_heads = [line.split(" ", 1)[0] for line in lines if re.match(r"^\d\.\d(\.\d)?\. ", line)]
    assert task_heads == [
        *(f"1.{n}." for n in range(1, 10)),
        "2.1.", "2.2.", "2.2.1.", "2.2.2.", "2.3.", "2.4.", "2.5.",
        "2.6.", "2.6.1.", "2.6.2.", "2.7.", "2.7.1.", "2.7.2.", "2.7.3.", "2.8.",
    ]  # fmt: skip
    body = "\n".join(lines)
    assert "- Sở Y tế (chủ trì): " + BLOCKED_TEXT_YT + " (Vướng mắc)." in body
    assert "Khó khăn, vướng mắc (Sở Y tế): " + BLOCKED_TEXT_YT in body
    assert "- Sở Tài chính: " + CORRECTED_TEXT + " (Hoàn thành, đã đính chính)." in body
    assert RETRACTED_TEXT not in body
    assert "Đơn vị chủ trì: Sở Kế hoạch và Đầu tư; đơn vị phối hợp: Sở Tài chính" in body
    assert "Đến 09:00 ngày 22/03/2021, có 4/17 đơn vị đã gửi báo cáo" in body
    placeholder = next(p for p in document.paragraphs if p.text == "[Đề xuất, kiến nghị: …]")
    assert placeholder.runs[0].font.highlight_color is not None


def test_prose_reads_as_written_by_hand(document: DocumentObject) -> None:
    body = "\n".join(texts(document))
    # a group named after other units is not capitalised mid-sentence
    assert (
        "đơn vị phối hợp: Sở Kế hoạch và Đầu tư, Sở Tài chính, các sở, ban, ngành của tỉnh." in body
    )
    # the obstacles are sentences
    assert "- 2.3 (Sở GTVT): Chưa được Bộ GTVT bố trí vốn, đang chờ ý kiến của Bộ." in body
    # a range of general tasks is not cut at its dash at the end of a line
    table = document.tables[1]
    owed = [row.cells[4].text for row in table.rows[1:18]]
    assert "2.6.2, nhiệm vụ chung 1.1\u2060–\u20601.9" in owed


def test_body_is_justified_indented_and_spaced(document: DocumentObject) -> None:
    lines = texts(document)
    paragraph = document.paragraphs[lines.index("I. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ") + 1]
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert paragraph.paragraph_format.first_line_indent is not None
    assert 0.9 <= paragraph.paragraph_format.first_line_indent.cm <= 1.3
    assert paragraph.paragraph_format.space_after >= Pt(6)
    assert paragraph.runs[0].font.size in (Pt(13), Pt(14))


def test_summary_table_rows_are_the_units_with_their_bucket(
    services: Services, document: DocumentObject
) -> None:
    table = document.tables[1]
    header = [cell.text for cell in table.rows[0].cells]
    assert header == [
        "STT",
        "Đơn vị",
        "Tình trạng báo cáo",
        "Thời điểm báo cáo",
        "Nội dung còn thiếu",
    ]
    unit_rows = [[cell.text for cell in row.cells] for row in table.rows[1:18]]
    names = [row[1] for row in unit_rows]
    assert names == [services.plan.agency(a).name for a in services.plan.reporting_units()]
    states = {row[1]: row[2] for row in unit_rows}
    assert states["Sở Kế hoạch và Đầu tư"] == "Đã báo cáo đúng hạn"
    assert states["Sở Y tế"] == "Đã báo cáo quá hạn"
    assert states["Sở Giao thông Vận tải"] == "Chưa báo cáo, đã quá hạn"
    assert states["Ban Di dân tái định cư thủy điện Tuyên Quang"] == "Chưa báo cáo, đã quá hạn"
    assert [row[3] for row in unit_rows if row[1] == "Sở Y tế"] == ["00:00 ngày 20/03/2021"]
    assert [row[4] for row in unit_rows if row[1] == "Sở Giao thông Vận tải"] == ["2.7.3"]
    totals = [[cell.text for cell in row.cells] for row in table.rows[18:]]
    assert [(row[0], row[3], row[4]) for row in totals] == [
        ("Đã báo cáo đúng hạn", "3", "17,6%"),
        ("Đã báo cáo quá hạn", "1", "5,9%"),
        ("Chưa báo cáo, còn trong hạn", "0", "0%"),
        ("Chưa báo cáo, đã quá hạn", "13", "76,5%"),
    ]


def test_signature_block_and_recipients(document: DocumentObject) -> None:
    left, right = document.tables[-1].rows[0].cells
    heading = left.paragraphs[0]
    assert heading.text == "Nơi nhận:"
    assert heading.runs[0].bold
    assert heading.runs[0].italic
    assert heading.runs[0].font.size == Pt(12)
    recipients = [p.text for p in left.paragraphs[1:]]
    assert recipients == [
        "- Ủy ban nhân dân tỉnh Tuyên Quang (b/c);",
        "- Các sở, ban, ngành của tỉnh;",
        "- Ủy ban nhân dân huyện, thành phố;",
        "- Lưu: VT, SKHĐT.",
    ]
    assert all(p.runs[0].font.size == Pt(11) for p in left.paragraphs[1:])
    title = right.paragraphs[0]
    assert title.text == "GIÁM ĐỐC"
    assert title.runs[0].bold


def test_every_run_is_times_new_roman(document: DocumentObject) -> None:
    runs = [run for p in document.paragraphs for run in p.runs if run.text]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                runs += [run for p in cell.paragraphs for run in p.runs if run.text]
    assert len(runs) > 100
    assert {run.font.name for run in runs} == {"Times New Roman"}
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_issuer_names_come_from_the_plan_data(services: Services) -> None:
    plan = services.plan
    renamed = tuple(
        dataclasses.replace(agency, name="Ủy ban nhân dân tỉnh Hà Giang")
        if agency.id == plan.info.issuer
        else dataclasses.replace(agency, name="Sở Kế hoạch Đầu tư", short_name="Sở KHĐT")
        if agency.id == "so-khdt"
        else agency
        for agency in plan.agencies
    )
    other = dataclasses.replace(
        plan, agencies=renamed, info=dataclasses.replace(plan.info, province="Hà Giang")
    )
    document = read(render_docx(make_digest(services, other), VI))
    left, right = document.tables[0].rows[0].cells
    assert [p.text for p in left.paragraphs if p.text] == [
        "ỦY BAN NHÂN DÂN TỈNH HÀ GIANG",
        "SỞ KẾ HOẠCH ĐẦU TƯ",
        "Số: …/BC-SKHĐT",
    ]
    assert right.paragraphs[-1].text == "Hà Giang, ngày 22 tháng 3 năm 2021"


def test_date_line_takes_leading_zeros_as_the_decree_says(services: Services) -> None:
    document = read(render_docx(make_digest(services), VI, drafted_on=date(2021, 2, 5)))
    right = document.tables[0].rows[0].cells[1]
    assert right.paragraphs[-1].text == "Tuyên Quang, ngày 05 tháng 02 năm 2021"


def _pdf_pages(pdf: Path) -> int:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
        match = re.search(r"^Pages:\s+(\d+)", out.stdout, re.MULTILINE)
        assert match is not None
        return int(match.group(1))
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))


def test_libreoffice_renders_the_docx_to_pdf(services: Services, tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice (soffice/libreoffice) is not on PATH: cannot render to PDF")
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(render_docx(make_digest(services), VI))
    subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "bao-cao.pdf"
    assert pdf.exists()
    assert _pdf_pages(pdf) >= 1
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return  # poppler-utils not installed: the layout on the page cannot be read back
    page = subprocess.run(
        [pdftotext, "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
    # The two header columns side by side, each line whole, "Số" level with the date.
    assert lines[0] == "ỦY BAN NHÂN DÂN TỈNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert lines[1] == "TUYÊN QUANG Độc lập - Tự do - Hạnh phúc"
    assert lines[2] == "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"
    assert lines[3] == "Số: …/BC-SKHĐT Tuyên Quang, ngày 22 tháng 3 năm 2021"
    assert lines[4] == "BÁO CÁO"


def test_general_tasks_carry_the_units_general_reports_once(
    services: Services, document: DocumentObject
) -> None:
    lines = texts(document)
    head = next(i for i, line in enumerate(lines) if line.startswith("Kết quả các đơn vị báo cáo"))
    assert lines[head] == (
        "Kết quả các đơn vị báo cáo về các nhiệm vụ chung 1.1\u2060–\u20601.9 (một báo cáo cho "
        "cả nhóm): 6/17 đơn vị đã báo cáo."
    )
    assert lines.index(next(line for line in lines if line.startswith("1.9. "))) < head
    assert head < lines.index(next(line for line in lines if line.startswith("2.1. ")))
    general_part = lines[lines.index(next(x for x in lines if x.startswith("1.1. "))) : head]
    assert "Chưa có đơn vị báo cáo nội dung này." not in general_part
    reports = [line for line in lines[head + 1 : head + 7] if line.startswith("- ")]
    assert len(reports) == 6
    assert any(line.startswith("- Sở Y tế: ") and "báo cáo quá hạn" in line for line in reports)


def test_the_report_states_the_deadline_in_the_one_wording(document: DocumentObject) -> None:
    assert "Hạn báo cáo của các đơn vị kỳ Quý I/2021 là trước thứ Bảy, ngày 20/03/2021." in texts(
        document
    )
