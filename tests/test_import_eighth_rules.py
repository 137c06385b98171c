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


def test_a_responsibility_article_is_one_task_led_by_the_body_it_names(tmp_path: Path) -> None:
    """ "Điều 7. Trách nhiệm của Sở X" over clauses 1., 2.: one task numbered 7, X leading,
    the partners of its clauses coordinating; the clauses of an article of another kind
    name nobody."""
    result = _import(
        tmp_path,
        "QUY ĐỊNH",
        "Quản lý chợ trên địa bàn tỉnh",
        "Điều 6. Giải thích từ ngữ",
        "1. Chợ là nơi mua bán hàng hóa.",
        "Điều 7. Trách nhiệm của Sở Công Thương",
        "1. Chủ trì, phối hợp với Sở Tài chính lập kế hoạch phát triển chợ.",
        "2. Hướng dẫn, kiểm tra việc quản lý chợ.",
        "Điều 8. Trách nhiệm của Sở Xây dựng",
        "1. Phối hợp với Sở Y tế kiểm tra an toàn công trình chợ.",
        "Điều 9. Khen thưởng",
        "1. Tổ chức, cá nhân có thành tích được khen thưởng theo quy định.",
    )
    assigned = {task: roles for task, roles in _roles(result).items() if roles != ([], [])}
    assert assigned == {
        "7": (["so-cong-thuong"], ["so-tai-chinh"]),
        "8": (["so-xay-dung"], ["so-y-te"]),
    }


def test_an_article_over_agency_headings_has_a_task_per_heading(tmp_path: Path) -> None:
    """ "Điều 4. Trách nhiệm của các sở, ban, ngành" (or "Tổ chức thực hiện") over "1. Sở X"
    headings: each heading is a task numbered under the article (4.1, 4.2), also when one
    of its points sets a report."""
    result = _import(
        tmp_path,
        "QUY ĐỊNH",
        "Quản lý chợ trên địa bàn tỉnh",
        "Điều 4. Tổ chức thực hiện",
        "1. Sở Công Thương",
        "a) Chủ trì, phối hợp với Sở Tài chính lập kế hoạch phát triển chợ.",
        "b) Tổng hợp, báo cáo Ủy ban nhân dân tỉnh kết quả thực hiện trước ngày 15/12 hằng năm.",
        "2. Sở Xây dựng",
        "a) Hướng dẫn thiết kế công trình chợ.",
    )
    assert _roles(result) == {
        "4.1": (["so-cong-thuong"], ["so-tai-chinh"]),
        "4.2": (["so-xay-dung"], []),
    }


def test_the_power_companies_are_one_body(tmp_path: Path) -> None:
    """ "các đơn vị điện lực" (the power companies) is a body of its own, not a vague unit."""
    result = _import(
        tmp_path,
        "Sở Công Thương chủ trì, phối hợp với các đơn vị điện lực trên địa bàn tỉnh kiểm tra "
        "hành lang an toàn lưới điện.",
    )
    assert _roles(result) == {"1": (["so-cong-thuong"], ["cac-don-vi-dien-luc"])}


def test_a_heading_naming_bodies_between_semicolons_leads_its_points(tmp_path: Path) -> None:
    """ "1. Thủ trưởng các sở, ban, ngành; Chủ tịch UBND các xã, phường" over a), b): one task,
    both groups leading; the closing request to carry out the whole Chỉ thị is no task."""
    result = _import(
        tmp_path,
        "CHỈ THỊ",
        "Về việc tăng cường phòng chống thiên tai",
        "1. Thủ trưởng các sở, ban, ngành; Chủ tịch UBND các xã, phường",
        "a) Rà soát phương án ứng phó thiên tai.",
        "b) Tổ chức diễn tập phòng chống thiên tai.",
        "2. Sở Nông nghiệp và Môi trường",
        "a) Theo dõi, tổng hợp tình hình thiên tai.",
        "Chủ tịch UBND tỉnh yêu cầu Thủ trưởng các sở, ban, ngành; Chủ tịch UBND các xã, phường "
        "thực hiện nghiêm túc Chỉ thị này./.",
    )
    assert _roles(result) == {
        "1": (["cac-so-ban-nganh", "uy-ban-nhan-dan-cac-xa-phuong-thi-tran"], []),
        "2": (["so-nong-nghiep-va-moi-truong"], []),
    }


