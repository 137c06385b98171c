"""Who has reported for a round: every item a unit leads plus the general part, on time or not."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from bot.bootstrap import Services
from bot.models import StatusUpdate
from bot.plan import Plan, default_plan_path, parse_plan
from bot.progress import GENERAL, EffectiveUpdate, compute_progress, round_progress
from tests.conftest import local


def add(
    services: Services,
    task: str,
    agency: str,
    at: datetime,
    *,
    status: str = "in_progress",
    kind: str = "report",
    refers_to: int | None = None,
    text: str = "Đang triển khai",
) -> int:
    round_ = services.calendar.round_at(at)
    with services.db.write() as session:
        row = StatusUpdate(
            task_id=task,
            agency_id=agency,
            period=round_.id,
            status=status,
            text=text,
            kind=kind,
            refers_to=refers_to,
            created_at=at,
            late=round_.is_late(at),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def progress_of(services: Services, agency: str, period: str = "2021-Q1"):  # type: ignore[no-untyped-def]
    round_ = services.calendar.parse(period)
    with services.db.session() as session:
        (unit,) = round_progress(session, services.plan, round_, [agency])
    return unit


def test_a_unit_owes_its_lead_items_and_the_general_part(services: Services) -> None:
    unit = progress_of(services, "so-y-te")
    assert [item.id for item in unit.lead_items] == ["2.2.1"]
    assert unit.missing == ("2.2.1", GENERAL)
    assert "2.2.2" in [item.id for item in unit.coordinate_items]
    assert [item.id for item in unit.missing_items][:1] == ["2.2.1"]
    assert {item.id for item in unit.general_items} == {f"1.{n}" for n in range(1, 10)}
    assert unit.bucket(local(2021, 3, 19, 12, 0)) == "pending"
    assert unit.bucket(local(2021, 3, 20, 0, 0)) == "overdue"


def test_coordinating_items_do_not_hold_a_unit_back(services: Services) -> None:
    add(services, "2.2.1", "so-y-te", local(2021, 3, 10, 9, 0))
    add(services, "1.7", "so-y-te", local(2021, 3, 19, 23, 59))
    unit = progress_of(services, "so-y-te")
    assert unit.complete
    assert unit.reported_at == local(2021, 3, 19, 23, 59)
    assert unit.bucket(local(2021, 3, 25, 0, 0)) == "on_time"


def test_the_last_requirement_decides_on_time_or_late(services: Services) -> None:
    add(services, "2.2.1", "so-y-te", local(2021, 3, 10, 9, 0))
    add(services, "1.1", "so-y-te", local(2021, 3, 20, 0, 0))
    unit = progress_of(services, "so-y-te")
    assert unit.complete
    assert unit.bucket(local(2021, 3, 20, 8, 0)) == "late"


def test_a_retracted_report_no_longer_counts_and_a_correction_changes_the_status(
    services: Services,
) -> None:
    report = add(services, "2.2.1", "so-y-te", local(2021, 3, 10, 9, 0), status="in_progress")
    add(services, "1.1", "so-y-te", local(2021, 3, 10, 9, 5))
    add(
        services,
        "2.2.1",
        "so-y-te",
        local(2021, 3, 10, 9, 1),
        kind="correction",
        refers_to=report,
        status="blocked",
        text="Vướng mắc về vốn",
    )
    unit = progress_of(services, "so-y-te")
    assert unit.complete
    assert unit.latest["2.2.1"].status == "blocked"
    assert unit.latest["2.2.1"].created_at == local(2021, 3, 10, 9, 0)

    add(services, "2.2.1", "so-y-te", local(2021, 3, 10, 9, 2), kind="retraction", refers_to=report)
    unit = progress_of(services, "so-y-te")
    assert unit.missing == ("2.2.1",)


def test_updates_of_another_round_do_not_count(services: Services) -> None:
    add(services, "2.2.1", "so-y-te", local(2021, 3, 21, 9, 0))  # belongs to H1
    add(services, "1.1", "so-y-te", local(2021, 3, 21, 9, 0))
    assert progress_of(services, "so-y-te", "2021-Q1").missing == ("2.2.1", GENERAL)
    assert progress_of(services, "so-y-te", "2021-H1").complete


def test_a_district_leads_through_its_group(services: Services) -> None:
    unit = progress_of(services, "ubnd-na-hang")
    assert [item.id for item in unit.lead_items] == ["2.6.2"]
    assert "2.4" in [item.id for item in unit.coordinate_items]


def test_every_reporting_unit_is_listed(services: Services) -> None:
    round_ = services.calendar.parse("2021-Q1")
    with services.db.session() as session:
        units = round_progress(session, services.plan, round_)
    ids = [unit.agency.id for unit in units]
    assert "so-khdt" in ids
    assert "ubnd-son-duong" in ids
    assert "cac-so-ban-nganh" not in ids
    assert len(ids) == len(set(ids))


def _plan_without_general_tasks() -> Plan:
    """The seed plan with the general tasks 1.1–1.9 taken out (a legal plan of another shape)."""
    document = json.loads(Path(default_plan_path()).read_text(encoding="utf-8"))
    document["tasks"] = [task for task in document["tasks"] if not task["general"]]
    return parse_plan(document, source="no-general")


def test_a_plan_without_general_tasks_owes_no_general_part(services: Services) -> None:
    plan = _plan_without_general_tasks()
    round_ = services.calendar.parse("2021-Q1")
    waiting = compute_progress(plan, round_, "so-y-te", [])
    assert waiting.missing == ("2.2.1",)
    report = EffectiveUpdate(
        id=1,
        task_id="2.2.1",
        agency_id="so-y-te",
        user_id=None,
        period="2021-Q1",
        status="in_progress",
        text="Đang làm việc với Bộ Y tế",
        created_at=local(2021, 3, 18, 9, 0),
        late=False,
    )
    done = compute_progress(plan, round_, "so-y-te", [report])
    assert done.complete  # its one lead item is the whole report
    assert done.reported_at == local(2021, 3, 18, 9, 0)
    assert done.bucket(local(2021, 3, 22, 8, 0)) == "on_time"
    # A unit that leads nothing in such a plan owes nothing: never "overdue".
    idle = compute_progress(plan, round_, "so-tai-chinh", [])
    assert idle.complete
    assert idle.missing_items == ()
    assert idle.bucket(local(2021, 3, 22, 8, 0)) == "on_time"
