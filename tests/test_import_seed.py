"""The seed plan's text imports to exactly the assignments and reporting rules of
data/plan_tasks.json, and the draft goes through ``planbot plan validate`` and ``load``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.importer import import_plan
from bot.plan import default_plan_path, load_plan

PLANS = Path(__file__).parent / "data" / "plans"
SEED_TEXT = PLANS / "seed_tuyen_quang_tb38.txt"


def _roles(tasks: list[dict[str, object]]) -> dict[str, tuple[set[str], set[str]]]:
    result: dict[str, tuple[set[str], set[str]]] = {}
    for task in tasks:
        assignments = task["assignments"]
        assert isinstance(assignments, list)
        leads = {a["agency"] for a in assignments if a["role"] == "lead"}
        coordinators = {a["agency"] for a in assignments if a["role"] == "coordinate"}
        result[str(task["id"])] = (leads, coordinators)
    return result


def test_seed_text_imports_to_the_hand_made_plan() -> None:
    expected = json.loads(default_plan_path().read_text(encoding="utf-8"))
    result = import_plan(SEED_TEXT, load_plan().agencies)
    got = _roles(result.draft["tasks"])
    want = _roles(expected["tasks"])
    assert list(got) == list(want)
    for task_id, roles in want.items():
        assert got[task_id] == roles, task_id
    parents = {t["id"]: t.get("parent") for t in result.draft["tasks"]}
    assert parents == {t["id"]: t.get("parent") for t in expected["tasks"]}
    general = {t["id"] for t in result.draft["tasks"] if t["general"]}
    assert general == {t["id"] for t in expected["tasks"] if t["general"]}
    assert result.new_agencies == []


def test_seed_text_reporting_rules_match_the_plan() -> None:
    expected = json.loads(default_plan_path().read_text(encoding="utf-8"))["reporting"]
    rules = import_plan(SEED_TEXT, load_plan().agencies).draft["reporting"]
    keys = ("id", "who", "day", "months", "to", "cc", "rule", "consolidates")
    assert [{k: r[k] for k in keys} for r in rules] == [{k: r[k] for k in keys} for r in expected]
    assert rules[0]["text"] == expected[0]["text"]


def test_every_assignment_carries_its_source_sentence() -> None:
    draft = import_plan(SEED_TEXT, load_plan().agencies).draft
    task = next(t for t in draft["tasks"] if t["id"] == "2.7.3")
    (lead,) = [a for a in task["assignments"] if a["role"] == "lead"]
    assert lead["evidence"]["quote"].startswith("Sở Giao thông vận tải chủ động")
    assert 0 < lead["evidence"]["confidence"] <= 1
    assert task["text"].startswith("- Sở Giao thông vận tải chủ động")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'planbot.db'}",
    }


def test_cli_import_writes_a_draft_that_validates_and_loads(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "ke hoach.txt"
    source.write_bytes(SEED_TEXT.read_bytes())
    runner = CliRunner()
    result = runner.invoke(app, ["plan", "import", str(source)], env=env)
    assert result.exit_code == 0, result.stderr
    draft = tmp_path / "ke hoach.draft.json"
    assert draft.is_file()
    assert "Nhiệm vụ đọc được" in result.stdout
    assert "Sở NN&PTNT" in result.stdout
    assert "planbot plan load" in result.stdout
    assert not (tmp_path / "data" / "planbot.db").exists()
    validated = runner.invoke(app, ["plan", "validate", str(draft)], env=env)
    assert validated.exit_code == 0, validated.stderr
    loaded = runner.invoke(app, ["plan", "load", str(draft)], env=env)
    assert loaded.exit_code == 0, loaded.stderr


def test_cli_import_output_option(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "draft.json"
    target.parent.mkdir()
    result = CliRunner().invoke(
        app, ["plan", "import", str(SEED_TEXT), "--output", str(target)], env=env
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["plan"]["issuer"] == "ubnd-tinh"
    assert data["plan"]["province"] == "Tuyên Quang"
    assert data["plan"]["title"].startswith("KẾ HOẠCH TRIỂN KHAI THỰC HIỆN THÔNG BÁO SỐ 38")