def test_party_offices_and_regional_state_bodies_are_agencies(tmp_path: Path) -> None:
    """ "Đề nghị Văn phòng Tỉnh ủy, Ủy ban Kiểm tra Tỉnh ủy, Văn phòng Đoàn đại biểu Quốc hội
    và HĐND tỉnh, Thuế tỉnh, Kiểm toán nhà nước khu vực V, Kho bạc nhà nước khu vực III …":
    each a body of its own (not the People's Committee's office, not the central State Audit)."""
    result = _import(
        tmp_path,
        "Đề nghị Văn phòng Tỉnh ủy, Ủy ban Kiểm tra Tỉnh ủy, Văn phòng Đoàn đại biểu Quốc hội "
        "và HĐND tỉnh, Thuế tỉnh, Kiểm toán nhà nước khu vực V, Kho bạc nhà nước khu vực III "
        "tăng cường kiểm tra việc thực hiện.",
    )
    assert _roles(result) == {
        "1": (
            [
                "van-phong-tinh-uy",
                "uy-ban-kiem-tra-tinh-uy",
                "van-phong-doan-dai-bieu-quoc-hoi-va-hoi-dong-nhan-dan-tinh",
                "cuc-thue-tinh",
                "kiem-toan-nha-nuoc-khu-vuc",
                "kho-bac-nha-nuoc-khu-vuc",
            ],
            [],
        )
    }


def test_a_resolution_of_the_national_assemblys_standing_committee(tmp_path: Path) -> None:
    """A central text of the National Assembly's bodies: its organs are assignees ("Tổng Thư
    ký Quốc hội" stands for the National Assembly's Office), and a bare "Điều 2." line numbers
    the clauses below it (2.1, 2.2) and "Điều 3." the paragraph below it."""
    result = _import(
        tmp_path,
        "NGHỊ QUYẾT",
        "Ban hành Kế hoạch giám sát năm 2027",
        "ỦY BAN THƯỜNG VỤ QUỐC HỘI",
        "QUYẾT NGHỊ:",
        "Điều 1.",
        "Ban hành kèm theo Nghị quyết này Kế hoạch giám sát năm 2027.",
        "Điều 2.",
        "1. Đề nghị Chính phủ, Tòa án nhân dân tối cao báo cáo kết quả thực hiện.",
        "2. Thường trực Hội đồng Dân tộc, các Ủy ban của Quốc hội chủ động giám sát.",
        "Điều 3.",
        "Giao Tổng Thư ký Quốc hội chủ trì, phối hợp với Thường trực Hội đồng Dân tộc theo dõi "
        "việc thực hiện Nghị quyết này.",
    )
    assigned = {task: roles for task, roles in _roles(result).items() if roles != ([], [])}
    assert assigned == {
        "2.1": (["chinh-phu", "toa-an-nhan-dan-toi-cao"], []),
        "2.2": (["hoi-dong-dan-toc", "cac-uy-ban-cua-quoc-hoi"], []),
        "3": (["van-phong-quoc-hoi"], ["hoi-dong-dan-toc"]),
    }


def test_a_list_goes_on_after_a_unit_in_brackets_and_the_press(tmp_path: Path) -> None:
    """ "Trung tâm Dịch vụ việc làm tỉnh (Sở Nội vụ), Ủy ban nhân dân xã, phường": the list
    goes on after the owner in brackets; "cơ quan thông tấn báo chí" (the press) is vague but
    does not end a list."""
    result = _import(
        tmp_path,
        "1. Tổ chức tư vấn việc làm",
        "- Cơ quan chủ trì: Sở Y tế, cơ quan thông tấn báo chí, Sở Tư pháp.",
        "- Cơ quan phối hợp: Trung tâm Dịch vụ việc làm tỉnh (Sở Nội vụ), Ủy ban nhân dân xã, "
        "phường và các cơ quan liên quan.",
    )
    assert _roles(result) == {
        "1": (
            ["so-y-te", "so-tu-phap"],
            ["trung-tam-dich-vu-viec-lam-tinh", "uy-ban-nhan-dan-cac-xa-phuong-thi-tran"],
        )
    }


def test_a_quyet_dinh_with_bare_article_lines(tmp_path: Path) -> None:
    """ "Điều 2." on a line of its own numbers the paragraph below it; an article that gives no
    work and the closing article are no tasks."""
    result = _import(
        tmp_path,
        "QUYẾT ĐỊNH",
        "VỀ VIỆC PHÊ DUYỆT KẾ HOẠCH",
        "Điều 1.",
        "Phê duyệt Kế hoạch phát triển du lịch năm 2027.",
        "Điều 2.",
        "Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế triển khai Kế hoạch.",
        "Điều 3.",
        "Chánh Văn phòng UBND tỉnh, Giám đốc các Sở chịu trách nhiệm thi hành Quyết định này.",
    )
    assert _roles(result) == {"2": (["so-tai-chinh"], ["so-y-te"])}


