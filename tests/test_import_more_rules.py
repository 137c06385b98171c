"""More general reading rules of the importer (issue 13, fourth session), each on sentences
written for the test, none taken from a test text: the group convention (a plural phrase that
names a kind of agency is that kind's group; one that names no kind is vague), roles when the
only partner is vague, and the closing block ("Nơi nhận", the signature) that assigns nothing."""

from __future__ import annotations

from pathlib import Path

from bot.importer import ImportResult, import_plan
from bot.plan import load_plan

Roles = dict[str, tuple[list[str], list[str]]]


def _import(tmp_path: Path, *paragraphs: str) -> ImportResult:
    path = tmp_path / "cv.txt"
    path.write_text("\n".join(paragraphs), encoding="utf-8")
    return import_plan(path, load_plan().agencies)


def _roles(result: ImportResult) -> Roles:
    return {t.id: (t.agencies("lead"), t.agencies("coordinate")) for t in result.tasks}


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
