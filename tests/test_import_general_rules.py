"""General reading rules of the importer, each on short sentences written for the test (not
taken from any test text): who leads and who coordinates, as a reader of the text expects."""

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
