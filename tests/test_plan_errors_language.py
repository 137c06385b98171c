"""A broken plan file is explained in the reader's language: Vietnamese by default, English on
request, the same problems at the same JSON paths; `planbot plan load` of it writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.i18n import translator
from bot.plan import PlanError, load_plan, parse_plan

DATA = Path(__file__).resolve().parents[1] / "data" / "plan_tasks.json"
runner = CliRunner()


def _broken() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    del data["reporting"]  # a required field
    data["tasks"][3]["id"] = data["tasks"][0]["id"]  # a repeated task id
    assigned = next(task for task in data["tasks"] if task.get("assignments"))
    assigned["assignments"][0]["agency"] = "so-xyz"  # an agency not in the list
    data["plan"]["title"] = 42  # a wrong type
    return data


def _problems(data: object) -> PlanError:
    with pytest.raises(PlanError) as caught:
        parse_plan(data, source="ke-hoach.json")
    return caught.value


def test_every_problem_reads_in_vietnamese_and_in_english() -> None:
    error = _problems(_broken())
    vietnamese = error.text(translator("vi"))
    english = error.text(translator("en"))
    assert vietnamese == str(error)
    assert "Tệp kế hoạch «ke-hoach.json» không hợp lệ (" in vietnamese
    assert "thiếu trường bắt buộc «reporting»" in vietnamese
    assert "bị trùng (đã có ở $.tasks[0])" in vietnamese
    assert "đơn vị «so-xyz» không có trong danh sách đơn vị" in vietnamese
    assert "sai kiểu dữ liệu: cần chuỗi (string)" in vietnamese
    assert "The plan file «ke-hoach.json» is not valid (" in english
    assert "missing required field «reporting»" in english
    assert "is repeated (already at $.tasks[0])" in english
    assert "agency «so-xyz» is not in the list of agencies" in english
    assert "wrong data type: a string expected" in english
    for word in ("thiếu", "trùng", "đơn vị", "kiểu"):
        assert word not in english
    # The same problems at the same places in both languages.
    paths = [line.split(":")[0] for line in vietnamese.splitlines()[1:]]
    assert paths == [line.split(":")[0] for line in english.splitlines()[1:]]
    assert len(paths) == len(error.problems) >= 4


def test_a_file_that_is_not_json_or_not_utf8(tmp_path: Path) -> None:
    not_json = tmp_path / "a.json"
    not_json.write_text('{\n  "plan": {,\n}', encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(not_json)
    assert "JSON không hợp lệ ở dòng 2, cột" in str(caught.value)
    assert "invalid JSON at line 2, column" in caught.value.text(translator("en"))
    latin = tmp_path / "b.json"
    latin.write_bytes('{"plan": "Kế hoạch"}'.encode("cp1258", errors="replace") + b"\xff")
    with pytest.raises(PlanError) as caught:
        load_plan(latin)
    assert "tệp không phải UTF-8 (byte thứ" in str(caught.value)
    assert "the file is not UTF-8 (byte" in caught.value.text(translator("en"))


@pytest.mark.parametrize(
    ("locale", "header", "problem"),
    [
        ("vi", "Tệp kế hoạch có lỗi", "thiếu trường bắt buộc «reporting»"),
        ("en", "The plan file has errors", "missing required field «reporting»"),
    ],
)
def test_plan_load_explains_in_the_configured_language_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str, header: str, problem: str
) -> None:
    monkeypatch.setenv("PLANBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLANBOT_LOCALE", locale)
    monkeypatch.setenv("COLUMNS", "200")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(_broken(), ensure_ascii=False), encoding="utf-8")
    said = runner.invoke(app, ["plan", "load", str(broken)])
    assert said.exit_code == 2, said.output
    assert header in said.output
    assert problem in said.output
    listed = runner.invoke(app, ["plan", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert [plan["code"] for plan in json.loads(listed.stdout)] == ["tb38"]  # only the seed
