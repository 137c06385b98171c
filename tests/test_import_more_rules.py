"""More general reading rules of the importer (issue 13, fourth session), each on sentences
written for the test, none taken from a test text: the group convention (a plural phrase that
names a kind of agency is that kind's group; one that names no kind is vague), roles when the
only partner is vague, and the closing block ("Nơi nhận", the signature) that assigns nothing."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_general_rules import _import, _roles


def test_a_phrase_that_names_a_kind_of_agency_is_its_group(tmp_path: Path) -> None:
    """ "liên quan" does not make a group vague; "địa phương" names the districts."""
    result = _import(
        tmp_path,
        "Sở Xây dựng chủ trì, phối hợp với các sở, ngành, đơn vị liên quan rà soát quy hoạch.",
        "Sở Y tế chủ trì, phối hợp với các đơn vị, địa phương liên quan tổ chức tiêm chủng.",
        "Sở Tài chính chủ trì, phối hợp với các sở, ngành, địa phương bố trí kinh phí.",
        "Giao các ngành chức năng tăng cường kiểm tra an toàn thực phẩm.",
    )
    assert _roles(result) == {
        "1": (["so-xay-dung"], ["cac-so-ban-nganh"]),
        "2": (["so-y-te"], ["ubnd-huyen-thanh-pho"]),
        "3": (["so-tai-chinh"], ["cac-so-ban-nganh", "ubnd-huyen-thanh-pho"]),
        "4": (["cac-so-ban-nganh"], []),
    }


def test_a_phrase_that_names_no_kind_of_agency_is_no_assignment(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Sở Xây dựng chủ trì, phối hợp với các cơ quan, đơn vị liên quan, các tổ chức, cá nhân "
        "rà soát quy hoạch.",
        "Sở Y tế chủ trì, phối hợp với các cơ quan chức năng kiểm tra các cơ sở.",
    )
    assert _roles(result) == {"1": (["so-xay-dung"], []), "2": (["so-y-te"], [])}


def test_working_with_vague_partners_only_is_leading(tmp_path: Path) -> None:
    """ "X chủ động phối hợp với Y" makes Y the lead; when Y is vague, nobody but X leads."""
    result = _import(
        tmp_path,
        "Sở Kế hoạch và Đầu tư chủ động phối hợp các đơn vị liên quan rà soát các dự án.",
        "Sở Xây dựng chủ động phối hợp với Sở Giao thông vận tải rà soát các tuyến đường.",
        "Sở Y tế phối hợp cùng Sở Tài chính xây dựng kế hoạch mua sắm.",
    )
    assert _roles(result) == {
        "1": (["so-khdt"], []),
        "2": (["so-gtvt"], ["so-xay-dung"]),
        "3": (["so-y-te"], ["so-tai-chinh"]),
    }


def test_the_recipients_and_the_signature_assign_nothing(tmp_path: Path) -> None:
    """After "Nơi nhận:" and the signature nothing is a task, up to an appendix."""
    result = _import(
        tmp_path,
        "1. Giao Sở Y tế chủ trì, phối hợp với Sở Tài chính tổ chức tiêm chủng.",
        "2. Sở Xây dựng kiểm tra các công trình trường học.",
        "Nơi nhận:",
        "- Như trên;",
        "- Sở Tài chính;",
        "- Cục Thuế tỉnh (để phối hợp);",
        "- Lưu: VT.",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Bộ Trưởng Bộ Y tế",
    )
    assert _roles(result) == {
        "1": (["so-y-te"], ["so-tai-chinh"]),
        "2": (["so-xay-dung"], []),
    }
    assert result.new_agencies == []


def test_a_paragraph_without_subject_continues_who_leads_at_the_end_before_it(
    tmp_path: Path,
) -> None:
    """An agency told to act and then named as a coordinator of the lead is not carried into
    the next paragraph; every lead at the end of the paragraph is."""
    result = _import(
        tmp_path,
        "UBND tỉnh yêu cầu Sở Y tế, UBND các huyện, thành phố tăng cường giám sát dịch. Đồng "
        "thời, giao Sở Y tế chủ trì, phối hợp với UBND các huyện, thành phố lập kế hoạch.",
        "Tổ chức tập huấn cho cán bộ y tế cơ sở.",
        "Giao Sở Xây dựng rà soát các công trình; Sở Tài chính bố trí kinh phí.",
        "Hoàn thành trước ngày 30/6/2027.",
    )
    assert _roles(result) == {
        "1": (["so-y-te", "ubnd-huyen-thanh-pho"], []),
        "2": (["so-y-te"], []),
        "3": (["so-xay-dung", "so-tai-chinh"], []),
        "4": (["so-xay-dung", "so-tai-chinh"], []),
    }


def test_a_paragraph_opening_with_a_condition_continues_the_task_before_it(
    tmp_path: Path,
) -> None:
    result = _import(
        tmp_path,
        "UBND tỉnh yêu cầu Sở Tài chính theo dõi sát diễn biến giá cả thị trường.",
        "Trường hợp cần thiết, căn cứ điều kiện thực tế để tham mưu UBND tỉnh bình ổn giá.",
        "Trường hợp giá tăng đột biến là do thiên tai, dịch bệnh kéo dài.",
        "Giao Sở Xây dựng phối hợp với Sở Tài chính kiểm tra giá vật liệu.",
    )
    assert _roles(result) == {
        "1": (["so-tai-chinh"], []),
        "2": (["so-tai-chinh"], []),
        "3": (["so-xay-dung"], ["so-tai-chinh"]),
    }


def test_a_long_fronted_phrase_of_purpose_or_time_keeps_the_subject(tmp_path: Path) -> None:
    """ "Để …, trong thời gian …, X chỉ đạo <its units> phối hợp với ngành Y": X leads, and
    the sector ("ngành Y tế") is its department."""
    result = _import(
        tmp_path,
        "Để ngăn ngừa sự lây lan của dịch bệnh trong cộng đồng, trong thời gian học sinh mầm "
        "non, tiểu học, trung học cơ sở, trung học phổ thông, giáo dục thường xuyên nghỉ học, "
        "Sở Xây dựng chỉ đạo các nhà thầu phối hợp với ngành Y tế khử trùng các công trình.",
        "Sở Tài chính bố trí kinh phí.",
    )
    assert _roles(result) == {
        "1": (["so-xay-dung"], ["so-y-te"]),
        "2": (["so-tai-chinh"], []),
    }


# A Quyết định ban hành kế hoạch as a province publishes it, written for the test: the decision
# (its "QUYẾT ĐỊNH:" line, articles, recipients and signature), then the plan it issues, with
# "Sở X:" headings above their tasks, a "Tổ chức thực hiện" section and a pasted appendix table.
DECISION_WITH_PLAN = [
    "ỦY BAN NHÂN DÂN",
    "TỈNH TUYÊN QUANG",
    "Số: 1234/QĐ-UBND",
    "Tuyên Quang, ngày 10 tháng 3 năm 2027",
    "QUYẾT ĐỊNH",
    "Về việc ban hành Kế hoạch phòng, chống dịch sốt xuất huyết năm 2027",
    "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Xét đề nghị của Giám đốc Sở Y tế tại Tờ trình số 15/TTr-SYT,",
    "QUYẾT ĐỊNH:",
    "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch phòng, chống dịch sốt xuất huyết.",
    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
    "Điều 3. Chánh Văn phòng UBND tỉnh, Giám đốc các sở: Y tế, Tài chính; Chủ tịch UBND các "
    "huyện, thành phố chịu trách nhiệm thi hành Quyết định này./.",
    "Nơi nhận:",
    "- Như Điều 3;",
    "- Sở Xây dựng;",
    "- Lưu: VT.",
    "KT. CHỦ TỊCH",
    "PHÓ CHỦ TỊCH",
    "KẾ HOẠCH",
    "PHÒNG, CHỐNG DỊCH SỐT XUẤT HUYẾT NĂM 2027",
    "(Ban hành kèm theo Quyết định số 1234/QĐ-UBND ngày 10/3/2027 của Chủ tịch UBND tỉnh)",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "Giảm số ca mắc; Sở Xây dựng chủ trì theo dõi.",
    "II. NHIỆM VỤ VÀ GIẢI PHÁP",
    "1. Sở Y tế:",
    "a) Chủ trì, phối hợp với UBND các huyện, thành phố giám sát ca bệnh.",
    "b) Cấp phát hóa chất diệt muỗi, hoàn thành trước ngày 30/4/2027.",
    "2. Sở Tài chính:",
    "Bố trí kinh phí phòng, chống dịch; phối hợp với Sở Y tế hướng dẫn thanh toán.",
    "3. UBND các huyện, thành phố:",
    "- Tổ chức chiến dịch diệt bọ gậy;",
    "- Phối hợp với Sở Thông tin và Truyền thông tuyên truyền.",
    "III. TỔ CHỨC THỰC HIỆN",
    "Các sở, ban, ngành, UBND các huyện, thành phố báo cáo kết quả về Sở Y tế trước ngày 20 "
    "hằng tháng để tổng hợp.",
]
PIPE_TABLE = [
    "PHỤ LỤC",
    "| STT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành |",
    "|---|---|---|---|---|",
    "| 1 | Điều tra ổ dịch | Sở Y tế | UBND các huyện, thành phố | Quý II/2027 |",
    "| 2 | Mua sắm máy phun | Sở Tài chính | Sở Y tế | Trước ngày 30/6/2027 |",
]
TAB_TABLE = [
    "PHỤ LỤC",
    "STT\tNhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian hoàn thành",
    "1\tĐiều tra ổ dịch\tSở Y tế\tUBND các huyện, thành phố\tQuý II/2027",
    "2\tMua sắm máy phun\tSở Tài chính\tSở Y tế\tTrước ngày 30/6/2027",
]


def test_a_decision_issuing_a_plan_imports_the_plan(tmp_path: Path) -> None:
    result = _import(tmp_path, *DECISION_WITH_PLAN, *PIPE_TABLE)
    plan = result.draft["plan"]
    assert plan["title"] == "KẾ HOẠCH PHÒNG, CHỐNG DỊCH SỐT XUẤT HUYẾT NĂM 2027"
    assert plan["number"] == "1234/QĐ-UBND"
    assert plan["date"] == "2027-03-10"
    # The decision's articles, its recipients and the aims section assign nothing; a heading
    # "Sở X:" leads the lettered items under it, one task with the heading's number (as the
    # plan numbers it, and as a focal point reports it); the appendix rows come after the
    # body's sections.
    assert _roles(result) == {
        "1": (["so-y-te"], ["ubnd-huyen-thanh-pho"]),
        "2": (["so-tai-chinh"], ["so-y-te"]),
        "3": (["ubnd-huyen-thanh-pho"], ["so-tttt"]),
        "4.1": (["so-y-te"], ["ubnd-huyen-thanh-pho"]),
        "4.2": (["so-tai-chinh"], ["so-y-te"]),
    }
    deadlines = {
        t.id: t.deadline.due.isoformat() for t in result.tasks if t.deadline and t.deadline.due
    }
    assert deadlines == {"1": "2027-04-30", "4.1": "2027-06-30", "4.2": "2027-06-30"}
    (rule,) = result.draft["reporting"]
    assert (rule["who"], rule["to"], rule["day"]) == (
        ["cac-so-ban-nganh", "ubnd-huyen-thanh-pho"],
        "so-y-te",
        20,
    )
    assert rule["months"] == list(range(1, 13))


def test_a_task_table_pasted_with_tabs_reads_like_one_with_bars(tmp_path: Path) -> None:
    bars = _roles(_import(tmp_path, *DECISION_WITH_PLAN, *PIPE_TABLE))
    tabs = _roles(_import(tmp_path, *DECISION_WITH_PLAN, *TAB_TABLE))
    assert tabs == bars
    assert tabs["4.2"] == (["so-tai-chinh"], ["so-y-te"])


def test_the_decides_line_of_a_quyet_dinh_is_no_title(tmp_path: Path) -> None:
    """A news copy of a Quyết định without its title block: the line naming it is the title."""
    result = _import(
        tmp_path,
        "Quyết định số 52/QĐ-UBND của UBND tỉnh về việc công bố dịch sốt xuất huyết trên địa "
        "bàn huyện Na Hang",
        "QUYẾT ĐỊNH:",
        "Điều 1: Nay công bố dịch sốt xuất huyết trên địa bàn huyện Na Hang.",
        "Điều 2. Sở Y tế có trách nhiệm triển khai các biện pháp phòng, chống dịch.",
    )
    plan = result.draft["plan"]
    assert plan["title"].startswith("Quyết định số 52/QĐ-UBND của UBND tỉnh về việc công bố")
    assert plan["number"] == "52/QĐ-UBND"
    assert _roles(result) == {"2": (["so-y-te"], [])}


def test_an_elliptical_list_after_so_names_each_department_and_the_agencies_after_it(
    tmp_path: Path,
) -> None:
    """ "các Sở: Xây dựng, Y tế, Công an tỉnh, Ban Quản lý …, UBND các huyện …" (the head
    written once; the article may be misspelt in a published page) lists five assignees."""
    result = _import(
        tmp_path,
        "Chủ tịch UBND tỉnh vừa có văn bản chỉ đạo cá Sở: Xây dựng, Tài nguyên và Môi trường, "
        "Công an tỉnh, Ban Quản lý Khu kinh tế Hòa Phú và các Khu công nghiệp tỉnh, UBND các "
        "huyện, thành phố theo chức năng, nhiệm vụ được giao tăng cường công tác kiểm tra.",
    )
    by_name = {a.name: a.id for a in result.new_agencies}
    assert _roles(result) == {
        "1": (
            [
                "so-xay-dung",
                "so-tnmt",
                by_name["Công an tỉnh"],
                # the province's economic-zone board, written with its own place name
                by_name["Ban Quản lý Khu kinh tế tỉnh"],
                "ubnd-huyen-thanh-pho",
            ],
            [],
        )
    }


def test_an_agency_allowed_to_act_leads(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "1. Đồng ý Lãnh đạo Sở Y tế ký Biên bản ghi nhớ với Bệnh viện Bạch Mai.",
        "2. Đồng ý đề nghị của Sở Tài chính về việc điều chỉnh dự toán.",
        "3. Sở Xây dựng hướng dẫn thủ tục.",
    )
    # A numbered point without an assignee stays a task that binds nobody in particular.
    assert _roles(result) == {
        "1": (["so-y-te"], []),
        "2": ([], []),
        "3": (["so-xay-dung"], []),
    }


def test_people_stand_for_the_agency_they_head_and_brackets_qualify(tmp_path: Path) -> None:
    """ "phối hợp với Giám đốc Sở X" is Sở X; "Sở X (Chi cục Y)" is Sở X; a bare title
    ("Bộ Trưởng", capitalised in a signature or a heading) is no agency."""
    result = _import(
        tmp_path,
        "Sở Y tế chủ trì, phối hợp với Giám đốc Sở Tài chính, Chủ tịch UBND các huyện, thành "
        "phố tổ chức kiểm tra.",
        "Giao Sở Nông nghiệp và Phát triển nông thôn (Chi cục Chăn nuôi và Thú y) chủ trì, phối "
        "hợp với Sở Xây dựng triển khai.",
        "Giám Đốc Sở Xây dựng chịu trách nhiệm kiểm tra các công trình.",
    )
    assert _roles(result) == {
        "1": (["so-y-te"], ["so-tai-chinh", "ubnd-huyen-thanh-pho"]),
        "2": (["so-nnptnt"], ["so-xay-dung"]),
        "3": (["so-xay-dung"], []),
    }
    assert result.new_agencies == []


def test_localities_of_a_central_text_are_the_provinces(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        "Thủ tướng Chính phủ giao Bộ Y tế chủ trì, phối hợp với các bộ, ngành, địa phương triển "
        "khai tiêm chủng.",
    )
    by_name = {a.name: a.id for a in result.new_agencies}
    provinces = by_name["Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương"]
    assert _roles(result) == {"1": (["bo-y-te"], [by_name["Các bộ, ngành trung ương"], provinces])}
