"""General reading rules of the importer added in the ninth session (issue 13), each on text
written for the test, none taken from a test text: a plan in lettered parts ("A. MỤC ĐÍCH",
"B. NHIỆM VỤ") over Roman sections, a section written as a field outline ("1. Nội dung" /
"2. Cơ quan chủ trì, phối hợp" / "a) Cơ quan chủ trì" over dashed names / "3. Thời gian thực
hiện"), a national steering committee as a central issuer, the units of a body at a level ("Ban
Chỉ đạo các quân khu", "Công an cấp xã"), "và" between two bodies, units a lead directs."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_general_rules import _import, _roles

_CENTRAL_HEADER = (
    "BAN CHỈ ĐẠO QUỐC GIA VỀ PHÒNG CHỐNG THIÊN TAI",
    "Số: 12/KH-BCĐQG",
    "Hà Nội, ngày 5 tháng 3 năm 2027",
    "KẾ HOẠCH",
    "TRIỂN KHAI CÔNG TÁC PHÒNG CHỐNG THIÊN TAI NĂM 2027",
)


def test_a_section_written_as_fields_is_one_task_led_by_its_lead_field(tmp_path: Path) -> None:
    """Its content points are no tasks of their own; the names under "a) Cơ quan chủ trì"
    lead, those under "b) Cơ quan phối hợp" coordinate; the part "A. MỤC ĐÍCH, YÊU CẦU"
    gives no work."""
    result = _import(
        tmp_path,
        "KẾ HOẠCH",
        "Phòng chống dịch bệnh trên cây trồng năm 2027",
        "A. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích",
        "Sở Y tế nắm chắc tình hình dịch bệnh.",
        "B. NHIỆM VỤ, GIẢI PHÁP",
        "I. KIỂM TRA, GIÁM SÁT DỊCH BỆNH",
        "1. Nội dung, biện pháp",
        "a) Lập đoàn kiểm tra các vùng trồng trọng điểm;",
        "b) Tổng hợp số liệu hằng tháng.",
        "2. Cơ quan chủ trì, phối hợp",
        "a) Cơ quan chủ trì",
        "- Sở Nông nghiệp và Phát triển nông thôn.",
        "- Sở Tài chính; Sở Y tế.",
        "b) Cơ quan phối hợp",
        "- Sở Xây dựng và Sở Giao thông vận tải.",
        "3. Thời gian thực hiện: Quý II/2027.",
        "II. BẢO ĐẢM KINH PHÍ",
        "1. Nội dung: Bố trí kinh phí cho các đoàn kiểm tra.",
        "2. Cơ quan chủ trì: Sở Tài chính.",
        "3. Đơn vị thực hiện: Sở Y tế.",
    )
    assert _roles(result) == {
        "1": (["so-nnptnt", "so-tai-chinh", "so-y-te"], ["so-xay-dung", "so-gtvt"]),
        "2": (["so-tai-chinh", "so-y-te"], []),
    }
    assert result.tasks[0].section == "I"
    assert result.tasks[0].deadline is not None


def test_a_numbered_item_about_coordinating_is_a_task_not_a_field(tmp_path: Path) -> None:
    """ "2. Phối hợp tuyên truyền" over its points is work, not a list of partners."""
    result = _import(
        tmp_path,
        "I. NHIỆM VỤ",
        "1. Tuyên truyền",
        "a) Sở Y tế chủ trì tổ chức tuyên truyền.",
        "b) Sở Xây dựng phát hành tờ rơi.",
        "2. Phối hợp tuyên truyền",
        "a) Sở Tài chính bố trí kinh phí.",
        "b) Sở Giao thông vận tải treo băng rôn.",
    )
    assert _roles(result)["1.1"] == (["so-y-te"], [])
    assert _roles(result)["2.2"] == (["so-gtvt"], [])


def test_a_national_steering_committee_issues_a_central_plan(tmp_path: Path) -> None:
    """Its plan gives work to ministries and to the provinces ("các tỉnh"), and to the
    steering committees of each military region and province."""
    result = _import(
        tmp_path,
        *_CENTRAL_HEADER,
        "I. NHIỆM VỤ",
        "1. Bộ Quốc phòng chủ trì, phối hợp với Bộ Tài chính rà soát phương tiện cứu hộ.",
        "2. Ban Chỉ đạo các quân khu, Ban Chỉ đạo các tỉnh tổ chức diễn tập.",
        "3. Tư lệnh các quân khu và các tỉnh bố trí lực lượng trực ban.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    roles = _roles(result)
    assert [names[a] for a in roles["1"][0]] == ["Bộ Quốc phòng"]
    assert roles["1"][1] == ["bo-tai-chinh"]
    assert [names[a] for a in roles["2"][0]] == ["Ban Chỉ đạo các quân khu", "Ban Chỉ đạo các tỉnh"]
    assert [names[a] for a in roles["3"][0]] == [
        "Các quân khu",
        "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",
    ]


def test_va_between_two_bodies_names_both(tmp_path: Path) -> None:
    """ "Mặt trận Tổ quốc Việt Nam và Hội Cựu chiến binh": two bodies, not one long name;
    "Sở Giáo dục và Đào tạo" stays one."""
    result = _import(
        tmp_path,
        "Mặt trận Tổ quốc Việt Nam và Hội Nông dân phối hợp với Sở Giáo dục và Đào tạo "
        "vận động người dân tham gia.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    leads, partners = _roles(result)["1"]
    assert [names.get(a, a) for a in leads] == ["Mặt trận Tổ quốc Việt Nam", "Hội Nông dân tỉnh"]
    assert [names.get(a, a) for a in partners] == ["Sở Giáo dục và Đào tạo"]


def test_the_units_a_lead_directs_are_not_its_partners(tmp_path: Path) -> None:
    """ "Chỉ đạo lực lượng X, Công an cấp xã phối hợp với Y": Y coordinates; the units the
    lead directs are its own, not assignees of the task."""
    result = _import(
        tmp_path,
        "1. Công an tỉnh",
        "a) Chỉ đạo lực lượng Cảnh sát giao thông, Công an cấp xã phối hợp với Sở Giao thông "
        "vận tải tuần tra các tuyến đường.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    leads, partners = _roles(result)["1"]
    assert [names.get(a, a) for a in leads] == ["Công an tỉnh"]
    assert partners == ["so-gtvt"]
