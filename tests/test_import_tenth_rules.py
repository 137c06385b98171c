"""General reading rules of the importer added in the tenth session (issue 13), each on text
written for the test, none taken from a test text: a letter that lost its heading block but is
addressed to the ministers or to every province ("Kính gửi: …") comes from a central body, and a
Phụ lục table of proposals whose responsible column reads "Bộ phụ trách tiếp nhận, xử lý"."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_general_rules import _import, _roles


def test_a_letter_to_the_ministers_without_its_heading_gives_work_to_ministries(
    tmp_path: Path,
) -> None:
    """No heading block (issuer, number, date), only "Kính gửi: Các đồng chí Bộ trưởng …":
    the writer is central, so the ministries it names are assignees, not references; its Phụ
    lục table of proposals names the ministry that takes each one up in its last column."""
    result = _import(
        tmp_path,
        "Kính gửi: Các đồng chí Bộ trưởng, Thủ trưởng cơ quan ngang Bộ",
        "Thực hiện Kết luận số 12-KL/TW của Bộ Chính trị, Ban Chỉ đạo đề nghị như sau:",
        "1. Bộ Tài chính khẩn trương hướng dẫn việc bố trí kinh phí cho cấp xã.",
        "2. Bộ Y tế chủ trì, phối hợp với Bộ Xây dựng rà soát các trạm y tế xã.",
        "PHỤ LỤC",
        "TỔNG HỢP KIẾN NGHỊ CỦA CÁC ĐỊA PHƯƠNG",
        "TT | Tỉnh kiến nghị | Thông tin đề xuất | Bộ phụ trách tiếp nhận, xử lý",
        "1 | Lai Châu | Đề nghị hướng dẫn việc quyết toán kinh phí sắp xếp trụ sở. | Bộ Tài chính",
        "2 | Sơn La, Điện Biên | Đề nghị sửa đổi quy định về trạm y tế xã. | Bộ Y tế; Bộ Xây dựng",
    )
    roles = _roles(result)
    assert roles["1"] == (["bo-tai-chinh"], [])
    assert roles["2"] == (["bo-y-te"], ["bo-xay-dung"])
    rows = [t for t in result.tasks if t.origin == "table"]
    assert [(t.agencies("lead"), t.agencies("coordinate")) for t in rows] == [
        (["bo-tai-chinh"], []),
        (["bo-y-te", "bo-xay-dung"], []),
    ]
    assert rows[0].title.startswith("Đề nghị hướng dẫn việc quyết toán")


def test_a_letter_to_every_province_without_its_heading_is_central(tmp_path: Path) -> None:
    """ "Kính gửi: Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương": a
    ministry the letter asks the provinces to work with is a partner, not a reference."""
    result = _import(
        tmp_path,
        "Kính gửi: Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.",
        "Để tháo gỡ khó khăn ở cấp xã, đề nghị thực hiện các nội dung sau:",
        "1. Bộ Tài chính chủ trì, phối hợp với Bộ Y tế hướng dẫn việc mua sắm thiết bị.",
    )
    assert _roles(result)["1"] == (["bo-tai-chinh"], ["bo-y-te"])


def test_a_provincial_letter_to_its_departments_stays_provincial(tmp_path: Path) -> None:
    """A province's letter to its own departments: the ministries it cites are no
    assignees of its."""
    result = _import(
        tmp_path,
        "Kính gửi: Các sở, ban, ngành tỉnh",
        "Thực hiện Công văn số 15/BTC của Bộ Tài chính, đề nghị các đơn vị thực hiện:",
        "1. Sở Tài chính phối hợp với Bộ Tài chính hướng dẫn việc quyết toán kinh phí.",
    )
    assert _roles(result)["1"] == (["so-tai-chinh"], [])
