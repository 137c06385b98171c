"""The workbook read back with openpyxl: one row per item × unit, and the round summary."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from bot.bootstrap import Services
from bot.digest import build_digest
from bot.i18n import translator
from bot.reports import render_xlsx
from tests.conftest import local
from tests.support.report_round import BLOCKED_TEXT_YT, CORRECTED_TEXT, script_round

VI = translator("vi")


@pytest.fixture
def workbook(services: Services) -> Workbook:
    script_round(services.db)
    with services.db.session() as session:
        digest = build_digest(
            session, services.plan, services.calendar.parse("2021-Q1"), local(2021, 3, 22, 9, 0)
        )
    return load_workbook(io.BytesIO(render_xlsx(digest, VI)))


def test_detail_sheet_has_one_row_per_item_and_unit(services: Services, workbook: Workbook) -> None:
    sheet = workbook["Chi tiết"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "Kỳ báo cáo",
        "Mục",
        "Nhiệm vụ",
        "Đơn vị",
        "Vai trò",
        "Tình trạng",
        "Thời điểm báo cáo",
        "Thời hạn",
        "Đã đính chính",
        "Nội dung báo cáo",
    ]
    body = rows[1:]
    general_rows = [row for row in body if str(row[1]).startswith("1.")]
    assert len(general_rows) == 9 * 17  # every general task × every reporting unit
    # 2.6.2 is led by the seven districts through their group.
    assert len([row for row in body if row[1] == "2.6.2"]) == 7
    assert {row[3] for row in body if row[1] == "2.6.2"} == {
        services.plan.agency(a).name for a in services.plan.expand("ubnd-huyen-thanh-pho")
    }
    blocked = [row for row in body if row[1] == "2.2.1" and row[3] == "Sở Y tế"]
    assert blocked == [
        (
            "Quý I/2021",
            "2.2.1",
            services.plan.task("2.2.1").title,
            "Sở Y tế",
            "chủ trì",
            "Vướng mắc",
            datetime(2021, 3, 18, 9, 0),
            "đúng hạn",
            None,
            BLOCKED_TEXT_YT,
        )
    ]
    late = [row for row in body if row[1] == "1.7" and row[3] == "Sở Y tế"]
    assert late[0][5:8] == ("Đang thực hiện", datetime(2021, 3, 20, 0, 0), "quá hạn")
    corrected = [row for row in body if row[1] == "1.5" and row[3] == "Sở Tài chính"]
    assert corrected[0][5] == "Hoàn thành"
    assert corrected[0][8] == "có"
    assert corrected[0][9] == CORRECTED_TEXT
    missing = [row for row in body if row[1] == "2.7.3" and row[3] == "Sở Giao thông Vận tải"]
    assert missing[0][4:7] == ("chủ trì", "Chưa có báo cáo", None)


def test_detail_sheet_is_usable(workbook: Workbook) -> None:
    sheet = workbook["Chi tiết"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:J{sheet.max_row}"
    assert (sheet.column_dimensions["C"].width or 0) >= 40
    assert (sheet.column_dimensions["J"].width or 0) >= 60
    assert sheet["J2"].alignment.wrap_text
    assert sheet["A1"].font.bold
    assert sheet["A1"].font.name == "Times New Roman"


def test_summary_sheet_units_by_bucket(services: Services, workbook: Workbook) -> None:
    sheet = workbook["Tổng hợp"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][:6]) == [
        "STT",
        "Đơn vị",
        "Đã báo cáo đúng hạn",
        "Đã báo cáo quá hạn",
        "Chưa báo cáo, còn trong hạn",
        "Chưa báo cáo, đã quá hạn",
    ]
    units = rows[1:18]
    assert [row[1] for row in units] == [
        services.plan.agency(a).name for a in services.plan.reporting_units()
    ]
    by_name = {row[1]: row for row in units}
    assert by_name["Sở Kế hoạch và Đầu tư"][2:6] == (1, None, None, None)
    assert by_name["Sở Y tế"][2:6] == (None, 1, None, None)
    assert by_name["Sở Thông tin và Truyền thông"][2:6] == (None, None, None, 1)
    assert by_name["Sở Giao thông Vận tải"][7:9] == (3, 4)  # 2.3, 2.4 and general of 4
    assert rows[18][1:6] == ("Tổng cộng", 3, 1, 0, 13)
    assert rows[19][1:6] == ("Tỷ lệ (%)", 17.6, 5.9, 0, 76.5)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I18"


def test_general_tasks_show_each_units_general_report_as_the_digest_counts_it(
    services: Services, workbook: Workbook
) -> None:
    with services.db.session() as session:
        digest = build_digest(
            session, services.plan, services.calendar.parse("2021-Q1"), local(2021, 3, 22, 9, 0)
        )
    reporters = {services.plan.agency(a).name for a in digest.general_reporters()}
    assert len(reporters) == 6  # the digest's "6/17 đơn vị đã báo cáo"
    body = list(workbook["Chi tiết"].iter_rows(values_only=True))[1:]
    for number in range(1, 10):
        rows = [row for row in body if row[1] == f"1.{number}"]
        assert {row[3] for row in rows if row[5] != "Chưa có báo cáo"} == reporters
    # Sở Y tế reported once, under 1.7, late: 1.3 shows that report, marked as covering the group.
    covered = next(row for row in body if row[1] == "1.3" and row[3] == "Sở Y tế")
    assert covered[5:8] == ("Đang thực hiện", datetime(2021, 3, 20, 0, 0), "quá hạn")
    assert str(covered[9]).startswith("[Báo cáo chung cho 1.1–1.9, gửi ở mục 1.7] ")
    own = next(row for row in body if row[1] == "1.7" and row[3] == "Sở Y tế")
    assert not str(own[9]).startswith("[")
