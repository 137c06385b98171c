"""`planbot plan list|show|load|retire` as the secretariat uses them, with two plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.db import Database
from bot.models import PlanRecord, TaskRecord
from tests.support.plans import SECOND_ID, SEED_ID, second_document, write


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'planbot.db'}",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def rows(env: dict[str, str]) -> dict[str, int]:
    db = Database(env["PLANBOT_DATABASE_URL"])
    db.upgrade()
    with db.session() as session:
        counts = {
            "plans": session.exec(select(func.count()).select_from(PlanRecord)).one(),
            "tasks": session.exec(select(func.count()).select_from(TaskRecord)).one(),
        }
    db.dispose()
    return counts


@pytest.fixture
def second(tmp_path: Path, env: dict[str, str]) -> Path:
    """A second plan's file; the database follows the seed plan (loaded at first start)."""
    code, _, _ = run(env, "plan", "list")
    assert code == 0
    return write(tmp_path / "kh12.json", second_document())


def test_a_second_plan_loads_beside_the_seed_and_both_are_listed(
    env: dict[str, str], second: Path
) -> None:
    code, out, _ = run(env, "plan", "load", str(second))
    assert code == 0
    assert f"Đã nạp kế hoạch {SECOND_ID}: thêm 3 nhiệm vụ" in out
    assert "Kế hoạch mới, mã kh12" in out
    assert "Nhiệm vụ thêm: 1.1, 2.1, 2.2" in out

    code, out, _ = run(env, "plan", "load", str(second))
    assert (code, "không có gì thay đổi" in out) == (0, True)

    code, out, _ = run(env, "plan", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [p["code"] for p in listed] == ["kh12", "tb38"]  # newest first
    kh12, tb38 = listed
    assert kh12["rule"] == "trước ngày 25 hằng tháng; tổng hợp trước ngày 28 hằng tháng"
    assert tb38["rule"] == (
        "trước ngày 20 các tháng 3, 6, 9, 12; tổng hợp trước ngày 25 các tháng 3, 6, 9, 12"
    )
    assert (kh12["tasks"], kh12["retired_at"]) == (3, None)
    assert tb38["units"] == 17

    code, out, _ = run({**env, "COLUMNS": "200"}, "plan", "list")
    assert code == 0
    for header in ("Mã", "Cơ quan ban hành", "Quy định báo cáo", "Ngày nạp", "Dừng theo dõi"):
        assert header in out
    assert "kh12" in out
    assert "tb38" in out


def test_show_gives_the_header_rules_rounds_and_tasks(env: dict[str, str], second: Path) -> None:
    run(env, "plan", "load", str(second))
    code, out, _ = run(env, "plan", "show", "KH12", "--year", "2022")
    assert code == 0
    assert "kh12 — Kế hoạch thực hiện chuyển đổi số năm 2022" in out
    assert "Số 12/KH-UBND, ngày 10/01/2022" in out
    assert "Quy định báo cáo:" in out
    assert "báo cáo UBND tỉnh trước ngày 25 hằng tháng; đồng gửi Sở KH&ĐT" in out
    assert "Các kỳ báo cáo năm 2022:" in out
    assert out.count("(2022-") == 12  # a round a month
    assert "Dữ liệu đầu tư công" in out

    code, out, _ = run(env, "plan", "show", "tb38", "--year", "2021", "--format", "json")
    shown = json.loads(out)
    assert [r["id"] for r in shown["rounds"]] == ["2021-Q1", "2021-H1", "2021-Q3", "2021-Y"]
    assert shown["rounds"][0]["due"] == "2021-03-20"
    assert shown["rounds"][0]["consolidation_due"] == "2021-03-25"


def test_retire_stops_a_plan_keeps_its_rows_and_can_be_undone(
    env: dict[str, str], second: Path
) -> None:
    run(env, "plan", "load", str(second))
    before = rows(env)
    code, out, _ = run(env, "plan", "retire", "kh12")
    assert code == 0
    assert "Đã dừng theo dõi kế hoạch kh12" in out
    assert "planbot plan retire kh12 --undo" in out
    assert rows(env) == before  # history and tasks are kept

    code, out, _ = run(env, "plan", "list", "--active", "--format", "json")
    assert [p["code"] for p in json.loads(out)] == ["tb38"]

    code, out, err = run(env, "plan", "retire", "kh12")
    assert code == 2
    assert "Kế hoạch kh12 đã dừng theo dõi từ" in err
    assert "không có gì thay đổi" in err

    code, out, err = run(env, "plan", "retire", "tb38")  # the last plan followed
    assert code == 2
    assert "kế hoạch duy nhất đang theo dõi" in err

    code, out, _ = run(env, "plan", "retire", "kh12", "--undo")
    assert code == 0
    assert "Đã theo dõi lại kế hoạch kh12" in out
    code, out, _ = run(env, "plan", "list", "--active", "--format", "json")
    assert [p["code"] for p in json.loads(out)] == ["kh12", "tb38"]


def test_an_unknown_code_names_the_plans_and_changes_nothing(
    env: dict[str, str], second: Path
) -> None:
    run(env, "plan", "load", str(second))
    before = rows(env)
    for command in (("plan", "retire", "kh99"), ("plan", "show", "kh99")):
        code, out, err = run(env, *command)
        assert code == 2
        assert "Không có kế hoạch mã «kh99». Các kế hoạch: kh12, tb38." in err
        assert out == ""
    assert rows(env) == before


def test_with_two_plans_tasks_asks_which_plan(env: dict[str, str], second: Path) -> None:
    run(env, "plan", "load", str(second))
    code, out, err = run(env, "tasks", "--agency", "so y te")
    assert code == 2
    assert "Đang theo dõi 2 kế hoạch (kh12, tb38): chọn một kế hoạch bằng --plan." in err
    code, out, _ = run(env, "tasks", "--agency", "so y te", "--plan", "kh12", "--format", "json")
    assert code == 0
    roles = {task["id"]: task["role"] for task in json.loads(out)["tasks"]}
    assert roles == {"1.1": "general", "2.1": "lead", "2.2": "coordinate"}


def test_a_plan_naming_an_agency_differently_is_refused_with_its_path(
    env: dict[str, str], tmp_path: Path
) -> None:
    document = second_document()
    index = next(i for i, a in enumerate(document["agencies"]) if a["id"] == "so-y-te")
    document["agencies"][index]["name"] = "Sở Y tế dự phòng"
    path = write(tmp_path / "conflict.json", document)
    run(env, "plan", "list")  # the seed plan is loaded
    before = rows(env)
    code, _out, err = run(env, "plan", "load", str(path))
    assert code == 2
    assert "chưa nạp gì" in err
    assert f"$.agencies[{index}].name" in err
    assert "đã có trong danh mục với tên «Sở Y tế»" in err
    assert rows(env) == before


def test_dry_run_says_what_would_change_and_writes_nothing(
    env: dict[str, str], second: Path
) -> None:
    run(env, "plan", "list")
    before = rows(env)
    code, out, _ = run(env, "plan", "load", str(second), "--dry-run")
    assert code == 0
    assert "Chưa ghi gì (--dry-run)" in out
    assert "Kế hoạch mới, mã kh12" in out
    assert rows(env) == before
    code, out, _ = run(env, "plan", "list", "--format", "json")
    assert [p["code"] for p in json.loads(out)] == ["tb38"]


def test_the_seed_plan_is_the_first_and_only_plan_by_default(env: dict[str, str]) -> None:
    code, out, _ = run(env, "plan", "list", "--format", "json")
    assert code == 0
    (seed,) = json.loads(out)
    assert (seed["code"], seed["id"]) == ("tb38", SEED_ID)
    code, out, _ = run(env, "tasks", "--agency", "so y te", "--format", "json")
    assert code == 0  # one plan: no --plan needed, as before
