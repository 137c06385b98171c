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


def test_a_list_of_ministries_under_one_head_names_each_ministry(tmp_path: Path) -> None:
    """ "yêu cầu các Bộ: Y tế; Xây dựng; Tài chính xây dựng phương án": the head written once
    before bare names separated by ";" names those ministries, not every ministry."""
    result = _import(
        tmp_path,
        "Kính gửi: Các đồng chí Bộ trưởng, Thủ trưởng cơ quan ngang Bộ",
        "1. Đối với các trạm y tế xã, yêu cầu các Bộ: Y tế; Xây dựng; Tài chính xây dựng "
        "phương án sắp xếp, báo cáo Ban Chỉ đạo trước ngày 15/12/2027.",
    )
    assert _roles(result)["1"] == (["bo-y-te", "bo-xay-dung", "bo-tai-chinh"], [])


def test_a_name_cited_in_a_fronted_phrase_is_not_the_subject(tmp_path: Path) -> None:
    """ "Đối với … (danh mục theo Báo cáo số … của Bộ Y tế gửi kèm), các Bộ, cơ quan ngang Bộ
    khẩn trương …", "Trên cơ sở các Nghị định của Chính phủ …, phân quyền, các Bộ … thực
    hiện …", "Sau khi nhận được kết quả từ Sở Y tế, Sở Tài chính bố trí …": the subject is
    after the fronted phrase; the body it cites or receives from is no assignee."""
    result = _import(
        tmp_path,
        "Kính gửi: Các đồng chí Bộ trưởng, Thủ trưởng cơ quan ngang Bộ",
        "1. Đối với 35 nhiệm vụ cần hướng dẫn (danh mục theo Báo cáo số 12/BC-BYT của Bộ Y tế "
        "gửi kèm), các Bộ, cơ quan ngang Bộ khẩn trương ban hành văn bản hướng dẫn.",
        "2. Trên cơ sở các Nghị định của Chính phủ về phân cấp, phân quyền, các Bộ, cơ quan "
        "ngang Bộ thực hiện rà soát các Luật chuyên ngành.",
        "3. Sau khi nhận được kết quả thẩm định từ Bộ Y tế, Bộ Tài chính bố trí kinh phí.",
    )
    roles = _roles(result)
    assert roles["1"] == roles["2"]
    assert len(roles["1"][0]) == 1
    assert roles["1"][0][0] != "bo-y-te"
    assert roles["3"] == (["bo-tai-chinh"], [])


def test_the_points_of_a_letter_to_one_body_that_name_nobody_are_its_own(
    tmp_path: Path,
) -> None:
    """ "Kính gửi: Chủ tịch Ủy ban nhân dân các tỉnh …" then points without a subject: the
    addressee leads them; a point listing members ("Thành phần … gồm: …") is nobody's work,
    and a point with its own subject keeps it."""
    result = _import(
        tmp_path,
        "Kính gửi: Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.",
        "Để tháo gỡ khó khăn ở cấp xã, Ban Chỉ đạo yêu cầu:",
        "1. Về trụ sở và tài sản công",
        "Tiếp tục rà soát, sắp xếp trụ sở, tài sản công bảo đảm đủ cơ sở vật chất cho cấp xã.",
        "2. Thành phần Tổ công tác gồm: Bộ Tài chính, Bộ Xây dựng.",
        "3. Bộ Y tế hướng dẫn việc mua sắm trang thiết bị cho trạm y tế xã.",
    )
    roles = _roles(result)
    assert len(roles["1"][0]) == 1
    assert roles["1"][0][0] not in ("bo-y-te", "bo-tai-chinh")
    assert roles["2"] == ([], [])
    assert roles["3"] == (["bo-y-te"], [])


def test_a_letter_to_several_bodies_gives_nobody_the_points_without_a_subject(
    tmp_path: Path,
) -> None:
    result = _import(
        tmp_path,
        "Kính gửi: Bộ Tài chính; Bộ Xây dựng",
        "1. Tiếp tục rà soát trụ sở, tài sản công của cấp xã.",
        "2. Bộ Y tế hướng dẫn việc mua sắm trang thiết bị.",
    )
    assert _roles(result)["1"] == ([], [])


