"""General reading rules of the importer added in the eighth session (issue 13), each on text
written for the test, none taken from a test text: tasks written as fields ("Cơ quan chủ trì:",
"Đơn vị phối hợp thực hiện:", "Thời gian thực hiện:") under a numbered item, "X được phân công
chủ trì …", a task table whose group rows are lines of their own and whose task column is
"Chỉ tiêu"."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_general_rules import _import, _roles


def test_the_fields_under_an_item_name_its_lead_and_partners(tmp_path: Path) -> None:
    """The fields, not the subject of the text above them, say who does the work; one block
    of fields keeps the item's number."""
    result = _import(
        tmp_path,
        "1. Nâng cao chất lượng phục vụ người dân",
        "- Các cơ quan, đơn vị, địa phương tiếp tục rà soát quy trình tiếp nhận hồ sơ.",
        "- Cơ quan chủ trì: Sở Nội vụ.",
        "- Cơ quan phối hợp: Sở Tư pháp; Sở Tài chính.",
        "- Thời gian thực hiện: Năm 2027.",
        "2. Kiểm tra việc thực hiện",
        "Đơn vị chủ trì (tham mưu) thực hiện: Sở Y tế.",
        "Đơn vị phối hợp thực hiện: Sở Xây dựng và các cơ quan, đơn vị liên quan.",
    )
    assert _roles(result) == {
        "1": (["so-noi-vu"], ["so-tu-phap", "so-tai-chinh"]),
        "2": (["so-y-te"], ["so-xay-dung"]),
    }


def test_each_block_of_fields_under_one_item_is_a_task_of_its_own(tmp_path: Path) -> None:
    """Several "text, then its fields" blocks under one item: one task each, numbered in order
    under the item; a lead field naming nobody but vague units leaves no lead."""
    result = _import(
        tmp_path,
        "3. Đào tạo, bồi dưỡng công chức",
        "- Mở lớp bồi dưỡng kỹ năng soạn thảo văn bản.",
        "- Biên soạn tài liệu bồi dưỡng.",
        "Đơn vị chủ trì: Sở Nội vụ.",
        "Đơn vị phối hợp: Sở Tư pháp.",
        "Thời gian thực hiện: Hằng năm.",
        "- Cử công chức tham gia các lớp bồi dưỡng của Trung ương.",
        "Đơn vị chủ trì thực hiện: Các cơ quan, đơn vị theo quy định.",
        "Đơn vị phối hợp: Sở Tài chính.",
        "Thời gian thực hiện: Thường xuyên.",
    )
    assert _roles(result) == {
        "3": ([], []),
        "3.1": (["so-noi-vu"], ["so-tu-phap"]),
        "3.2": ([], ["so-tai-chinh"]),
    }


def test_a_unit_assigned_to_lead_leads(tmp_path: Path) -> None:
    """ "Căn cứ …, X và Y được phân công chủ trì … có trách nhiệm …": X and Y lead."""
    result = _import(
        tmp_path,
        "Căn cứ tình hình thực tế, Sở Y tế và Sở Xây dựng được phân công chủ trì thực hiện "
        "nhiệm vụ có trách nhiệm xây dựng kế hoạch chi tiết.",
    )
    assert _roles(result) == {"1": (["so-y-te", "so-xay-dung"], [])}


def test_a_table_with_group_lines_and_a_chi_tieu_column_is_read(tmp_path: Path) -> None:
    """ "TT | Chỉ tiêu | Chủ trì" with its group rows written as lines of their own ("I. …"
    between the rows): every row is a task of the table, under its group."""
    result = _import(
        tmp_path,
        "KẾ HOẠCH",
        "Phát triển dịch vụ công năm 2027",
        "I. NHIỆM VỤ",
        "1. Sở Nội vụ chủ trì rà soát thủ tục hành chính.",
        "PHỤ LỤC",
        "TT | Chỉ tiêu | Chủ trì",
        "I. Dịch vụ công",
        "1 | Tỷ lệ hồ sơ trực tuyến đạt 80%. | Sở Tư pháp",
        "2 | Tỷ lệ hồ sơ đúng hạn đạt 95%. | Sở Y tế",
        "II. Dữ liệu",
        "1 | Tỷ lệ dữ liệu được số hóa đạt 90%. | Sở Tài chính",
    )
    table = {
        t.title: (t.agencies("lead"), t.agencies("coordinate"))
        for t in result.tasks
        if t.origin == "table"
    }
    assert table == {
        "Tỷ lệ hồ sơ trực tuyến đạt 80%.": (["so-tu-phap"], []),
        "Tỷ lệ hồ sơ đúng hạn đạt 95%.": (["so-y-te"], []),
        "Tỷ lệ dữ liệu được số hóa đạt 90%.": (["so-tai-chinh"], []),
    }
    assert len({t.id for t in result.tasks}) == len(result.tasks)
