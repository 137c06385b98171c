"""General reading rules of the importer added in the fifth session (issue 13), each on text
written for the test, none taken from a test text: a task table pasted as plain "a | b | c"
rows (no leading bar) with Roman group rows, an appendix heading that carries its title on the
same line after the signature, and "Văn phòng" written before another body's name (that body's
own office, one new agency)."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_general_rules import _import, _roles

_TABLE = (
    "STT | Nội dung | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành",
    "I | RÀ SOÁT VĂN BẢN",
    "1 | Rà soát các quy định về phòng cháy | Sở Xây dựng | Sở Tư pháp | Tháng 12/2026",
    "2 | Tổng hợp kết quả rà soát | Sở Tư pháp | Sở Y tế; Sở Tài chính | Quý I/2027",
    "II | TUYÊN TRUYỀN",
    "1 | Tuyên truyền trên báo chí | Sở Y tế | | Thường xuyên",
)


def test_a_table_pasted_as_bar_separated_rows_is_read_with_its_groups(tmp_path: Path) -> None:
    result = _import(tmp_path, "KẾ HOẠCH", "Triển khai công tác năm 2026", *_TABLE)
    assert sorted(_roles(result).values()) == sorted(
        [
            (["so-xay-dung"], ["so-tu-phap"]),
            (["so-tu-phap"], ["so-y-te", "so-tai-chinh"]),
            (["so-y-te"], []),
        ]
    )
    assert len({t.id for t in result.tasks}) == 3


def test_a_line_with_a_single_bar_opens_no_table(tmp_path: Path) -> None:
    """Prose with one "|" in it is a paragraph: a table opens on a row of three cells."""
    result = _import(tmp_path, "1. Sở Y tế chủ trì | tổ chức kiểm tra các cơ sở.")
    assert _roles(result) == {"1": (["so-y-te"], [])}


def test_an_appendix_titled_on_its_heading_line_after_the_signature_is_read(
    tmp_path: Path,
) -> None:
    result = _import(
        tmp_path,
        "1. Sở Tài chính chủ trì bố trí kinh phí thực hiện Kế hoạch.",
        "Nơi nhận:",
        "- Như trên;",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "PHỤ LỤC DANH MỤC NHIỆM VỤ (Kèm theo Kế hoạch số 12/KH-UBND)",
        *_TABLE,
    )
    leads = sorted(a for t in result.tasks for a in t.agencies("lead"))
    assert leads == ["so-tai-chinh", "so-tu-phap", "so-xay-dung", "so-y-te"]


def test_van_phong_before_another_body_is_that_bodys_office(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "1. Sở Y tế chủ trì, phối hợp với Văn phòng Sở Tài chính kiểm tra các cơ sở.",
        "2. Sở Y tế chủ trì, phối hợp với Văn phòng, Sở Tài chính tổng hợp kết quả.",
    )
    roles = _roles(result)
    assert roles["2"] == (["so-y-te"], ["vp-ubnd-tinh", "so-tai-chinh"])
    lead, partners = roles["1"]
    assert lead == ["so-y-te"]
    assert len(partners) == 1
    assert partners[0] not in ("vp-ubnd-tinh", "so-tai-chinh")
    assert [a.name for a in result.new_agencies] == ["Văn phòng Sở Tài chính"]
