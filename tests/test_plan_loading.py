"""Loading, validating and querying a plan file."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from bot.plan import (
    Plan,
    PlanError,
    PlanProblem,
    default_plan_path,
    load_plan,
    parse_plan,
    schema_path,
)

REPO_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO_DATA / "plan_tasks.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture
def data(good: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(good)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan()


def task_index(data: dict[str, Any], task_id: str) -> int:
    return next(i for i, t in enumerate(data["tasks"]) if t["id"] == task_id)


def problems_of(data: object) -> tuple[PlanProblem, ...]:
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    return caught.value.problems


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- paths, happy path


def test_default_paths_point_at_the_repository_data() -> None:
    assert default_plan_path().resolve() == (REPO_DATA / "plan_tasks.json").resolve()
    assert schema_path().resolve() == (REPO_DATA / "plan_tasks.schema.json").resolve()


def test_load_default_plan(plan: Plan) -> None:
    assert plan.info.id == "tuyen-quang-tb38-2021"
    assert plan.task("2.2.1").parent == "2.2"
    assert plan.agency("so-y-te").name == "Sở Y tế"


def test_unknown_ids_raise_key_error(plan: Plan) -> None:
    with pytest.raises(KeyError):
        plan.agency("so-xyz")
    with pytest.raises(KeyError):
        plan.task("9.9")
    with pytest.raises(KeyError):
        plan.expand("so-xyz")


def test_plan_is_frozen(plan: Plan) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.info = plan.info  # type: ignore[misc]
    assert isinstance(plan.tasks, tuple)
    assert isinstance(plan.agency("so-khdt").aliases, tuple)


def test_round_trip_and_checksum(plan: Plan, good: dict[str, Any]) -> None:
    assert plan.to_dict() == good
    again = parse_plan(copy.deepcopy(good))
    assert again.checksum() == plan.checksum()
    assert len(plan.checksum()) == 64
    changed = copy.deepcopy(good)
    changed["tasks"][0]["title"] = "Khác"
    assert parse_plan(changed).checksum() != plan.checksum()


# --------------------------------------------------------------------------- broken files


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "missing.json")
    assert caught.value.problems[0].path == "$"
    assert "không đọc được tệp" in caught.value.problems[0].message


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "plan": {\n    "id": "x",,\n  }\n}\n')
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    (problem,) = caught.value.problems
    assert problem.path == "$"
    assert "dòng 3, cột 15" in problem.message
    assert "JSON không hợp lệ" in str(caught.value)
    assert str(path) in str(caught.value)


def test_not_an_object() -> None:
    (problem,) = problems_of([1, 2])
    assert problem.path == "$"
    assert "object" in problem.message


def test_missing_fields(data: dict[str, Any]) -> None:
    del data["reporting"]
    del data["tasks"][2]["title"]
    del data["agencies"][0]["name"]
    problems = problems_of(data)
    assert [(p.path, p.message) for p in problems] == [
        ("$", "thiếu trường bắt buộc «reporting»"),
        ("$.agencies[0]", "thiếu trường bắt buộc «name»"),
        ("$.tasks[2]", "thiếu trường bắt buộc «title»"),
    ]


def test_wrong_role(data: dict[str, Any]) -> None:
    index = task_index(data, "2.1")
    data["tasks"][index]["assignments"][0]["role"] = "chủ trì"
    (problem,) = problems_of(data)
    assert problem.path == f"$.tasks[{index}].assignments[0].role"
    assert '"lead"' in problem.message
    assert '"coordinate"' in problem.message


def test_unknown_agency_in_assignment(data: dict[str, Any]) -> None:
    index = task_index(data, "2.8")
    data["tasks"][index]["assignments"][1]["agency"] = "so-xyz"
    (problem,) = problems_of(data)
    assert str(problem) == (
        f"$.tasks[{index}].assignments[1].agency: đơn vị «so-xyz» không có trong danh sách đơn vị"
    )


def test_duplicate_task_id(data: dict[str, Any]) -> None:
    data["tasks"][3]["id"] = "1.1"
    (problem,) = problems_of(data)
    assert problem.path == "$.tasks[3].id"
    assert "«1.1» bị trùng" in problem.message
    assert "$.tasks[0]" in problem.message


def test_bad_month_and_day(data: dict[str, Any]) -> None:
    data["reporting"][0]["months"][1] = 13
    data["reporting"][1]["day"] = 0
    problems = problems_of(data)
    assert [p.path for p in problems] == ["$.reporting[0].months[1]", "$.reporting[1].day"]
    assert "13" in problems[0].message
    assert "12" in problems[0].message


def test_three_problems_in_one_file_are_all_reported(tmp_path: Path, good: dict[str, Any]) -> None:
    data = copy.deepcopy(good)
    index_21 = task_index(data, "2.1")
    index_24 = task_index(data, "2.4")
    data["tasks"][index_21]["assignments"][0]["role"] = "chair"  # schema
    data["tasks"][index_24]["assignments"][3]["agency"] = "ubnd-na-hangg"  # unknown agency
    data["reporting"][1]["months"] = [3, 6, 9, 0]  # schema
    path = write(tmp_path, json.dumps(data, ensure_ascii=False, indent=2))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    paths = [p.path for p in caught.value.problems]
    assert paths == [
        f"$.tasks[{index_21}].assignments[0].role",
        f"$.tasks[{index_24}].assignments[3].agency",
        "$.reporting[1].months[3]",
    ]
    rendered = str(caught.value)
    assert "(3 lỗi)" in rendered
    for problem_path in paths:
        assert problem_path in rendered


def test_semantic_reference_checks(data: dict[str, Any]) -> None:
    data["plan"]["issuer"] = "ubnd-tinhh"
    data["plan"]["timezone"] = "Asia/Hanoi_Nowhere"
    data["reporting"][0]["who"][1] = "ubnd-huyen"
    data["reporting"][0]["to"] = "ubnd"
    data["reporting"][0]["cc"] = ["so-kh"]
    data["reporting"][1]["consolidates"] = "unit-reports"
    data["tasks"][task_index(data, "2.2.1")]["parent"] = "2.9"
    data["agencies"][1]["id"] = "ubnd-tinh"
    group = next(i for i, a in enumerate(data["agencies"]) if a["id"] == "ubnd-huyen-atk")
    data["agencies"][group]["members"].append("ubnd-xyz")
    paths = {p.path for p in problems_of(data)}
    assert paths == {
        "$.plan.issuer",
        "$.plan.timezone",
        "$.reporting[0].who[1]",
        "$.reporting[0].to",
        "$.reporting[0].cc[0]",
        "$.reporting[1].consolidates",
        f"$.tasks[{task_index(data, '2.2.1')}].parent",
        "$.agencies[1].id",
        f"$.agencies[{group}].members[3]",
    }


def test_group_cycle(data: dict[str, Any]) -> None:
    groups = {a["id"]: i for i, a in enumerate(data["agencies"]) if a["kind"] == "group"}
    data["agencies"][groups["ubnd-huyen-atk"]]["members"].append("ubnd-huyen-thanh-pho")
    data["agencies"][groups["ubnd-huyen-thanh-pho"]]["members"].append("ubnd-huyen-atk")
    problems = problems_of(data)
    assert len(problems) == 1
    assert "vòng" in problems[0].message


def test_members_only_on_groups(data: dict[str, Any]) -> None:
    data["agencies"][2]["members"] = ["so-y-te"]
    (problem,) = problems_of(data)
    assert problem.path == "$.agencies[2].members"


def test_nested_groups_expand(data: dict[str, Any]) -> None:
    data["agencies"].append(
        {
            "id": "tat-ca",
            "name": "Tất cả đơn vị",
            "short_name": "Tất cả",
            "aliases": [],
            "kind": "group",
            "members": ["cac-so-ban-nganh", "ubnd-huyen-thanh-pho", "so-y-te"],
            "source": "registry",
        }
    )
    nested = parse_plan(data)
    assert len(nested.expand("tat-ca")) == 17
    assert nested.groups_of("so-y-te") == ("cac-so-ban-nganh", "tat-ca")
    assert nested.groups_of("ubnd-na-hang") == ("ubnd-huyen-thanh-pho", "tat-ca")


# --------------------------------------------------------------------------- queries


def test_expand(plan: Plan) -> None:
    assert plan.expand("so-y-te") == ("so-y-te",)
    assert set(plan.expand("ubnd-huyen-atk")) == {
        "ubnd-son-duong",
        "ubnd-yen-son",
        "ubnd-chiem-hoa",
    }
    assert len(plan.expand("ubnd-huyen-thanh-pho")) == 7
    assert "so-y-te" in plan.expand("cac-so-ban-nganh")


def test_groups_of(plan: Plan) -> None:
    assert plan.groups_of("so-y-te") == ("cac-so-ban-nganh",)
    assert plan.groups_of("ubnd-son-duong") == ("ubnd-huyen-thanh-pho", "ubnd-huyen-atk")
    assert plan.groups_of("ubnd-na-hang") == ("ubnd-huyen-thanh-pho",)
    assert plan.groups_of("ubnd-tinh") == ()


def roles(plan: Plan, agency_id: str) -> list[tuple[str, str]]:
    return [(task.id, role) for task, role in plan.assignments_of(agency_id)]


def test_assignments_of_so_y_te(plan: Plan) -> None:
    # Lead of the first bullet of 2.2; named with Sở Tài chính in the second bullet; and a
    # member of "các sở, ban, ngành" that 2.1, 2.3, 2.4, 2.5 and the first bullet of 2.7 call in.
    assert roles(plan, "so-y-te") == [
        ("2.1", "coordinate"),
        ("2.2.1", "lead"),
        ("2.2.2", "coordinate"),
        ("2.3", "coordinate"),
        ("2.4", "coordinate"),
        ("2.5", "coordinate"),
        ("2.7.1", "coordinate"),
    ]


def test_assignments_of_na_hang(plan: Plan) -> None:
    # Named in 2.4; one of the "Ủy ban nhân dân huyện, thành phố" that lead 2.6.2.
    # Na Hang has no An toàn khu commune in the registry, so 2.5 is not its.
    assert roles(plan, "ubnd-na-hang") == [("2.4", "coordinate"), ("2.6.2", "lead")]


def test_assignments_of_son_duong_include_atk(plan: Plan) -> None:
    assert roles(plan, "ubnd-son-duong") == [("2.5", "coordinate"), ("2.6.2", "lead")]


def test_assignments_of_city(plan: Plan) -> None:
    assert roles(plan, "ubnd-tp-tuyen-quang") == [
        ("2.6.2", "lead"),
        ("2.7.1", "lead"),
        ("2.7.3", "coordinate"),
        ("2.8", "coordinate"),
    ]


def test_lead_wins_over_group_coordination(plan: Plan) -> None:
    # Sở GTVT leads 2.3 and 2.4, where "các sở, ban, ngành" (which includes it) coordinate.
    assert roles(plan, "so-gtvt") == [
        ("2.1", "coordinate"),
        ("2.2.1", "coordinate"),
        ("2.3", "lead"),
        ("2.4", "lead"),
        ("2.5", "coordinate"),
        ("2.7.1", "coordinate"),
        ("2.7.3", "lead"),
    ]
    assert roles(plan, "so-khdt")[:3] == [
        ("2.1", "lead"),
        ("2.2.1", "coordinate"),
        ("2.2.2", "lead"),
    ]


def test_containers_are_not_returned(plan: Plan) -> None:
    for agency in plan.agencies:
        for task, _ in plan.assignments_of(agency.id):
            assert not plan.is_container(task.id)
            assert not task.general


def test_ministries_have_nothing(plan: Plan) -> None:
    assert plan.assignments_of("bo-y-te") == ()


def test_reporting_units(plan: Plan) -> None:
    units = plan.reporting_units()
    assert len(units) == len(set(units)) == 17
    assert "ubnd-tinh" not in units
    assert "bo-y-te" not in units
    assert "cac-so-ban-nganh" not in units
