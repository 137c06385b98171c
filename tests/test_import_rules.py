"""The Vietnamese rules of the importer, one by one: reporting periods, task deadlines, roles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.importer import import_plan
from bot.importer.timing import read_deadline, read_report_timing
from bot.plan import load_plan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Định kỳ trước ngày 20 của tháng cuối quý, 06 tháng và hằng năm báo cáo UBND tỉnh",
            [(20, (3, 6, 9, 12))],
        ),
        ("báo cáo kết quả trước ngày 05/6 và 05/12 hằng năm", [(5, (6, 12))]),
        ("hằng tháng trước ngày 25, các đơn vị báo cáo Sở Nội vụ", [(25, tuple(range(1, 13)))]),
        ("tổng hợp, báo cáo UBND tỉnh trước ngày 15/12", [(15, (12,))]),
        ("dinh ky 6 thang, truoc ngay 10 bao cao", [(10, (6, 12))]),
        ("báo cáo khi có yêu cầu", []),
    ],
)
def test_report_periods(text: str, expected: list[tuple[int, tuple[int, ...]]]) -> None:
    assert [(t.day, t.months) for t in read_report_timing(text)] == expected


@pytest.mark.parametrize(
    ("text", "kind", "due", "before"),
    [
        ("hoàn thành trong quý I/2021", "quarter", date(2021, 3, 31), False),
        ("Thời gian: Quý III năm 2022", "quarter", date(2022, 9, 30), False),
        ("trình UBND tỉnh trước ngày 30/6/2021", "date", date(2021, 6, 30), True),
        ("hoàn thành trước ngày 15 tháng 8 năm 2023", "date", date(2023, 8, 15), True),
        ("trong tháng 10/2021", "month", date(2021, 10, 31), False),
        ("hoàn thành trong năm 2022", "year", date(2022, 12, 31), False),
        ("Thường xuyên", "ongoing", None, False),
    ],
)
def test_task_deadlines(text: str, kind: str, due: date | None, before: bool) -> None:
    deadline = read_deadline(text)
    assert deadline is not None
    assert (deadline.kind, deadline.due, deadline.before) == (kind, due, before)


def test_no_deadline_in_a_plain_sentence() -> None:
    assert read_deadline("Phát triển kinh tế đến năm 2030, tầm nhìn đến năm 2045") is None


def test_agency_headings_above_their_tasks(tmp_path: Path) -> None:
    """The other common layout: "1. Sở X:" and the bullets of its tasks under it."""
    text = "\n".join(
        [
            "KẾ HOẠCH",
            "THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH NĂM 2022",
            "I. MỤC ĐÍCH, YÊU CẦU",
            "1. Sở Y tế chủ trì tuyên truyền.",
            "II. NHIỆM VỤ CỤ THỂ",
            "1. Sở Y tế:",
            "- Chủ trì, phối hợp với Sở Tài chính xây dựng đề án, hoàn thành trong quý II/2022.",
            "- Phối hợp với Sở Xây dựng rà soát các cơ sở y tế.",
            "2. Sở Giao thông vận tải:",
            "a) Chủ trì, phối hợp với UBND các huyện, thành phố bảo trì đường địa phương.",
            "b) Báo cáo kết quả cho Sở Kế hoạch và Đầu tư trước ngày 30/11/2022.",
            "III. TỔ CHỨC THỰC HIỆN",
            "Các sở, ban, ngành báo cáo UBND tỉnh trước ngày 15/12 hằng năm (qua Sở Nội vụ).",
        ]
    )
    path = tmp_path / "kh.txt"
    path.write_text(text, encoding="utf-8")
    result = import_plan(path, load_plan().agencies)
    roles = {t.id: (t.agencies("lead"), t.agencies("coordinate")) for t in result.tasks}
    assert roles == {
        "1": (["so-y-te"], ["so-tai-chinh", "so-xay-dung"]),
        # Lettered items under a heading that names only their agency are one task with the
        # heading's number, as its dashed items are (sixth session; split only when the items
        # name different leads).
        "2": (["so-gtvt"], ["ubnd-huyen-thanh-pho"]),
    }
    (task,) = [t for t in result.tasks if t.id == "1"]
    assert task.deadline is not None
    assert task.deadline.due == date(2022, 6, 30)
    (rule,) = result.draft["reporting"]
    assert (rule["who"], rule["day"], rule["months"]) == (["cac-so-ban-nganh"], 15, [12])
    assert rule["to"] == "ubnd-tinh"
    assert [a.name for a in result.new_agencies] == ["Sở Nội vụ"]
    assert rule["cc"] == [result.new_agencies[0].id]