def test_the_steps_of_a_procedure_are_tasks_of_their_own(tmp_path: Path) -> None:
    """ "d) Thời hạn giải quyết" over "Bước 1. …", "Bước 2. …": each step is a task with its
    own subject, after a fronted phrase of time ("Trong vòng 02 ngày làm việc, sau khi …, X");
    a step whose subject is no agency has none; "Nơi nhận kết quả." in the procedure is no
    closing "Nơi nhận:" and the articles after it are read."""
    result = _import(
        tmp_path,
        "Chương I",
        "QUY TRÌNH HỖ TRỢ NHÀ Ở",
        "Điều 4. Quy trình giải quyết hồ sơ",
        "a) Sở Y tế thông báo rộng rãi kế hoạch thực hiện.",
        "b) Thời hạn giải quyết",
        "Trong vòng 10 ngày làm việc kể từ ngày nhận hồ sơ, các cơ quan thực hiện như sau:",
        "Bước 1. Trong thời gian 02 ngày làm việc, Sở Y tế tiếp nhận hồ sơ và giao Sở Tài chính "
        "chủ trì, phối hợp với các phòng, ban chức năng thẩm định.",
        "Bước 2. Trong vòng 02 ngày làm việc, sau khi nhận được kết quả thẩm định từ Sở Tài "
        "chính, Sở Xây dựng ban hành quyết định phê duyệt danh sách.",
        "Bước 3. Trong vòng 02 ngày làm việc, hộ gia đình nộp bản sao giấy tờ.",
        "Bước 4. Sau thời gian niêm yết, nếu không có khiếu nại thì Sở Y tế trả kết quả.",
        "Nơi nhận kết quả.",
        "- Tại Bộ phận Một cửa.",
        "Chương II",
        "HÌNH THỨC HỖ TRỢ",
        "Điều 5. Lựa chọn hình thức hỗ trợ",
        "Căn cứ số lượng đối tượng, Sở Giao thông vận tải phối hợp Sở Tài chính, Sở Xây dựng "
        "tham mưu Ủy ban nhân dân tỉnh lựa chọn hình thức hỗ trợ.",
    )
    steps = [t for t in result.tasks if t.title.startswith(("Trong", "Sau"))]
    assert [(t.agencies("lead"), t.agencies("coordinate")) for t in steps] == [
        (["so-y-te", "so-tai-chinh"], [steps[0].agencies("coordinate")[0]]),
        (["so-xay-dung"], []),
        ([], []),
        (["so-y-te"], []),
    ]
    assert steps[0].agencies("coordinate")[0].startswith("cac-phong-ban")
    last = result.tasks[-1]
    assert (last.agencies("lead"), last.agencies("coordinate")) == (
        ["so-gtvt"],
        ["so-tai-chinh", "so-xay-dung"],
    )


