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


def test_the_units_an_item_lead_directs_in_its_points_are_not_leads(tmp_path: Path) -> None:
    """ "2. Trung tâm X - Kiểm định xây dựng" over "- Chỉ đạo các Ban Quản lý dự án …": the
    item's body leads its points; the boards it directs are its own units."""
    result = _import(
        tmp_path,
        "I. NHIỆM VỤ",
        "2. Trung tâm Quy hoạch - Kiểm định xây dựng",
        "- Chỉ đạo các Ban Quản lý dự án rà soát các công trường đang thi công.",
        "- Phối hợp với Sở Xây dựng kiểm tra chất lượng vật liệu.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    leads, partners = _roles(result)["2"]
    # One body, its name read on across the dash since the tenth session ("Phòng Văn hóa - Xã
    # hội"; the key of plans_heldout5 bxd_cd96 writes "Cục Kinh tế - Quản lý đầu tư xây dựng").
    assert len(leads) == 1
    assert names.get(leads[0], leads[0]).startswith("Trung tâm Quy hoạch")
    assert partners == ["so-xay-dung"]


def test_a_board_of_the_party_committee_keeps_its_name(tmp_path: Path) -> None:
    """ "Ban Dân vận Tỉnh ủy": the name ends after "Tỉnh ủy", not at "Tỉnh"."""
    result = _import(
        tmp_path,
        "Đề nghị Ban Dân vận Tỉnh ủy chỉ đạo tuyên truyền trong các tổ chức đoàn thể.",
    )
    assert [a.name for a in result.new_agencies] == ["Ban Dân vận Tỉnh ủy"]


def test_the_central_bodies_of_mass_organisations_are_named(tmp_path: Path) -> None:
    """In a central plan "Trung ương Hội Nông dân Việt Nam" is one body, outside a
    provincial directory, and the ministries' group may be "các Bộ, ngành chức năng"."""
    result = _import(
        tmp_path,
        *_CENTRAL_HEADER,
        "I. NHIỆM VỤ",
        "1. Các Bộ, ngành chức năng, Trung ương Hội Nông dân Việt Nam tuyên truyền cho hội viên.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    assert [names[a] for a in _roles(result)["1"][0]] == [
        "Các bộ, ngành trung ương",
        "Trung ương Hội Nông dân Việt Nam",
    ]


def test_what_a_body_issued_or_runs_gives_it_no_work(tmp_path: Path) -> None:
    """ "tài liệu do Sở Tư pháp phát hành": the body that made the thing named leads nothing;
    "kinh phí do Sở Tài chính cấp" still gives the Sở the allocation."""
    result = _import(
        tmp_path,
        "1. Sở Y tế phổ biến các tài liệu do Sở Tư pháp phát hành đến cán bộ y tế.",
        "2. Trung tâm Y tế tổ chức tập huấn bằng kinh phí do Sở Tài chính cấp hằng năm.",
    )
    roles = _roles(result)
    assert roles["1"] == (["so-y-te"], [])
    assert "so-tai-chinh" in roles["2"][0]


def test_names_listed_on_after_a_clause_without_a_subject_are_no_leads(tmp_path: Path) -> None:
    """ "Kiện toàn Tổ công tác, thành viên gồm đại diện Sở A. Sở B, Sở C.": the names after
    the full stop go on listing the members; "Kiện toàn Ban X cấp tỉnh; Ban X cấp huyện theo
    quy định" names what is set up, not who sets it up."""
    result = _import(
        tmp_path,
        "1. Kiện toàn Tổ công tác liên ngành, thành viên gồm đại diện Sở Tài chính. Sở Y tế, "
        "Sở Xây dựng.",
        "2. Kiện toàn Ban Chỉ đạo cấp tỉnh; Ban Chỉ đạo cấp huyện theo quy định.",
        "3. Sở Nội vụ; Sở Tư pháp hướng dẫn thủ tục kiện toàn.",
    )
    roles = _roles(result)
    assert roles.get("1", ([], []))[0] == []
    assert roles.get("2", ([], []))[0] == []
    assert roles["3"] == (["so-noi-vu", "so-tu-phap"], [])


def test_a_field_naming_the_units_of_a_body_names_that_body(tmp_path: Path) -> None:
    """ "Cơ quan phối hợp: Các đơn vị thuộc Sở Y tế": the Sở coordinates."""
    result = _import(
        tmp_path,
        "1. Tiêm chủng mở rộng",
        "- Cơ quan chủ trì: Trung tâm Kiểm soát bệnh tật tỉnh.",
        "- Cơ quan phối hợp: Các đơn vị thuộc Sở Y tế.",
    )
    assert _roles(result)["1"][1] == ["so-y-te"]


def test_a_bare_cong_an_is_the_province_police(tmp_path: Path) -> None:
    """ "phối hợp với Công an, …" and "lực lượng Công an trong …": the province's police;
    "Công an các huyện" and "Công an tỉnh" keep their own names."""
    result = _import(
        tmp_path,
        "1. Bộ Chỉ huy Quân sự tỉnh",
        "a) Chủ động phối hợp với Công an, Sở Y tế tuần tra khu vực biên giới.",
        "2. Ủy ban nhân dân cấp xã",
        "a) Chỉ đạo các ban, ngành, đoàn thể chủ động, tích cực phối hợp với lực lượng Công an "
        "trong rà soát người nghiện.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    roles = _roles(result)
    assert [names.get(a, a) for a in roles["1"][1]] == ["Công an tỉnh", "so-y-te"]
    assert [names.get(a, a) for a in roles["2"][1]] == ["Công an tỉnh"]


def test_a_heading_naming_a_kind_of_actor_leads_its_points(tmp_path: Path) -> None:
    """In the organisation of a plan "8. Chủ rừng", "9. Các doanh nghiệp vận tải" over points,
    "10. Các cơ sở sản xuất giống: Theo dõi …" and "Điều 5. Trách nhiệm của doanh nghiệp cung
    cấp dịch vụ …" name who does the work, though no agency; a heading of content ("3. Các
    cơ sở dữ liệu được kết nối") elsewhere names nobody."""
    result = _import(
        tmp_path,
        "I. NHIỆM VỤ",
        "3. Các cơ sở dữ liệu được kết nối",
        "a) Sở Y tế rà soát dữ liệu.",
        "II. TỔ CHỨC THỰC HIỆN",
        "8. Chủ rừng",
        "Xây dựng phương án phòng cháy rừng; chịu trách nhiệm nếu để rừng bị cháy.",
        "9. Các doanh nghiệp vận tải",
        "a) Bố trí phương tiện.",
        "b) Phối hợp với Sở Giao thông vận tải đưa đón khách.",
        "10. Các cơ sở sản xuất giống: Theo dõi chất lượng giống theo hướng dẫn của Sở Y tế.",
        "Yêu cầu các sở, ban, ngành, địa phương nghiêm túc triển khai thực hiện./.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    roles = {k: ([names.get(a, a) for a in v[0]], v[1]) for k, v in _roles(result).items()}
    assert roles["8"] == (["Chủ rừng"], [])
    assert roles["9"] == (["Các doanh nghiệp vận tải"], ["so-gtvt"])
    assert roles["10"] == (["Các cơ sở sản xuất giống"], [])
    leads = {name for lead, _partners in roles.values() for name in lead}
    assert not any(name.startswith("Các cơ sở dữ liệu") for name in leads)


def test_an_article_on_the_duties_of_a_contractor_is_its_task(tmp_path: Path) -> None:
    """ "Điều 5. Trách nhiệm của doanh nghiệp cung cấp dịch vụ phần mềm" over clauses: one
    task, led by the contractor the title names."""
    result = _import(
        tmp_path,
        "Chương II",
        "TỔ CHỨC THỰC HIỆN",
        "Điều 4. Trách nhiệm của Sở Nội vụ",
        "1. Hướng dẫn các cơ quan sử dụng phần mềm.",
        "Điều 5. Trách nhiệm của doanh nghiệp cung cấp dịch vụ phần mềm",
        "1. Cung cấp dịch vụ phần mềm đáp ứng các yêu cầu kỹ thuật.",
        "2. Bảo đảm an toàn dữ liệu; hỗ trợ người dùng khi có sự cố.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    roles = _roles(result)
    assert roles["4"] == (["so-noi-vu"], [])
    assert [names[a] for a in roles["5"][0]] == ["doanh nghiệp cung cấp dịch vụ phần mềm"]


def test_work_that_ends_with_a_report_is_a_task_too(tmp_path: Path) -> None:
    """ "Sở X có nhiệm vụ phối hợp với các sở, ban, ngành … kiểm tra …; báo cáo định kỳ
    (trước ngày …)": a task led by X (its partners are groups, nobody else to lead) as well
    as a reporting rule; an item that is only the report is no task."""
    result = _import(
        tmp_path,
        "II. TỔ CHỨC THỰC HIỆN",
        "1. Sở Y tế có nhiệm vụ phối hợp với các sở, ban, ngành và Ủy ban nhân dân cấp xã "
        "kiểm tra việc thực hiện; báo cáo định kỳ (trước ngày 15 tháng 12 hằng năm) về kết "
        "quả thực hiện.",
        "2. Các sở, ban, ngành báo cáo kết quả thực hiện về Sở Y tế trước ngày 10 tháng 12 "
        "hằng năm.",
    )
    roles = _roles(result)
    assert roles["1"] == (
        ["so-y-te"],
        ["cac-so-ban-nganh", "uy-ban-nhan-dan-cac-xa-phuong-thi-tran"],
    )
    assert "2" not in roles
    assert result.draft["reporting"]


def test_the_forest_rangers_are_the_forest_protection_office(tmp_path: Path) -> None:
    """ "phối hợp với lực lượng Kiểm lâm": the province's Chi cục Kiểm lâm."""
    result = _import(
        tmp_path,
        "1. Sở Y tế phối hợp với lực lượng Kiểm lâm kiểm tra các khu rừng.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    assert [names.get(a, a) for a in _roles(result)["1"][1]] == ["Chi cục Kiểm lâm"]
