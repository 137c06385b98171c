"""The two extra test plans load, name their rounds by their own rule, and share agencies and a
task number (2.2) with the seed plan, so that "2.2: ..." is really ambiguous for a unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.i18n import translator
from bot.importer.timing import read_report_timing
from bot.plan import Plan, load_plan
from scheduler.calendar import ReportingCalendar
from tests.conftest import TZ

DATA = Path(__file__).parent / "data"
ZIKA = DATA / "plan_phong_chong_dich_zika.json"
PROJECTS = DATA / "plan_du_an_cham_trien_khai.json"


def _ids(plan: Plan, agency_id: str) -> set[str]:
    return {task.id for task, _role in plan.assignments_of(agency_id)}


@pytest.mark.parametrize(
    ("path", "labels"),
    [
        (ZIKA, [f"Tháng {m}/2026" for m in range(1, 13)]),
        (PROJECTS, ["6 tháng đầu năm 2026", "Năm 2026"]),
    ],
)
def test_each_extra_plan_has_its_own_rounds(path: Path, labels: list[str]) -> None:
    plan = load_plan(path)
    calendar = ReportingCalendar(plan.reporting, TZ)
    assert [r.label(translator("vi")) for r in calendar.rounds(2026)] == labels
    seed_ids = {r.id for r in ReportingCalendar(load_plan().reporting, TZ).rounds(2026)}
    if path == ZIKA:
        assert not seed_ids & {r.id for r in calendar.rounds(2026)}  # no id means two things


@pytest.mark.parametrize("path", [ZIKA, PROJECTS])
def test_the_rule_sentence_says_what_the_rule_holds(path: Path) -> None:
    (rule,) = load_plan(path).reporting
    (timing,) = read_report_timing(rule.text)
    assert (timing.day, timing.months) == (rule.day, rule.months)


def test_extra_plans_share_the_seed_directory_and_a_task_number() -> None:
    seed, zika, projects = load_plan(), load_plan(ZIKA), load_plan(PROJECTS)
    for plan in (zika, projects):
        for agency in plan.agencies:
            assert seed.agency(agency.id) == agency  # the same province-wide directory
    # Sở Y tế has a 2.2 in the seed (2.2.1) and in the epidemic plan; Sở Tài chính a 2.2 in the
    # seed (2.2.2, coordinating) and in the projects plan.
    assert {"2.2.1", "2.2.2"} <= _ids(seed, "so-y-te")
    assert "2.2" in _ids(zika, "so-y-te")
    assert "2.2.2" in _ids(seed, "so-tai-chinh")
    assert "2.2" in _ids(projects, "so-tai-chinh")
    assert "2.2" not in _ids(projects, "so-y-te")
