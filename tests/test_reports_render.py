"""Chat text, Markdown and the PNG chart of the scripted round."""

from __future__ import annotations

import io
import struct

import pytest

from bot.bootstrap import Services
from bot.digest import Digest, build_digest
from bot.i18n import translator
from bot.reports import render_chart_png, render_markdown, render_text
from tests.conftest import local
from tests.support.report_round import BLOCKED_TEXT_GTVT, RETRACTED_TEXT, script_round

VI = translator("vi")
EN = translator("en")


@pytest.fixture
def digest(services: Services) -> Digest:
    script_round(services.db)
    with services.db.session() as session:
        return build_digest(
            session, services.plan, services.calendar.parse("2021-Q1"), local(2021, 3, 22, 9, 0)
        )


def test_text_has_the_four_buckets_and_the_missing_units(digest: Digest) -> None:
    text = render_text(digest, VI)
    lines = text.splitlines()

    assert lines[0] == "TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021"
    assert "✅ Đã báo cáo đúng hạn: 3 (17,6%)" in lines
    assert "🕘 Đã báo cáo quá hạn: 1 (5,9%)" in lines
    assert "⏳ Chưa báo cáo, còn trong hạn: 0 (0%)" in lines
    assert "❗ Chưa báo cáo, đã quá hạn: 13 (76,5%)" in lines
    assert "Báo cáo quá hạn: Sở Y tế (muộn 1 ngày)" in lines  # reported at 00:00 on 20/3
    assert "• Sở GTVT — còn thiếu 2.7.3" in lines
    assert "• Ban Di dân TĐC — còn thiếu 2.6.1" in lines
    assert "• Sở TT&TT — còn thiếu nhiệm vụ chung 1.1–1.9" in lines
    # blocked items come before the item list, with their text
    blocked_at = lines.index("⛔ Nhiệm vụ có vướng mắc (2):")
    assert blocked_at < lines.index("Tình hình từng nhiệm vụ:")
    assert f"  – Sở GTVT (chủ trì): «{BLOCKED_TEXT_GTVT}»" in lines
    assert "• Nhiệm vụ chung 1.1–1.9: 6/17 đơn vị đã báo cáo" in lines
    assert RETRACTED_TEXT not in text


def test_missing_only_lists_just_the_missing_units(digest: Digest) -> None:
    text = render_text(digest, VI, missing_only=True)
    lines = text.splitlines()

    assert lines[0] == "Đơn vị chưa báo cáo — Quý I/2021"
    assert lines[1] == "❗ Quá hạn (13/17):"
    assert len([line for line in lines if line.startswith("• ")]) == 13
    assert "Sở KH&ĐT" not in text
    assert "Sở Y tế" not in text
    assert "vướng mắc" not in text.lower()


def test_english_falls_back_to_the_message_ids(digest: Digest) -> None:
    text = render_text(digest, EN)
    assert "Reported on time: 3 (17.6%)" in text
    assert "Sở GTVT — owes 2.7.3" in text


def test_markdown_has_tables_and_sections(digest: Digest) -> None:
    markdown = render_markdown(digest, VI)
    lines = markdown.splitlines()

    assert lines[0] == "# BÁO CÁO"
    assert "| Đã báo cáo đúng hạn | 3 | 17,6% |" in lines
    assert "| **Tổng cộng** | **17** | |" in lines
    assert "| 3 | Sở Y tế | Đã báo cáo quá hạn | 00:00 ngày 20/03/2021 |  |" in lines
    assert "| 4 | Sở Giao thông Vận tải | Chưa báo cáo, đã quá hạn |  | 2.7.3 |" in lines
    assert "#### 2.2. Về bố trí vốn đầu tư xây dựng Bệnh viện Đa khoa tỉnh Tuyên Quang" in lines
    assert f"- **2.3** — Sở GTVT: {BLOCKED_TEXT_GTVT}" in lines
    assert "[Đề xuất, kiến nghị: …]" in lines
    assert RETRACTED_TEXT not in markdown


def test_chart_is_a_png_of_the_units(digest: Digest) -> None:
    png = render_chart_png(digest, VI)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 800
    assert height >= 500
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(png), format="png")
    red = (pixels[..., 0] > 0.7) & (pixels[..., 1] < 0.3) & (pixels[..., 2] < 0.3)
    green = (pixels[..., 0] < 0.3) & (pixels[..., 1] > 0.4) & (pixels[..., 2] < 0.3)
    assert red.sum() > 500  # overdue units
    assert green.sum() > 500  # units on time