def test_names_written_with_a_dash_a_slash_or_a_comma_inside(tmp_path: Path) -> None:
    """ "Phòng Văn hóa - Xã hội xã/phường" is one body (a dash between two fields, up to a
    verb: "… - Xã hội giao thôn"); "Phòng Kinh tế xã/Phòng Kinh tế, Hạ tầng và Đô thị phường"
    are two (a head after "/"; fields listed with "," and "và" inside a name)."""
    result = _import(
        tmp_path,
        "1. Trong 02 ngày làm việc, kể từ ngày nhận đủ hồ sơ, Phòng Kinh tế xã/Phòng Kinh tế, "
        "Hạ tầng và Đô thị phường phối hợp với Phòng Văn hóa - Xã hội xã/phường rà soát hồ sơ.",
        "2. Trong vòng 02 ngày, Phòng Văn hóa - Xã hội giao thôn tổ chức họp thôn.",
        "3. Cơ quan Bảo hiểm xã hội tỉnh tổng hợp danh sách, trình Sở Tài chính.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    roles = _roles(result)
    assert [names[a] for a in roles["1"][0]] == [
        "Phòng Kinh tế xã",
        "Phòng Kinh tế, Hạ tầng và Đô thị phường",
    ]
    assert [names[a] for a in roles["1"][1]] == ["Phòng Văn hóa - Xã hội xã/phường"]
    assert [names[a] for a in roles["2"][0]] == ["Phòng Văn hóa - Xã hội"]
    assert [names[a] for a in roles["3"][0]] == ["Bảo hiểm xã hội tỉnh"]


def test_going_on_with_partners_is_the_subjects_own_work(tmp_path: Path) -> None:
    """ "X tiếp tục phối hợp với Y … rà soát", "X có trách nhiệm phối hợp với Y rà soát":
    X does the work with Y's help (X leads, Y coordinates), unlike "X chủ động phối hợp với Y"
    (X helps Y)."""
    result = _import(
        tmp_path,
        "1. Sở Xây dựng tiếp tục phối hợp với Sở Tài chính rà soát các công trình.",
        "2. Sở Y tế có trách nhiệm phối hợp với Sở Xây dựng kiểm tra các trạm y tế.",
        "3. Sở Tài chính chủ động phối hợp với Sở Y tế trong việc bố trí kinh phí.",
    )
    roles = _roles(result)
    assert roles["1"] == (["so-xay-dung"], ["so-tai-chinh"])
    assert roles["2"] == (["so-y-te"], ["so-xay-dung"])
    assert roles["3"] == (["so-y-te"], ["so-tai-chinh"])


def test_a_letter_to_the_ministers_gives_the_ministries_its_subjectless_points(
    tmp_path: Path,
) -> None:
    """ "Kính gửi: Các đồng chí Bộ trưởng, Thủ trưởng cơ quan ngang Bộ" names the ministries;
    "2.2. Khẩn trương …" under a heading that names nobody ("2. Về …") is theirs; "1.1." under
    "1. Bộ Y tế" is Bộ Y tế's."""
    result = _import(
        tmp_path,
        "Kính gửi: Các đồng chí Bộ trưởng, Thủ trưởng cơ quan ngang Bộ",
        "1. Bộ Y tế",
        "1.1. Khẩn trương hướng dẫn việc sắp xếp trạm y tế xã.",
        "2. Về tháo gỡ vướng mắc",
        "2.1. Bộ Tài chính hướng dẫn việc quyết toán kinh phí.",
        "2.2. Khẩn trương nghiên cứu, xử lý các kiến nghị của địa phương.",
    )
    roles = _roles(result)
    assert roles["1.1"] == (["bo-y-te"], [])
    assert roles["2.1"] == (["bo-tai-chinh"], [])
    (lead,) = roles["2.2"][0]
    assert lead not in ("bo-y-te", "bo-tai-chinh")


def test_a_councils_resolution_gives_its_own_bodies_the_oversight(tmp_path: Path) -> None:
    """The closing article of a council's Nghị quyết: "Giao Thường trực Hội đồng nhân dân,
    các Ban Hội đồng nhân dân, Tổ đại biểu và các đại biểu … giám sát": the council's three
    bodies lead (its members are persons, not keyed)."""
    result = _import(
        tmp_path,
        "Điều 3. Tổ chức thực hiện",
        "1. Giao Sở Y tế triển khai thực hiện Nghị quyết.",
        "2. Giao Thường trực Hội đồng nhân dân, các Ban Hội đồng nhân dân, Tổ đại biểu và các "
        "đại biểu Hội đồng nhân dân tỉnh giám sát việc thực hiện Nghị quyết.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    leads = [names.get(a, a) for a in _roles(result)["3.2"][0]]
    assert leads == [
        "Thường trực Hội đồng nhân dân",
        "Các Ban Hội đồng nhân dân",
        "Các Tổ đại biểu Hội đồng nhân dân",
    ]


def test_a_centrally_run_citys_committee_is_the_issuer_it_names(tmp_path: Path) -> None:
    """In a Quyết định of Huế's People's Committee (or of its chairman), "Chủ tịch Ủy ban
    nhân dân thành phố quyết định …" reserves the decision to the issuer: no assignee; a
    department's clause is the department's."""
    result = _import(
        tmp_path,
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ",
        "Số: 12/2027/QĐ-UBND",
        "Huế, ngày 5 tháng 3 năm 2027",
        "QUYẾT ĐỊNH",
        "PHÂN CẤP QUẢN LÝ TÀI SẢN CÔNG",
        "Điều 1. Thẩm quyền quyết định",
        "1. Chủ tịch Ủy ban nhân dân thành phố quyết định xử lý tài sản là bất động sản.",
        "2. Sở Tài chính quyết định xử lý tài sản là xe ô tô.",
    )
    roles = _roles(result)
    assert roles["1"] == ([], [])
    assert roles["2"] == (["so-tai-chinh"], [])


def test_a_councils_resolution_has_its_title_read(tmp_path: Path) -> None:
    """ "HỘI ĐỒNG NHÂN DÂN TỈNH …" over "NGHỊ QUYẾT" and its title: a Nghị quyết is a document
    type, its "Căn cứ …" preamble no task; "chịu trách nhiệm thi hành Nghị quyết này" closes."""
    result = _import(
        tmp_path,
        "HỘI ĐỒNG NHÂN DÂN TỈNH TUYÊN QUANG",
        "Số: 37/2027/NQ-HĐND",
        "Tuyên Quang, ngày 18 tháng 11 năm 2027",
        "NGHỊ QUYẾT",
        "QUY ĐỊNH CHÍNH SÁCH HỖ TRỢ GIẢM NGHÈO",
        "Căn cứ Luật Tổ chức chính quyền địa phương;",
        "Điều 1. Tổ chức thực hiện",
        "1. Giao Sở Y tế hướng dẫn thực hiện Nghị quyết.",
    )
    assert result.draft["plan"]["document_type"] == "nghi quyet"
    assert _roles(result)["1.1"] == (["so-y-te"], [])


def test_the_closing_article_after_a_clause_is_no_part_of_it(tmp_path: Path) -> None:
    """ "Điều 5. Trách nhiệm thi hành" / "Chánh Văn phòng …, Giám đốc các Sở: Tài chính, Y tế
    … chịu trách nhiệm thi hành Quyết định này./." after the last clause of the article
    before: the standing closing formula gives that clause no leads."""
    result = _import(
        tmp_path,
        "Điều 4. Hiệu lực thi hành",
        "1. Sở Tài chính hướng dẫn việc chuyển tiếp.",
        "2. Quyết định này thay thế Quyết định số 15/2019/QĐ-UBND.",
        "Điều 5. Trách nhiệm thi hành",
        "Chánh Văn phòng Ủy ban nhân dân tỉnh; Giám đốc các Sở: Tài chính, Y tế, Xây dựng; "
        "Chủ tịch Ủy ban nhân dân các xã, phường chịu trách nhiệm thi hành Quyết định này./.",
    )
    roles = _roles(result)
    assert roles["1"] == (["so-tai-chinh"], [])
    assert roles["2"] == ([], [])


def test_an_item_that_says_who_does_what_over_its_numbered_points_is_a_task(
    tmp_path: Path,
) -> None:
    """ "2. Sở Y tế chỉ đạo Trung tâm Y tế phối hợp với các cơ quan chức năng: Sở Tài chính,
    Hội đồng giám định y khoa tỉnh, Hội Cựu chiến binh thực hiện các nội dung sau:" over "2.1.
    …", "2.2. …": the item's own line is a task (its subject leads, the partners listed after
    the label coordinate, the unit it directs is neither), and its points stay tasks."""
    result = _import(
        tmp_path,
        "1. Sở Xây dựng rà soát các công trình.",
        "2. Sở Y tế chỉ đạo Trung tâm Y tế tỉnh phối hợp với các cơ quan chức năng: Sở Tài "
        "chính, Hội đồng Giám định y khoa tỉnh, Hội Cựu chiến binh thực hiện các nội dung sau:",
        "2.1. Tiến hành xem xét lại từng hồ sơ.",
        "2.2. Sau khi kiểm tra, Sở Tài chính bố trí kinh phí.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    leads, partners = _roles(result)["2"]
    assert leads == ["so-y-te"]
    assert [names.get(a, a) for a in partners] == [
        "so-tai-chinh",
        "Hội đồng Giám định y khoa tỉnh",
        "Hội Cựu chiến binh tỉnh",
    ]
    assert _roles(result)["2.2"] == (["so-tai-chinh"], [])


def test_a_body_and_its_duty_over_lettered_points_is_one_task(tmp_path: Path) -> None:
    """ "1. Sở Tài chính có trách nhiệm:" over "a) Chủ trì hướng dẫn …", "b) Tổ chức kiểm tra
    …" (inside "Điều 8. Tổ chức thực hiện" or not): one task led by Sở Tài chính, as "1. Sở
    Tài chính" over its points is."""
    for article in ([], ["Điều 8. Tổ chức thực hiện"]):
        result = _import(
            tmp_path,
            *article,
            "1. Sở Tài chính có trách nhiệm:",
            "a) Chủ trì hướng dẫn các cơ quan, đơn vị có liên quan triển khai thực hiện.",
            "b) Tổ chức kiểm tra, giám sát việc chấp hành.",
            "2. Sở Y tế có trách nhiệm hướng dẫn việc quản lý trang thiết bị.",
        )
        prefix = "8." if article else ""
        assert _roles(result) == {
            f"{prefix}1": (["so-tai-chinh"], []),
            f"{prefix}2": (["so-y-te"], []),
        }


def test_a_case_after_a_dash_belongs_to_that_dash(tmp_path: Path) -> None:
    """Dashes with different subjects are tasks of their own; an unnumbered "Trường hợp …"
    paragraph after a dash is that dash's case, not another task."""
    result = _import(
        tmp_path,
        "1. Thủ tục thực hiện",
        "- Trong thời hạn 05 ngày làm việc, Sở Tài chính rà soát, thẩm định hồ sơ;",
        "Trường hợp có khiếu nại, trong thời hạn 07 ngày, Sở Y tế tổ chức xem xét, kết luận;",
        "- Trong thời hạn 03 ngày làm việc, Sở Xây dựng quyết định hỗ trợ cho đối tượng.",
    )
    roles = _roles(result)
    assert roles["1.1"] == (["so-tai-chinh", "so-y-te"], [])
    assert roles["1.2"] == (["so-xay-dung"], [])
    assert "1.3" not in roles


def test_the_subject_after_a_fronted_phrase_in_a_provincial_plan(tmp_path: Path) -> None:
    """ "Sau khi có kết quả kiểm tra của Sở Y tế, Sở Xây dựng …", "Trên cơ sở đề xuất của Sở Y
    tế, Sở Tài chính …", "Kể từ ngày …, Sở X …": the body cited in the fronted phrase is not
    the subject; "Đối với Sở Y tế: tổ chức …" names it."""
    result = _import(
        tmp_path,
        "I. NHIỆM VỤ",
        "1. Sau khi có kết quả kiểm tra của Sở Y tế, Sở Xây dựng tổng hợp báo cáo.",
        "2. Trên cơ sở đề xuất của Sở Y tế, Sở Tài chính thẩm định kinh phí.",
        "3. Kể từ ngày 01/01/2027, Sở Xây dựng hướng dẫn việc cấp phép.",
        "4. Đối với Sở Y tế: tổ chức tuyên truyền phòng chống dịch.",
    )
    assert _roles(result) == {
        "1": (["so-xay-dung"], []),
        "2": (["so-tai-chinh"], []),
        "3": (["so-xay-dung"], []),
        "4": (["so-y-te"], []),
    }


def test_a_table_without_a_partners_column_names_them_in_the_task(tmp_path: Path) -> None:
    """ "TT | Nội dung | Cơ quan chủ trì" rows: a task cell that says "… phối hợp với Sở Y tế
    …" names the row's partner; with a partners' column the cell is not read for them."""
    result = _import(
        tmp_path,
        "PHỤ LỤC",
        "TT | Nội dung | Cơ quan chủ trì",
        "1 | Rà soát các trạm y tế xã, phối hợp với Sở Y tế xây dựng phương án. | Sở Xây dựng",
        "2 | Bố trí kinh phí sửa chữa trụ sở. | Sở Tài chính",
    )
    rows = [(t.agencies("lead"), t.agencies("coordinate")) for t in result.tasks]
    assert rows == [(["so-xay-dung"], ["so-y-te"]), (["so-tai-chinh"], [])]
    result = _import(
        tmp_path,
        "PHỤ LỤC",
        "TT | Nội dung | Cơ quan chủ trì | Cơ quan phối hợp",
        "1 | Rà soát các trạm, phối hợp với Sở Y tế lập phương án. | Sở Xây dựng | Sở Tài chính",
    )
    assert [(t.agencies("lead"), t.agencies("coordinate")) for t in result.tasks] == [
        (["so-xay-dung"], ["so-tai-chinh"])
    ]


def test_the_closing_clause_of_a_decision_is_no_task(tmp_path: Path) -> None:
    """ "Điều 3. Hiệu lực thi hành" / "1. … có hiệu lực …" / "2. Chánh Văn phòng …; Giám đốc
    các Sở …; Chủ tịch Ủy ban nhân dân các xã … chịu trách nhiệm thi hành Quyết định này./.":
    everyone named there is told to carry the decision out, which is no task of theirs."""
    result = _import(
        tmp_path,
        "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG",
        "Số: 12/QĐ-UBND",
        "QUYẾT ĐỊNH",
        "Về việc công nhận các xã khu vực miền núi",
        "Điều 1. Công nhận 12 xã thuộc khu vực miền núi của tỉnh.",
        "Điều 2. Giao Sở Nội vụ chủ trì, phối hợp với Sở Tài chính hướng dẫn các xã thực hiện.",
        "Điều 3. Hiệu lực thi hành",
        "1. Quyết định này có hiệu lực thi hành kể từ ngày ký.",
        "2. Chánh Văn phòng Ủy ban nhân dân tỉnh; Giám đốc các Sở: Nội vụ, Tài chính; Chủ tịch "
        "Ủy ban nhân dân các xã, phường chịu trách nhiệm thi hành Quyết định này./.",
    )
    assert all(roles == ([], []) for roles in _roles(result).values()), _roles(result)


def test_a_closing_clause_that_also_asks_for_reports_is_work(tmp_path: Path) -> None:
    """ "… chịu trách nhiệm thi hành Quyết định này. Định kỳ trước ngày 15/12 hằng năm báo cáo
    …": after the closing sentence comes work, so the clause stays a task."""
    result = _import(
        tmp_path,
        "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG",
        "Số: 13/QĐ-UBND",
        "QUYẾT ĐỊNH",
        "Ban hành Quy chế phối hợp",
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế phối hợp quản lý nhà nước về tín ngưỡng.",
        "Điều 2. Hiệu lực thi hành",
        "1. Sở Nội vụ chủ trì theo dõi việc thực hiện Quy chế.",
        "2. Thủ trưởng các sở, ban, ngành chịu trách nhiệm thi hành Quyết định này. Định kỳ trước "
        "ngày 15/12 hằng năm báo cáo kết quả thực hiện về Sở Nội vụ.",
    )
    assert _roles(result) == {"1": (["so-noi-vu"], []), "2": (["cac-so-ban-nganh"], [])}
