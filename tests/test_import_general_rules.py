"""General reading rules of the importer, each on short sentences written for the test (not
taken from any test text): who leads and who coordinates, as a reader of the text expects."""

from __future__ import annotations

from pathlib import Path

from bot.importer import ImportResult, import_plan
from bot.importer.lexicon import tokenize
from bot.plan import load_plan

Roles = dict[str, tuple[list[str], list[str]]]


def _import(tmp_path: Path, *paragraphs: str) -> ImportResult:
    path = tmp_path / "cv.txt"
    path.write_text("\n".join(paragraphs), encoding="utf-8")
    return import_plan(path, load_plan().agencies)


def _roles(result: ImportResult) -> Roles:
    return {t.id: (t.agencies("lead"), t.agencies("coordinate")) for t in result.tasks}


def test_the_subject_before_phoi_hop_voi_leads_and_the_partner_coordinates(
    tmp_path: Path,
) -> None:
    result = _import(
        tmp_path,
        "Sở Xây dựng, Sở Tài chính phối hợp với Sở Y tế tổ chức kiểm tra các công trình.",
    )
    assert _roles(result) == {"1": (["so-xay-dung", "so-tai-chinh"], ["so-y-te"])}


def test_helping_another_agency_in_its_work_is_coordinating(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Sở Tài chính phối hợp với Sở Y tế trong việc bố trí kinh phí mua sắm thiết bị.",
        "Sở Xây dựng chủ động phối hợp với Sở Giao thông vận tải rà soát các tuyến đường.",
    )
    assert _roles(result) == {
        "1": (["so-y-te"], ["so-tai-chinh"]),
        "2": (["so-gtvt"], ["so-xay-dung"]),
    }


def test_lead_cue_before_phoi_hop_keeps_the_subject_leading(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Sở Y tế chủ trì, phối hợp với Sở Tài chính xây dựng kế hoạch tiêm chủng năm 2027.",
    )
    assert _roles(result) == {"1": (["so-y-te"], ["so-tai-chinh"])}


def test_each_paragraph_that_assigns_work_is_a_task_in_order(tmp_path: Path) -> None:
    """Fronted phrases ("Theo đó, trong thời gian ..., X ...", "Riêng X ...") keep X the
    subject, so no paragraph is lost and the numbers after it do not shift."""
    result = _import(
        tmp_path,
        "Theo đó, từ nay đến hết tháng 3/2027, Công an tỉnh bố trí lực lượng tuần tra ban đêm.",
        "Riêng Sở Y tế rà soát danh sách các cơ sở khám chữa bệnh tư nhân.",
        "Sở Tài chính bố trí kinh phí cho các hoạt động trên.",
    )
    police = next(a.id for a in result.new_agencies if a.name == "Công an tỉnh")
    assert _roles(result) == {
        "1": ([police], []),
        "2": (["so-y-te"], []),
        "3": (["so-tai-chinh"], []),
    }


def test_a_paragraph_without_subject_continues_the_lead_before_it(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Sở Y tế hướng dẫn các cơ sở y tế phòng, chống dịch sốt xuất huyết.",
        "Thông báo kịp thời số ca mắc trên trang thông tin điện tử của ngành.",
        "Phối hợp với Sở Tài chính, Sở Xây dựng nghiên cứu đầu tư thêm trạm y tế.",
    )
    assert _roles(result) == {
        "1": (["so-y-te"], []),
        "2": (["so-y-te"], []),
        "3": (["so-y-te"], ["so-tai-chinh", "so-xay-dung"]),
    }


def test_a_plain_paragraph_without_subject_is_not_a_task(tmp_path: Path) -> None:
    """Only a paragraph that starts like a task ("Phối hợp", "Thông báo") inherits a lead."""
    result = _import(
        tmp_path,
        "Sở Y tế hướng dẫn các cơ sở y tế phòng, chống dịch sốt xuất huyết.",
        "Năm 2026 toàn tỉnh ghi nhận hơn 300 ca mắc, giảm so với cùng kỳ.",
        "Sở Tài chính bố trí kinh phí phòng, chống dịch.",
    )
    assert _roles(result) == {"1": (["so-y-te"], []), "2": (["so-tai-chinh"], [])}


