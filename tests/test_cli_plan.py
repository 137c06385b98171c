"""The command line a secretariat officer or an administrator meets first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.db import Database
from bot.models import TaskRecord
from bot.plan import default_plan_path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'planbot.db'}",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_tasks_of_so_y_te_typed_without_diacritics(env: dict[str, str]) -> None:
    code, out, _ = run(env, "tasks", "--agency", "so y te", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["agency"]["name"] == "Sở Y tế"
    roles = {task["id"]: task["role"] for task in data["tasks"]}
    assert roles["2.2.1"] == "lead"
    assert roles["2.2.2"] == "coordinate"
    assert roles["1.1"] == "general"
    assert "2.8" not in roles


def test_tasks_table_shows_roles_in_vietnamese(env: dict[str, str]) -> None:
    code, out, _ = run(env, "tasks", "--agency", "Sở Y tế")
    assert code == 0
    assert "Nhiệm vụ của Sở Y tế" in out
    assert "Chủ trì" in out
    assert "Phối hợp" in out


def test_unknown_agency_gets_suggestions_and_exit_code_2(env: dict[str, str]) -> None:
    code, out, err = run(env, "tasks", "--agency", "so y tê x")
    assert code == 2
    assert "Không tìm thấy đơn vị «so y tê x». Có phải: Sở Y tế" in err
    assert out == ""


def test_agencies_json_lists_the_registry(env: dict[str, str]) -> None:
    code, out, _ = run(env, "agencies", "--format", "json")
    assert code == 0
    agencies = {a["id"]: a for a in json.loads(out)}
    assert agencies["so-khdt"]["short_name"]
    assert agencies["ubnd-lam-binh"]["source"] == "registry"
    assert set(agencies["ubnd-huyen-thanh-pho"]["members"]) >= {"ubnd-na-hang", "ubnd-son-duong"}


def test_plan_load_twice_is_idempotent(env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = run(env, "plan", "load")
    assert code == 0
    assert "Đã nạp kế hoạch" in out
    code, out, _ = run(env, "plan", "load")
    assert code == 0
    assert "không có gì thay đổi" in out
    db = Database(env["PLANBOT_DATABASE_URL"])
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(TaskRecord)).one() > 20
    db.dispose()


def test_a_broken_plan_file_lists_every_error_and_loads_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    document = json.loads(default_plan_path().read_text(encoding="utf-8"))
    document["tasks"][9]["assignments"][0]["agency"] = "so-khong-co"
    document["tasks"][11]["assignments"][0]["role"] = "chu-tri"
    del document["reporting"][0]["day"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    code, _, err = run(env, "plan", "validate", str(broken))
    assert code == 2
    assert "$.tasks[9].assignments[0].agency" in err
    assert "$.tasks[11].assignments[0].role" in err
    assert "$.reporting[0]" in err

    code, _, err = run(env, "plan", "load", str(broken))
    assert code == 2
    assert "chưa nạp gì" in err
    db = Database(env["PLANBOT_DATABASE_URL"])
    db.upgrade()
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(TaskRecord)).one() == 0
    db.dispose()


def test_invalid_json_is_reported_with_its_line(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"plan": {\n  "id": "x",\n}', encoding="utf-8")
    code, _, err = run(env, "plan", "validate", str(broken))
    assert code == 2
    assert "dòng 3" in err


def test_plan_validate_accepts_the_seed(env: dict[str, str]) -> None:
    code, out, _ = run(env, "plan", "validate")
    assert code == 0
    assert "hợp lệ" in out


def test_an_invalid_setting_is_named_and_nothing_starts(env: dict[str, str]) -> None:
    code, out, err = run({**env, "PLANBOT_REMINDER_DAYS": "[-3]"}, "tasks")
    assert code == 2
    assert "Cấu hình không hợp lệ" in err
    assert "PLANBOT_REMINDER_DAYS" in err
    assert out == ""
