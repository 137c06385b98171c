"""``planbot digest`` and ``planbot report`` on a temporary database (typer's CliRunner)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.bootstrap import bootstrap
from bot.cli import app
from bot.clock import FrozenClock
from tests.conftest import local, make_settings
from tests.support.report_round import script_round

AT = "2021-03-22T09:00+07:00"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    built = bootstrap(make_settings(tmp_path, url), clock=FrozenClock(local(2021, 3, 1, 8, 0)))
    script_round(built.db)
    built.db.dispose()
    return {
        "PLANBOT_DATABASE_URL": url,
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_LOCALE": "vi",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_digest_json_carries_the_numbers(env: dict[str, str]) -> None:
    code, out, _err = run(env, "digest", "--period", "2021-Q1", "--format", "json", "--at", AT)

    assert code == 0
    data = json.loads(out)
    assert data["round"] == "2021-Q1"
    assert data["label"] == "Quý I/2021"
    assert data["totals"]["units"] == 17
    assert [data["totals"][b]["count"] for b in ("on_time", "late", "pending", "overdue")] == [
        3,
        1,
        0,
        13,
    ]
    assert data["changes"] is None
    # the second run compares with the first
    code, out, _err = run(env, "digest", "--format", "json", "--at", "2021-03-23T09:00+07:00")
    assert code == 0
    assert json.loads(out)["changes"]["buckets"] == []


def test_digest_text_defaults_to_the_round_being_consolidated(env: dict[str, str]) -> None:
    code, out, _err = run(env, "digest", "--at", "2021-03-24T10:00")
    assert code == 0
    assert out.startswith("TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021")
    assert "• Sở GTVT — còn thiếu 2.7.3" in out


def test_unknown_period_fails_with_a_vietnamese_message(env: dict[str, str]) -> None:
    code, out, err = run(env, "digest", "--period", "2021-Q9")
    assert code == 2
    assert "Không có kỳ báo cáo «2021-Q9»" in err
    assert out == ""
    code, _out, err = run(env, "report", "--at", "hôm qua")
    assert code == 2
    assert "không phải là thời điểm hợp lệ" in err


def test_report_docx_to_a_file(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "bc.docx"
    code, out, _err = run(env, "report", "-p", "2021-Q1", "--output", str(target), "--at", AT)

    assert code == 0
    assert f"Đã ghi tệp {target} (Quý I/2021)." in out
    document = docx.Document(io.BytesIO(target.read_bytes()))
    header = document.tables[0].rows[0].cells[0]
    assert header.paragraphs[0].text == "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG"
    assert "Tuyên Quang, ngày 22 tháng 3 năm 2021" in [
        p.text for p in document.tables[0].rows[0].cells[1].paragraphs
    ]


def test_report_xlsx_and_markdown(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "bc.xlsx"
    code, _out, _err = run(
        env, "report", "--period", "2021-Q1", "--format", "xlsx", "-o", str(target), "--at", AT
    )
    assert code == 0
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["Chi tiết", "Tổng hợp"]
    assert workbook["Tổng hợp"]["B19"].value == "Tổng cộng"

    code, out, _err = run(env, "report", "--period", "2021-Q1", "--format", "md", "--at", AT)
    assert code == 0
    assert out.startswith("# BÁO CÁO")
    assert "| Chưa báo cáo, đã quá hạn | 13 | 76,5% |" in out


def test_report_default_file_name(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, _err = run(env, "report", "--period", "2021-H1", "--at", AT)
    assert code == 0
    assert (tmp_path / "bao-cao-2021-H1.docx").exists()