def test_a_comma_before_a_place_does_not_make_it_a_subject(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Về dự án cảng cạn, thành phố Tuyên Quang vào quy hoạch, Sở Xây dựng chủ trì thực hiện.",
    )
    assert _roles(result) == {"1": (["so-xay-dung"], [])}


def test_the_articles_of_a_quyet_dinh_are_its_tasks(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "QUYẾT ĐỊNH",
        "VỀ VIỆC BAN HÀNH QUY CHẾ QUẢN LÝ CHỢ TRÊN ĐỊA BÀN TỈNH",
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý chợ trên địa bàn tỉnh.",
        "Điều 2. Giao Sở Công Thương chủ trì, phối hợp với Sở Tài chính hướng dẫn thực hiện.",
        "Sở Xây dựng hướng dẫn việc cải tạo các chợ hạng III.",
        "Điều 3. Chánh Văn phòng UBND tỉnh, Giám đốc Sở Công Thương, Giám đốc Sở Tài chính "
        "chịu trách nhiệm thi hành Quyết định này.",
    )
    trade = next(a.id for a in result.new_agencies if a.name == "Sở Công Thương")
    # Điều 1 issues the rules and Điều 3 is the usual "chịu trách nhiệm thi hành": no tasks.
    assert _roles(result) == {"2": ([trade, "so-xay-dung"], ["so-tai-chinh"])}


