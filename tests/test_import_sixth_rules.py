"""General reading rules of the importer added in the sixth session (issue 13), each on text
written for the test, none taken from a test text: lettered items under a heading that names
an agency, a "phối hợp" completed by the dashed lines below it, 2025 bodies (courts,
procuracies, communes with special zones, socio-political organisations, vertical agencies),
a name that stops at its comma, recipients and owners that are no assignees."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_general_rules import _import, _roles


def test_lettered_items_under_an_agency_heading_are_one_task_with_the_headings_number(
    tmp_path: Path,
) -> None:
    """ "2.1. Sở Tài chính" over a), b), c) (a line of its own each, the heading without a full
    stop): the department leads one task, 2.1, and the partners of every item coordinate."""
    result = _import(
        tmp_path,
        "2. Phân công nhiệm vụ",
        "2.1. Sở Tài chính",
        "a) Tham mưu Ủy ban nhân dân tỉnh bố trí kinh phí thực hiện Kế hoạch.",
        "b) Phối hợp Sở Y tế hướng dẫn thanh quyết toán kinh phí.",
        "2.2. Sở Tư pháp",
        "a) Chủ trì, phối hợp với Sở Nội vụ rà soát văn bản.",
        "b) Tổng hợp kết quả rà soát.",
    )
    assert _roles(result) == {
        "2.1": (["so-tai-chinh"], ["so-y-te"]),
        "2.2": (["so-tu-phap"], ["so-noi-vu"]),
    }


def test_lettered_items_that_name_their_own_leads_stay_apart(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "1. Sở Y tế",
        "a) Sở Y tế chủ trì giám sát dịch bệnh.",
        "b) Sở Tài chính bố trí kinh phí cho công tác giám sát.",
    )
    leads = sorted(lead for leads, _coordinators in _roles(result).values() for lead in leads)
    assert leads == ["so-tai-chinh", "so-y-te"]


def test_the_dashed_lines_after_a_bare_phoi_hop_name_the_partners(tmp_path: Path) -> None:
    """ "b) Chủ trì, phối hợp" and below it "- Sở X và các đơn vị … tham mưu …": the heading's
    agency leads; each dashed line names a partner, not a lead of its own."""
    result = _import(
        tmp_path,
        "3. Sở Y tế",
        "a) Chủ trì tổ chức giám sát dịch bệnh.",
        "b) Chủ trì, phối hợp",
        "- Sở Tài chính và các đơn vị liên quan tham mưu bố trí kinh phí phòng dịch.",
        "- Sở Xây dựng, Sở Tư pháp rà soát các cơ sở cách ly.",
    )
    assert _roles(result) == {"3": (["so-y-te"], ["so-tai-chinh", "so-xay-dung", "so-tu-phap"])}


def test_a_court_a_procuracy_and_the_communes_with_special_zones_are_agencies(
    tmp_path: Path,
) -> None:
    result = _import(
        tmp_path,
        "1. Đề nghị Viện kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh đẩy nhanh việc xét xử "
        "các vụ án.",
        "2. Ủy ban nhân dân xã, phường, đặc khu tổ chức tuyên truyền đến từng hộ dân.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    roles = _roles(result)
    assert [names[a] for a in roles["1"][0]] == [
        "Viện kiểm sát nhân dân tỉnh",
        "Tòa án nhân dân tỉnh",
    ]
    assert [names[a] for a in roles["2"][0]] == ["Ủy ban nhân dân các xã, phường, thị trấn"]


def test_socio_political_organisations_and_vertical_agencies_are_groups(tmp_path: Path) -> None:
    """A plural phrase naming a kind of body is that kind's group ("các tổ chức chính trị - xã
    hội", "cơ quan ngành dọc đóng trên địa bàn"), one agency however it is written."""
    result = _import(
        tmp_path,
        "1. Các tổ chức chính trị - xã hội tỉnh tuyên truyền đến đoàn viên, hội viên.",
        "2. Căn cứ Kế hoạch này, các cơ quan ngành dọc đóng trên địa bàn, Sở Y tế xây dựng kế "
        "hoạch thực hiện, gửi về Sở Tư pháp, cơ quan thường trực của Ban Chỉ đạo.",
        "3. Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã hội "
        "trực thuộc vận động Nhân dân tham gia.",
    )
    names = {a.id: a.name for a in result.new_agencies}
    roles = _roles(result)
    assert [names.get(a, a) for a in roles["1"][0]] == ["Các tổ chức chính trị - xã hội"]
    # the recipient before "cơ quan thường trực" is no lead
    assert [names.get(a, a) for a in roles["2"][0]] == [
        "Các cơ quan ngành dọc trên địa bàn",
        "so-y-te",
    ]
    assert [names.get(a, a) for a in roles["3"][0]] == [
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        "Các tổ chức chính trị - xã hội",
    ]


