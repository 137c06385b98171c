"""Every format is exercised: the seed plan's text as a Word document with a real "Phụ lục"
table (python-docx), and the same document as a PDF (LibreOffice), import to the same tasks."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.importer import ImportResult, import_plan
from bot.plan import default_plan_path, load_plan

PLANS = Path(__file__).parent / "data" / "plans"
SEED_TEXT = PLANS / "seed_tuyen_quang_tb38.txt"

# The appendix table: rows with the seed's own wording, in the columns plans use.
APPENDIX = [
    ("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"),
    ("I", "Nhiệm vụ về vốn đầu tư", "", "", ""),
    (
        "1",
        "Tham mưu bố trí đủ vốn cho Dự án đường cao tốc Tuyên Quang - Phú Thọ trong Kế hoạch đầu "
        "tư công trung hạn 2021-2025",
        "Sở Kế hoạch và Đầu tư",
        "Sở Tài chính; các sở, ban, ngành",
        "Quý II/2021",
    ),
    (
        "2",
        "Đề xuất đầu tư một số hồ, đập đa chức năng trên sông Lô",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Sở Tài nguyên và Môi trường, Ủy ban nhân dân thành phố Tuyên Quang",
        "Trước ngày 30/6/2021",
    ),
    (
        "3",
        "Tuyên truyền về công tác di dân, tái định cư thủy điện Tuyên Quang",
        "UBND các huyện, thành phố",
        "Ban Di dân tái định cư thủy điện Tuyên Quang",
        "Thường xuyên",
    ),
]
# Group "I" of the table comes after the body's sections 1 and 2: its rows are 3.1, 3.2, 3.3.
APPENDIX_EXPECTED = {
    "3.1": ({"so-khdt"}, {"so-tai-chinh", "cac-so-ban-nganh"}, "2021-06-30"),
    "3.2": ({"so-nnptnt"}, {"so-tnmt", "ubnd-tp-tuyen-quang"}, "2021-06-30"),
    "3.3": ({"ubnd-huyen-thanh-pho"}, {"ban-di-dan-tdc"}, None),
}


def _write_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG")
    document.add_paragraph("Số: 123/KH-UBND")
    document.add_paragraph("Tuyên Quang, ngày 15 tháng 4 năm 2021")
    for line in SEED_TEXT.read_text(encoding="utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    document.add_paragraph("PHỤ LỤC")
    document.add_paragraph("DANH MỤC NHIỆM VỤ CỤ THỂ")
    table = document.add_table(rows=len(APPENDIX), cols=len(APPENDIX[0]))
    table.style = "Table Grid"
    for row, values in zip(table.rows, APPENDIX, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.save(str(path))


def _roles(result: ImportResult) -> dict[str, tuple[set[str], set[str]]]:
    return {
        task.id: (set(task.agencies("lead")), set(task.agencies("coordinate")))
        for task in result.tasks
    }


def _check(result: ImportResult) -> None:
    expected = json.loads(default_plan_path().read_text(encoding="utf-8"))["tasks"]
    roles = _roles(result)
    for task in expected:
        leads = {a["agency"] for a in task["assignments"] if a["role"] == "lead"}
        coordinators = {a["agency"] for a in task["assignments"] if a["role"] == "coordinate"}
        assert roles[task["id"]] == (leads, coordinators), task["id"]
    for task_id, (leads, coordinators, due) in APPENDIX_EXPECTED.items():
        assert roles[task_id] == (leads, coordinators), task_id
        (task,) = [t for t in result.tasks if t.id == task_id]
        assert task.origin == "table"
        got_due = task.deadline.due.isoformat() if task.deadline and task.deadline.due else None
        assert got_due == due, task_id
    info = result.draft["plan"]
    assert info["number"] == "123/KH-UBND"
    assert info["date"] == "2021-04-15"
    assert info["issuer"] == "ubnd-tinh"
    assert [r["day"] for r in result.draft["reporting"]] == [20, 25]


def test_docx_with_appendix_table(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.docx"
    _write_docx(path)
    _check(import_plan(path, load_plan().agencies))


def test_pdf_made_by_libreoffice(tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice (soffice/libreoffice) is not on PATH: cannot make the PDF")
    source = tmp_path / "ke-hoach.docx"
    _write_docx(source)
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
    _check(import_plan(tmp_path / "ke-hoach.pdf", load_plan().agencies))