def test_a_quy_dinh_in_chapters(tmp_path: Path) -> None:
    """A Quy định in chapters: "Chương II" and its title in capitals assign nothing; every
    article is an item ("Điều 9. Quy định chuyển tiếp" with a paragraph naming its lead), the
    definitions and scope articles are no tasks; "8. Trách nhiệm của Chủ tịch UBND cấp xã"
    over a), b) is the communes' task; the 2025 press body "Báo và Phát thanh, Truyền hình"."""
    result = _import(
        tmp_path,
        "QUY ĐỊNH",
        "Quản lý chợ trên địa bàn tỉnh",
        "Chương I",
        "NHỮNG QUY ĐỊNH CHUNG",
        "Điều 1. Phạm vi điều chỉnh và đối tượng áp dụng",
        "1. Các sở, ban, ngành; Ủy ban nhân dân các xã, phường.",
        "Điều 2. Giải thích từ ngữ",
        "Chợ dân sinh là chợ do Ủy ban nhân dân cấp xã quản lý.",
        "Chương II",
        "TRÁCH NHIỆM CỦA SỞ CÔNG THƯƠNG VÀ CÁC CƠ QUAN",
        "Điều 8. Tổ chức thực hiện",
        "1. Báo và Phát thanh, Truyền hình tỉnh",
        "a) Tuyên truyền quy định về quản lý chợ.",
        "2. Trách nhiệm của Chủ tịch Ủy ban nhân dân cấp xã",
        "a) Kiểm tra an toàn chợ trên địa bàn.",
        "b) Phối hợp với Sở Công Thương xử lý vi phạm.",
        "Điều 9. Quy định chuyển tiếp",
        "Đối với chợ đang giao Sở Công Thương quản lý thì Sở Công Thương tiếp tục quản lý.",
    )
    assigned = {task: roles for task, roles in _roles(result).items() if roles != ([], [])}
    assert assigned == {
        "8.1": (["bao-va-phat-thanh-truyen-hinh-tinh"], []),
        "8.2": (["uy-ban-nhan-dan-cac-xa-phuong-thi-tran"], ["so-cong-thuong"]),
        "9": (["so-cong-thuong"], []),
    }


def test_a_request_for_feedback_on_difficulties_is_no_task(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Sở Y tế chủ trì, phối hợp với Sở Tài chính triển khai Kế hoạch.",
        "2. Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các sở, ban, ngành, Ủy ban "
        "nhân dân các xã, phường kịp thời phản ánh về Sở Y tế để tổng hợp.",
    )
    assert _roles(result) == {"1": (["so-y-te"], ["so-tai-chinh"])}


def test_the_front_and_the_mass_organisations_are_two_names(tmp_path: Path) -> None:
    """ "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các Đoàn thể": the Front's name ends before
    "và các" and a kind of body."""
    result = _import(
        tmp_path,
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các Đoàn thể tuyên truyền, vận động Nhân dân.",
    )
    assert _roles(result) == {"1": (["uy-ban-mat-tran-to-quoc-viet-nam-tinh"], [])}


def test_an_organisation_item_with_dashed_points_is_a_task_despite_its_report(
    tmp_path: Path,
) -> None:
    """In "Tổ chức thực hiện", an item that lists its work in dashed points is a task even when
    one point sets a report; a bare reporting sentence stays a reporting rule."""
    result = _import(
        tmp_path,
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Sở Y tế chỉ đạo Trung tâm Kiểm soát bệnh tật thực hiện các nội dung sau:",
        "- Phối hợp với Ủy ban nhân dân các xã, phường giám sát dịch bệnh.",
        "- Tổng hợp kết quả, báo cáo Ủy ban nhân dân tỉnh trước ngày 15/12/2027.",
        "2. Các sở, ban, ngành báo cáo kết quả thực hiện về Sở Y tế trước ngày 10/12 hằng năm.",
    )
    assert _roles(result) == {"1": (["so-y-te"], ["uy-ban-nhan-dan-cac-xa-phuong-thi-tran"])}


def test_a_heading_that_is_only_a_long_name_heads_its_points(tmp_path: Path) -> None:
    """ "1. Viện Nghiên cứu, Phát triển và Đào tạo tỉnh" (a name the lexicon cuts at its comma)
    over a), b): no verb, no cue, no full stop: the name heads the points."""
    result = _import(
        tmp_path,
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Viện Nghiên cứu, Phát triển và Đào tạo tỉnh",
        "a) Tuyên truyền nội dung quy hoạch.",
        "b) Chủ trì, phối hợp với Sở Y tế đánh giá, báo cáo định kỳ trước ngày 15/12 hằng năm.",
    )
    ((task_id, (leads, coordinators)),) = _roles(result).items()
    assert (task_id, len(leads), coordinators) == ("1", 1, ["so-y-te"])
    assert leads[0].startswith("vien-nghien-cuu")


def test_the_forest_rangers_and_army_units_in_a_partner_list(tmp_path: Path) -> None:
    """ "Chi cục Kiểm lâm" is one name ("lâm" is no "làm"); "đơn vị Quân đội" (army units) is
    vague but does not end the list of partners."""
    result = _import(
        tmp_path,
        "Công an tỉnh phối hợp với Chi cục Kiểm lâm, đơn vị Quân đội, Ủy ban nhân dân cấp xã "
        "tuần tra phòng cháy rừng.",
    )
    assert _roles(result) == {
        "1": (["cong-an-tinh"], ["chi-cuc-kiem-lam", "uy-ban-nhan-dan-cac-xa-phuong-thi-tran"])
    }