def test_a_name_found_by_its_head_word_stops_at_the_comma_after_it(tmp_path: Path) -> None:
    """ "phối hợp với Công an, lực lượng Hải quan": no agency "Công an, lực lượng Hải quan"."""
    result = _import(
        tmp_path,
        "1. Sở Y tế chủ trì, phối hợp với Công an, lực lượng Hải quan kiểm tra hàng hóa.",
    )
    assert all("," not in a.name for a in result.new_agencies)
    assert _roles(result)["1"][0] == ["so-y-te"]


def test_an_owner_before_phoi_hop_is_no_partner(tmp_path: Path) -> None:
    """ "1. Sở Y tế" / "Căn cứ tình hình thực tế của địa phương, phối hợp với Sở Tư pháp …":
    the localities own the situation; they are not asked to coordinate."""
    result = _import(
        tmp_path,
        "1. Sở Y tế",
        "a) Căn cứ tình hình thực tế của địa phương, phối hợp với Sở Tư pháp xác định chỉ tiêu.",
        "b) Tổ chức kiểm tra việc thực hiện.",
    )
    assert _roles(result) == {"1": (["so-y-te"], ["so-tu-phap"])}


def test_the_units_a_heading_agency_directs_are_not_its_partners(tmp_path: Path) -> None:
    """The units it directs are not its partners; the body they are told to work with is (as
    every key that met the case reads it, ninth session: plans_heldout2 thanhhoa IV.1 and
    dongnai III.2.11, plans_heldout4 thainguyen 8.6, plans_heldout5 bxd_cd96 3)."""
    result = _import(
        tmp_path,
        "1. Sở Y tế",
        "a) Tổ chức giám sát dịch bệnh.",
        "b) Chỉ đạo các ban, ngành, đoàn thể chủ động phối hợp với Sở Tư pháp tuyên truyền.",
    )
    assert _roles(result) == {"1": (["so-y-te"], ["so-tu-phap"])}


def test_articles_that_restart_their_numbering_give_a_draft_with_unique_ids(
    tmp_path: Path,
) -> None:
    """A Quy định's responsibility articles each number their clauses 1., 2., … and their
    points a), b): every task of the draft keeps an id of its own (a draft with a repeated id
    could not be loaded), and every clause keeps its agency."""
    result = _import(
        tmp_path,
        "QUY ĐỊNH",
        "Chương III",
        "TRÁCH NHIỆM CỦA CÁC CƠ QUAN",
        "Điều 10. Trách nhiệm của Sở Y tế",
        "1. Sở Y tế chủ trì, phối hợp với Sở Tài chính kiểm tra các cơ sở khám chữa bệnh.",
        "2. Sở Y tế chủ trì tổng hợp kết quả kiểm tra.",
        "Điều 11. Trách nhiệm của Sở Tư pháp",
        "1. Sở Tư pháp chủ trì, phối hợp với Sở Nội vụ rà soát văn bản quy phạm pháp luật.",
        "2. Sở Tư pháp chủ trì hướng dẫn nghiệp vụ cho cấp xã.",
        "Điều 12. Trách nhiệm của Sở Xây dựng",
        "1. Sở Xây dựng chủ trì, phối hợp với Sở Tài chính lập kế hoạch bảo trì.",
        "2. Sở Xây dựng chủ trì kiểm tra công trình.",
    )
    ids = [t.id for t in result.tasks]
    assert len(ids) == len(set(ids)), ids
    leads = {lead for t in result.tasks for lead in t.agencies("lead")}
    assert {"so-y-te", "so-tu-phap", "so-xay-dung"} <= leads
