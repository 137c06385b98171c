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