def test_agencies_outside_the_directory_are_drafted_as_new_ones(tmp_path: Path) -> None:
    """Police forces, a newspaper, a project board: recognised by their head words and added
    to the draft's own agencies, with suggestions from the directory when one is near."""
    result = _import(
        tmp_path,
        "Sở Giao thông vận tải phối hợp với Cảnh sát giao thông, cảnh sát cơ động kiểm tra "
        "tải trọng xe trên các tuyến quốc lộ.",
        "Báo Tân Trào, Đài Phát thanh và Truyền hình tỉnh đăng tải tin bài tuyên truyền.",
        "Ban Quản lý dự án giao thông tỉnh phối hợp với Sở Xây dựng lập hồ sơ thiết kế.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    by_name = {name: agency_id for agency_id, name in names.items()}
    assert _roles(result) == {
        "1": (["so-gtvt"], [by_name["Cảnh sát giao thông"], by_name["Cảnh sát cơ động"]]),
        "2": ([by_name["Báo Tân Trào"], by_name["Đài Phát thanh và Truyền hình tỉnh"]], []),
        "3": ([by_name["Ban Quản lý dự án giao thông tỉnh"]], ["so-xay-dung"]),
    }
    drafted = {a["id"]: a for a in result.draft["agencies"]}
    for agency_id in names:
        assert drafted[agency_id]["source"] == "plan"
        assert drafted[agency_id]["evidence"]["quote"]


def test_a_unit_of_a_ministry_is_not_an_assignee_of_a_provincial_plan(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Giao Sở Xây dựng chủ trì, phối hợp với Ban Quản lý dự án 2 - Bộ Giao thông vận tải, "
        "Sở Tài chính rà soát hồ sơ giải phóng mặt bằng.",
    )
    assert _roles(result) == {"1": (["so-xay-dung"], ["so-tai-chinh"])}
    assert result.new_agencies == []


def test_words_run_together_in_a_published_page_are_read_apart(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Giao Sở Y tế chủ trì, phối hợp với UBND cáchuyện, thành phố triển khai tiêm chủng.",
    )
    assert _roles(result) == {"1": (["so-y-te"], ["ubnd-huyen-thanh-pho"])}


def test_run_together_words_split_only_into_known_words() -> None:
    words = [t.word for t in tokenize("Nguyễn Văn A, trangthiết bị, website, Hưng Yên")]
    assert words == ["nguyen", "van", "a", "trangthiet", "bi", "website", "hung", "yen"]
    assert [t.word for t in tokenize("Bảo hiểmXã hội tỉnh")] == ["bao", "hiem", "xa", "hoi", "tinh"]


def test_the_lead_directing_its_own_units_adds_no_assignees(tmp_path: Path) -> None:
    """ "X ...; chỉ đạo <its units> phối hợp với Y": Y works with X's units, and the units
    ("Công an các huyện") are neither the districts' committees nor assignees; a directed
    force that is no agency ("lực lượng thanh tra") keeps the coordinators."""
    result = _import(
        tmp_path,
        "Công an tỉnh tăng cường tuần tra; chỉ đạo Công an các huyện, thành phố phối hợp với "
        "Cảnh sát cơ động kiểm soát các tuyến đường.",
        "Sở Giao thông vận tải chỉ đạo lực lượng thanh tra phối hợp với Cảnh sát giao thông "
        "kiểm tra các bến xe.",
    )
    police = next(a.id for a in result.new_agencies if a.name == "Công an tỉnh")
    traffic = next(a.id for a in result.new_agencies if a.name == "Cảnh sát giao thông")
    assert _roles(result) == {"1": ([police], []), "2": (["so-gtvt"], [traffic])}


def test_lines_wrapped_inside_a_sentence_are_one_paragraph(tmp_path: Path) -> None:
    """Text copied from a published page keeps its line breaks: "... chủ trì, phối" / "hợp
    với ..." is one paragraph; a closing article wrapped over lines is still no task."""
    result = _import(
        tmp_path,
        "QUYẾT ĐỊNH",
        "VỀ VIỆC TRIỂN KHAI CÔNG TÁC XÃ HỘI",
        "Điều 1.",
        "Ban hành kèm theo Quyết định này Kế hoạch phát triển công tác xã hội.",
        "Điều 2.",
        "Giao Sở Y tế chủ trì, phối",
        "hợp với Sở Tài chính tổ chức triển khai thực hiện",
        "Kế hoạch này trên địa bàn tỉnh.",
        "Điều",
        "3. Chánh Văn phòng UBND tỉnh; Giám đốc các Sở: Y tế",
        "- Tài chính; Chủ tịch UBND các huyện chịu trách nhiệm thi hành Quyết định này.",
    )
    assert _roles(result) == {"2": (["so-y-te"], ["so-tai-chinh"])}
    (task,) = result.tasks
    assert "phối hợp với Sở Tài chính" in task.text


def test_more_ways_of_assigning_and_coordinating(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "UBND tỉnh giao nhiệm vụ cho Sở Xây dựng rà soát quy hoạch, với sự phối hợp của Sở Y tế.",
        "Giao UBND các xã, phường chủ trì, phối hợp cùng Sở Tài chính kiểm kê tài sản công.",
    )
    communes = next(a for a in result.new_agencies if a.name.endswith("các xã, phường, thị trấn"))
    assert _roles(result) == {
        "1": (["so-xay-dung"], ["so-y-te"]),
        "2": ([communes.id], ["so-tai-chinh"]),
    }


def test_a_central_text_assigns_the_provinces_and_central_agencies(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Thủ tướng Chính phủ giao Bộ Y tế chủ trì, phối hợp với Bộ Tài chính, Ủy ban nhân dân "
        "các tỉnh, thành phố trực thuộc Trung ương triển khai tiêm chủng.",
        "Bảo hiểm xã hội Việt Nam phối hợp với Bộ Y tế hướng dẫn thanh toán chi phí.",
    )
    by_name = {a.name: a.id for a in result.new_agencies}
    provinces = by_name["Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương"]
    assert _roles(result) == {
        "1": (["bo-y-te"], ["bo-tai-chinh", provinces]),
        "2": ([by_name["Bảo hiểm xã hội Việt Nam"]], ["bo-y-te"]),
    }


def test_departments_listed_by_their_bare_names_after_cac_so(tmp_path: Path) -> None:
    """ "Giao các Sở: Tài chính, Xây dựng và Y tế": those three, not all the departments."""
    result = _import(
        tmp_path,
        "Giao các Sở: Tài chính, Kế hoạch và Đầu tư, Xây dựng và Y tế phối hợp với Sở Giao "
        "thông vận tải rà soát hồ sơ dự án.",
        "Giao các sở, ban, ngành chủ động triển khai.",
    )
    assert _roles(result) == {
        "1": (["so-tai-chinh", "so-khdt", "so-xay-dung", "so-y-te"], ["so-gtvt"]),
        "2": (["cac-so-ban-nganh"], []),
    }


def test_the_fatherland_front_abbreviated_is_not_a_peoples_committee(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Đề nghị Ủy ban MTTQ Việt Nam tỉnh phối hợp với Sở Nội vụ vận động nhân dân.",
    )
    by_name = {a.name: a.id for a in result.new_agencies}
    front = by_name["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"]
    assert _roles(result) == {"1": ([front], [by_name["Sở Nội vụ"]])}
