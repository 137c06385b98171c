"""data/plan_tasks.json against the plan it encodes.

The expectations below are written from the plan's text (seed/000_c3d83b8d24d031c4.txt), not
read back from the JSON: a mistake in the data file must make one of them fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bot.plan import Plan, load_plan

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_PATH = REPO_ROOT / "data" / "plan_tasks.json"
SCHEMA_PATH = REPO_ROOT / "data" / "plan_tasks.schema.json"
SEED_PATH = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_c3d83b8d24d031c4.txt"

SO_BAN_NGANH = "cac-so-ban-nganh"

# Every task item the plan lists. 2.2, 2.6 and 2.7 are split: each bullet names its own lead.
EXPECTED_TASK_IDS = {
    *(f"1.{n}" for n in range(1, 10)),
    "2.1",
    "2.2",
    "2.2.1",
    "2.2.2",
    "2.3",
    "2.4",
    "2.5",
    "2.6",
    "2.6.1",
    "2.6.2",
    "2.7",
    "2.7.1",
    "2.7.2",
    "2.7.3",
    "2.8",
}
CONTAINERS = {
    "2.2": {"2.2.1", "2.2.2"},
    "2.6": {"2.6.1", "2.6.2"},
    "2.7": {"2.7.1", "2.7.2", "2.7.3"},
}

# (lead, coordinating agencies) of every item of section II.2, from the plan's sentences.
EXPECTED_ASSIGNMENTS: dict[str, tuple[set[str], set[str]]] = {
    # "Sở Kế hoạch và Đầu tư là cơ quan đầu mối chủ trì, phối hợp với Sở Tài chính ...";
    # "Các sở, ban, ngành ... chủ động phối hợp với Sở Kế hoạch và Đầu tư".
    "2.1": ({"so-khdt"}, {"so-tai-chinh", SO_BAN_NGANH}),
    # "Sở Y tế chủ trì, phối hợp với các sở, ban, ngành của tỉnh ..."
    "2.2.1": ({"so-y-te"}, {SO_BAN_NGANH}),
    # "Sở Kế hoạch và Đầu tư là cơ quan đầu mối chủ trì, phối hợp với Sở Tài chính, Sở Y tế ..."
    "2.2.2": ({"so-khdt"}, {"so-tai-chinh", "so-y-te"}),
    # "Giao Sở Giao thông Vận tải: ... phối hợp với Sở Kế hoạch và Đầu tư, Sở Tài chính ...
    #  ... và các Sở, ban, ngành của tỉnh"
    "2.3": ({"so-gtvt"}, {"so-khdt", "so-tai-chinh", SO_BAN_NGANH}),
    # "Sở Giao thông vận tải là cơ quan đầu mối ... phối hợp chặt chẽ với các sở, ban, ngành";
    # "Sở Kế hoạch và Đầu tư, Sở Tài chính, Ủy ban nhân dân huyện Na Hang ... phối hợp"
    "2.4": ({"so-gtvt"}, {"so-khdt", "so-tai-chinh", "ubnd-na-hang", SO_BAN_NGANH}),
    # "Sở Kế hoạch và Đầu tư là cơ quan đầu mối, chủ trì, phối hợp với các sở, ngành liên quan
    #  và Ủy ban nhân dân huyện, thành phố có xã An toàn khu"
    "2.5": ({"so-khdt"}, {SO_BAN_NGANH, "ubnd-huyen-atk"}),
    # "Ban Di dân tái định cư thủy điện Tuyên Quang tiếp tục tích cực làm việc ..."
    "2.6.1": ({"ban-di-dan-tdc"}, set()),
    # "Uỷ ban nhân dân huyện, thành phố ... có trách nhiệm ..."
    "2.6.2": ({"ubnd-huyen-thanh-pho"}, set()),
    # "Ủy ban nhân dân thành phố Tuyên Quang chủ trì, phối hợp với Sở Xây dựng, Sở Thông tin và
    #  Truyền thông và các sở, ngành liên quan"
    "2.7.1": ({"ubnd-tp-tuyen-quang"}, {"so-xay-dung", "so-tttt", SO_BAN_NGANH}),
    # "Ban Điều phối các dự án vốn nước ngoài: Tham mưu, đề xuất ..."
    "2.7.2": ({"ban-dieu-phoi-oda"}, set()),
    # "Sở Giao thông vận tải chủ động, phối hợp với Ủy ban nhân dân thành phố Tuyên Quang"
    "2.7.3": ({"so-gtvt"}, {"ubnd-tp-tuyen-quang"}),
    # "Sở Nông nghiệp và Phát triển nông thôn chủ trì, phối hợp với Sở Kế hoạch và Đầu tư,
    #  Sở Tài chính, Sở Tài nguyên và Môi trường, Ủy ban nhân dân thành phố"
    "2.8": ({"so-nnptnt"}, {"so-khdt", "so-tai-chinh", "so-tnmt", "ubnd-tp-tuyen-quang"}),
}

SEVEN_DISTRICTS = {
    "ubnd-tp-tuyen-quang": "Tuyên Quang",
    "ubnd-lam-binh": "Lâm Bình",
    "ubnd-na-hang": "Na Hang",
    "ubnd-chiem-hoa": "Chiêm Hóa",
    "ubnd-ham-yen": "Hàm Yên",
    "ubnd-yen-son": "Yên Sơn",
    "ubnd-son-duong": "Sơn Dương",
}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(DATA_PATH)


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    if not SEED_PATH.is_file():
        pytest.skip(f"the plan's seed text is not available at {SEED_PATH}")
    return SEED_PATH.read_text(encoding="utf-8").splitlines()


def test_file_validates_against_schema(raw: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(raw)]
    assert errors == []


def test_plan_header(plan: Plan) -> None:
    assert plan.info.id == "tuyen-quang-tb38-2021"
    assert plan.info.issuer == "ubnd-tinh"
    assert plan.info.timezone == "Asia/Ho_Chi_Minh"
    assert plan.info.province == "Tuyên Quang"
    assert plan.info.source == "seed/000_c3d83b8d24d031c4.txt"


def test_plan_title_is_the_plans_heading(plan: Plan, seed_lines: list[str]) -> None:
    assert plan.info.title == f"{seed_lines[0].strip()} {seed_lines[1].strip()}"
    assert plan.info.title.startswith("KẾ HOẠCH TRIỂN KHAI THỰC HIỆN THÔNG BÁO SỐ 38/TB-VPCP")


def test_exact_task_ids(plan: Plan) -> None:
    ids = [task.id for task in plan.tasks]
    assert len(ids) == len(set(ids))
    assert set(ids) == EXPECTED_TASK_IDS


def test_tasks_in_plan_order(plan: Plan) -> None:
    def key(task_id: str) -> tuple[int, ...]:
        return tuple(int(part) for part in task_id.split("."))

    ids = [task.id for task in plan.tasks]
    assert ids == sorted(ids, key=key)


def test_sections_and_general_flags(plan: Plan) -> None:
    for task in plan.tasks:
        if task.id.startswith("1."):
            assert task.section == "II.1", task.id
            assert task.general is True, task.id
            assert task.assignments == (), task.id
        else:
            assert task.section == "II.2", task.id
            assert task.general is False, task.id


def test_sub_items_and_their_parents(plan: Plan) -> None:
    for parent, children in CONTAINERS.items():
        assert {task.id for task in plan.children(parent)} == children
        container = plan.task(parent)
        assert container.parent is None
        assert container.assignments == ()
        for child in children:
            assert plan.task(child).parent == parent
    for task in plan.tasks:
        if task.parent is None:
            assert task.id.count(".") == 1, task.id


@pytest.mark.parametrize("task_id", sorted(EXPECTED_ASSIGNMENTS))
def test_lead_and_coordinating_agencies(plan: Plan, task_id: str) -> None:
    expected_lead, expected_coordinate = EXPECTED_ASSIGNMENTS[task_id]
    task = plan.task(task_id)
    leads = {a.agency for a in task.assignments if a.role == "lead"}
    coordinating = {a.agency for a in task.assignments if a.role == "coordinate"}
    assert leads == expected_lead
    assert coordinating == expected_coordinate
    assert len(task.assignments) == len(leads) + len(coordinating)


def test_every_actionable_item_of_section_two_is_checked(plan: Plan) -> None:
    actionable = {t.id for t in plan.tasks if t.section == "II.2" and not plan.is_container(t.id)}
    assert actionable == set(EXPECTED_ASSIGNMENTS)


def test_ministries_get_no_assignment(plan: Plan) -> None:
    ministries = {a.id for a in plan.agencies if a.kind == "ministry"}
    assert {"bo-khdt", "bo-tai-chinh", "bo-y-te", "bo-gtvt", "bo-xay-dung"} <= ministries
    assert {"bo-tttt", "bo-nnptnt", "bo-tnmt"} <= ministries
    for task in plan.tasks:
        assert not {a.agency for a in task.assignments} & ministries, task.id


def test_every_text_line_is_verbatim_in_the_seed(plan: Plan, seed_lines: list[str]) -> None:
    seed = "\n".join(seed_lines)
    stripped = {line.strip() for line in seed_lines}
    for task in plan.tasks:
        for line in task.text.split("\n"):
            assert line.strip() == line, (task.id, line)
            assert line in stripped, (task.id, line)
    for rule in plan.reporting:
        assert rule.text in seed, rule.id


def test_task_texts_start_where_the_plan_does(plan: Plan) -> None:
    for task in plan.tasks:
        if task.parent is None:
            assert task.text.startswith(f"{task.id}. "), task.id
    assert plan.task("2.2.1").text.startswith("- Sở Y tế chủ trì")
    assert plan.task("2.2.2").text.startswith("- Sở Kế hoạch và Đầu tư là cơ quan đầu mối")
    assert plan.task("2.3").text.split("\n")[1] == "Giao Sở Giao thông Vận tải:"
    assert len(plan.task("2.3").text.split("\n")) == 5
    assert len(plan.task("1.4").text.split("\n")) == 2
    assert plan.task("2.6.1").text.startswith("- Ban Di dân tái định cư")
    assert plan.task("2.6.2").text.startswith("- Uỷ ban nhân dân huyện, thành phố")
    assert plan.task("2.7.2").text.startswith("- Ban Điều phối các dự án vốn nước ngoài")
    assert plan.task("2.7.3").text.startswith("- Sở Giao thông vận tải chủ động")


def test_titles(plan: Plan, seed_lines: list[str]) -> None:
    for task in plan.tasks:
        assert 0 < len(task.title) <= 120, task.id
    headings = {
        line.split(" ", 1)[0].rstrip("."): line.split(" ", 1)[1].strip()
        for line in seed_lines
        if line.startswith("2.")
    }
    for task_id in ("2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8"):
        heading = headings[task_id]
        title = plan.task(task_id).title
        # The heading verbatim; one over 120 characters (2.4) is cut at a word boundary.
        assert heading == title or (len(heading) > 120 and heading.startswith(title + " "))


def test_reporting_rules(plan: Plan) -> None:
    rules = {rule.id: rule for rule in plan.reporting}
    assert set(rules) == {"unit-report", "consolidation"}
    unit = rules["unit-report"]
    # "Định kỳ trước ngày 20 của tháng cuối quý, 06 tháng và hằng năm ... báo cáo Ủy ban nhân
    #  dân tỉnh (đồng gửi Sở Kế hoạch và Đầu tư để tổng hợp)."
    assert unit.day == 20
    assert unit.months == (3, 6, 9, 12)
    assert unit.to == "ubnd-tinh"
    assert unit.cc == ("so-khdt",)
    assert unit.rule == "before"
    assert set(unit.who) == {"cac-so-ban-nganh", "ubnd-huyen-thanh-pho"}
    assert unit.consolidates is None
    assert "trước ngày 20" in unit.text
    # "Giao Sở Kế hoạch và Đầu tư ... định kỳ trước ngày 25 của tháng cuối quý ... báo cáo
    #  Ủy ban nhân dân tỉnh"
    consolidation = rules["consolidation"]
    assert consolidation.who == ("so-khdt",)
    assert consolidation.day == 25
    assert consolidation.months == (3, 6, 9, 12)
    assert consolidation.to == "ubnd-tinh"
    assert consolidation.cc == ()
    assert consolidation.rule == "before"
    assert consolidation.consolidates == "unit-report"
    assert "trước ngày 25" in consolidation.text


def test_reporting_units_are_every_department_board_and_district(plan: Plan) -> None:
    units = set(plan.reporting_units())
    assert set(SEVEN_DISTRICTS) <= units
    expected_departments = {
        "so-khdt",
        "so-tai-chinh",
        "so-y-te",
        "so-gtvt",
        "so-xay-dung",
        "so-tttt",
        "so-nnptnt",
        "so-tnmt",
        "ban-di-dan-tdc",
        "ban-dieu-phoi-oda",
    }
    assert units == set(SEVEN_DISTRICTS) | expected_departments


def test_every_referenced_id_exists(plan: Plan) -> None:
    ids = {agency.id for agency in plan.agencies}
    task_ids = {task.id for task in plan.tasks}
    assert plan.info.issuer in ids
    for agency in plan.agencies:
        assert set(agency.members) <= ids, agency.id
        assert agency.id not in agency.members
    for task in plan.tasks:
        assert task.parent is None or task.parent in task_ids
        for assignment in task.assignments:
            assert assignment.agency in ids, (task.id, assignment.agency)
    for rule in plan.reporting:
        assert set(rule.who) <= ids
        assert rule.to in ids
        assert set(rule.cc) <= ids


def test_seven_districts(plan: Plan) -> None:
    for agency_id, place in SEVEN_DISTRICTS.items():
        agency = plan.agency(agency_id)
        assert agency.kind == "district"
        assert agency.name.endswith(place)
        assert agency.name.startswith("Ủy ban nhân dân ")
    # Only the city and Na Hang are written in the plan; the others come from the registry.
    written = {a for a in SEVEN_DISTRICTS if plan.agency(a).source == "plan"}
    assert written == {"ubnd-tp-tuyen-quang", "ubnd-na-hang"}
    assert set(plan.agency("ubnd-huyen-thanh-pho").members) == set(SEVEN_DISTRICTS)


def test_groups(plan: Plan) -> None:
    groups = {a.id: a for a in plan.agencies if a.kind == "group"}
    assert set(groups) == {"cac-so-ban-nganh", "ubnd-huyen-thanh-pho", "ubnd-huyen-atk"}
    provincial = {a.id for a in plan.agencies if a.kind in {"department", "board"}}
    assert set(groups["cac-so-ban-nganh"].members) == provincial
    assert set(groups["ubnd-huyen-atk"].members) == {
        "ubnd-son-duong",
        "ubnd-yen-son",
        "ubnd-chiem-hoa",
    }
    assert groups["ubnd-huyen-atk"].source == "registry"
    for agency in plan.agencies:
        if agency.kind != "group":
            assert agency.members == (), agency.id


def test_agencies_named_in_the_plan(plan: Plan) -> None:
    names = {agency.name for agency in plan.agencies}
    for name in (
        "Sở Kế hoạch và Đầu tư",
        "Sở Tài chính",
        "Sở Y tế",
        "Sở Giao thông Vận tải",
        "Sở Xây dựng",
        "Sở Thông tin và Truyền thông",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Sở Tài nguyên và Môi trường",
        "Ban Di dân tái định cư thủy điện Tuyên Quang",
        "Ban Điều phối các dự án vốn nước ngoài",
        "Ủy ban nhân dân thành phố Tuyên Quang",
        "Ủy ban nhân dân huyện Na Hang",
    ):
        assert name in names
    assert plan.agency("ubnd-tinh").kind == "province"
    assert plan.agency("vp-ubnd-tinh").kind == "office"
    assert plan.agency("so-khdt").short_name == "Sở KH&ĐT"
    assert plan.agency("ubnd-tp-tuyen-quang").short_name == "UBND TP Tuyên Quang"


def test_aliases_people_type(plan: Plan) -> None:
    assert {"so y te", "SYT"} <= set(plan.agency("so-y-te").aliases)
    assert {"KHĐT", "KH&ĐT", "khdt", "sở kế hoạch", "so ke hoach"} <= set(
        plan.agency("so-khdt").aliases
    )
    assert "GTVT" in plan.agency("so-gtvt").aliases
    assert {"UBND TP Tuyên Quang", "tp tuyen quang"} <= set(
        plan.agency("ubnd-tp-tuyen-quang").aliases
    )
