"""Reminders with three plans, each on its own calendar: one message per chat and moment lists
what is owed across plans (newest plan first, each under its heading with its own deadline),
sent once however often the scheduler wakes up, whoever reports in between, and whichever
plan is retired meanwhile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.messages import TransientError
from bot.models import Reminder
from bot.plan import parse_plan
from bot.planstore import retire_plan, sync_plan
from bot.updates import file_report
from scheduler.pacing import Pacer
from scheduler.runner import SchedulerRunner
from tests.conftest import local
from tests.support.recording_channel import FakeTime, RecordingChannel
from tests.support.virtual_pacing import virtual_pacers
from tests.test_reminders_sending import add_user

DATA = Path(__file__).parent / "data"
ZIKA, CT20 = "phong-chong-dich-zika", "xu-ly-du-an-cham-trien-khai"
HEALTH, FINANCE, SECRETARIAT = "101", "104", "900"


@pytest.fixture
def three_plans(services: Services) -> Services:
    """The seed plan (tb38, quarterly), then zika (monthly, before day 25) and ct20 (before
    05/6 and 05/12), loaded in January 2026."""
    for name, day in (
        ("plan_phong_chong_dich_zika.json", 5),
        ("plan_du_an_cham_trien_khai.json", 6),
    ):
        document = json.loads((DATA / name).read_text(encoding="utf-8"))
        sync_plan(services.db, parse_plan(document), document, local(2026, 1, day, 9))
    services.reload_plan()
    assert [e.code for e in services.plans.entries] == ["ct20", "zika", "tb38"]
    add_user(services.db, HEALTH, "so-y-te")
    add_user(services.db, FINANCE, "so-tai-chinh")
    add_user(services.db, SECRETARIAT, "vp-ubnd-tinh", role="secretariat")
    return services


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel("telegram")


@pytest.fixture
def runner(three_plans: Services, channel: RecordingChannel) -> SchedulerRunner:
    fake = FakeTime()
    return SchedulerRunner(
        three_plans,
        {"telegram": channel},
        holder="test-sender",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
    )


def ledger(services: Services) -> list[Reminder]:
    with services.db.session() as session:
        return list(session.exec(select(Reminder).order_by(col(Reminder.id))).all())


async def test_one_message_a_day_lists_what_is_owed_in_every_plan(
    three_plans: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    # 18/9/2026: tb38's Q3 report is due before 20/9 and zika's September one before 25/9.
    clock.set(local(2026, 9, 18, 8))
    await runner.tick()

    (health,) = channel.to(HEALTH)
    zika, tb38 = health.text.split("\n\n[tb38] ")
    assert zika.startswith("[zika] Công văn về triển khai phòng, chống dịch bệnh do vi rút zika")
    assert "Nhắc báo cáo Tháng 9/2026 của Sở Y tế" in zika
    assert "Hạn gửi báo cáo: trước thứ Sáu, ngày 25/09/2026 (còn 7 ngày)." in zika
    assert "• 2.2 " in zika
    assert "Trả lời tin này hoặc gõ: zika 1.1 <nội dung>" in zika
    assert "Nhắc báo cáo Quý III/2026 của Sở Y tế" in tb38
    assert "Hạn gửi báo cáo: trước Chủ nhật, ngày 20/09/2026 (còn 2 ngày)." in tb38
    assert "Trả lời tin này hoặc gõ: tb38 2.2.1 <nội dung>" in tb38
    assert "[ct20]" not in health.text  # nothing of ct20 is due in September
    context = health.context
    assert context is not None
    assert "plan" not in context
    assert "period" not in context
    assert [(p["plan"], p["period"]) for p in context["plans"]] == [
        (ZIKA, "2026-M09"),
        ("tuyen-quang-tb38-2021", "2026-Q3"),
    ]
    (finance,) = channel.to(FINANCE)
    assert finance.text.startswith("[zika]")
    assert "[tb38]" in finance.text

    # One ledger row per chat, keyed by the oldest plan's round, as a single plan's would be.
    rows = [r for r in ledger(three_plans) if r.chat_id == HEALTH]
    assert [(r.period, r.kind, r.state) for r in rows] == [("2026-Q3", "before-due", "sent")]

    # Later ticks that day send nothing, even after Sở Y tế reported zika's items.
    for task in ("1.1", "2.1", "2.2"):
        file_report(
            three_plans.db,
            three_plans.plans[ZIKA],
            three_plans.plans.calendar(ZIKA),
            task_id=task,
            agency_id="so-y-te",
            user_id=None,
            text="Đã triển khai",
            now=local(2026, 9, 18, 9),
        )
    for hour in (9, 10, 17):
        clock.set(local(2026, 9, 18, hour, 1))
        await runner.tick()
    assert len(channel.to(HEALTH)) == 1


async def test_an_overdue_plan_and_a_due_plan_are_one_message(
    three_plans: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    # 21/9/2026 (Monday): tb38's Q3 deadline has passed (its overdue notice is today); zika's
    # September report is still owed before 25/9 (its reminder of 18/9 is still current).
    clock.set(local(2026, 9, 21, 8))
    await runner.tick()
    (health,) = channel.to(HEALTH)
    zika, tb38 = health.text.split("\n\n[tb38] ")
    assert "Nhắc báo cáo Tháng 9/2026 của Sở Y tế" in zika
    assert "(còn 4 ngày)" in zika
    assert "Quá hạn báo cáo Quý III/2026 của Sở Y tế" in tb38
    (row,) = [r for r in ledger(three_plans) if r.chat_id == HEALTH]
    assert (row.period, row.kind, row.instant) == ("2026-Q3", "overdue", local(2026, 9, 21, 8))
    secretariat = channel.to(SECRETARIAT)
    assert len(secretariat) == 1
    assert "[tb38]" in secretariat[0].text


async def test_a_failed_send_is_retried_as_the_same_one_message(
    three_plans: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    clock.set(local(2026, 9, 18, 8))
    channel.fail_next(TransientError("502 Bad Gateway"), chat_id=HEALTH)
    await runner.tick()
    assert channel.to(HEALTH) == []
    clock.set(local(2026, 9, 18, 8, 30))
    await runner.tick()
    (health,) = channel.to(HEALTH)
    assert "[zika]" in health.text
    assert "[tb38]" in health.text
    clock.set(local(2026, 9, 18, 9))
    await runner.tick()
    assert len(channel.to(HEALTH)) == 1
    assert len([r for r in ledger(three_plans) if r.chat_id == HEALTH]) == 1


async def test_retiring_a_plan_after_its_reminder_resends_nothing(
    three_plans: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    clock.set(local(2026, 9, 18, 8))
    await runner.tick()
    assert len(channel.to(HEALTH)) == 1
    retire_plan(three_plans.db, "tb38", local(2026, 9, 18, 9))  # the plan that keys the row
    three_plans.reload_plan()
    clock.set(local(2026, 9, 18, 10))
    await runner.tick()
    assert len(channel.to(HEALTH)) == 1  # zika's part is not sent a second time
    # The next reminder is zika's alone (tb38 is no longer followed).
    clock.set(local(2026, 9, 22, 8))
    await runner.tick()
    latest = channel.to(HEALTH)[-1]
    assert "[tb38]" not in latest.text
    assert "Nhắc báo cáo Tháng 9/2026 của Sở Y tế" in latest.text


async def test_a_plan_loaded_during_the_day_waits_for_its_next_reminder(
    services: Services, channel: RecordingChannel, clock: FrozenClock
) -> None:
    """zika loaded at 10:00 on a day it has an 08:00 reminder: that one is not sent late
    (nor merged into the seed plan's message already sent)."""
    add_user(services.db, HEALTH, "so-y-te")
    fake = FakeTime()
    runner = SchedulerRunner(
        services,
        {"telegram": channel},
        holder="test-sender",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
    )
    clock.set(local(2026, 9, 18, 8))
    await runner.tick()
    (first,) = channel.to(HEALTH)
    assert "[zika]" not in first.text
    assert "[tb38]" not in first.text
    document = json.loads((DATA / "plan_phong_chong_dich_zika.json").read_text(encoding="utf-8"))
    sync_plan(services.db, parse_plan(document), document, local(2026, 9, 18, 10))
    services.reload_plan()
    clock.set(local(2026, 9, 18, 10, 5))
    await runner.tick()
    assert len(channel.to(HEALTH)) == 1
    clock.set(local(2026, 9, 22, 8))  # zika's next reminder
    await runner.tick()
    assert channel.to(HEALTH)[-1].text.startswith("[zika]")


@pytest.fixture
def with_deadline(services: Services) -> Services:
    """zika with a one-off deadline on its task 2.1 (Sở Y tế leads): before 30/9/2026."""
    document = json.loads((DATA / "plan_phong_chong_dich_zika.json").read_text(encoding="utf-8"))
    task = next(t for t in document["tasks"] if t["id"] == "2.1")
    task["deadline"] = {
        "kind": "date",
        "text": "trước ngày 30/9/2026",
        "date": "2026-09-30",
        "before": True,
    }
    sync_plan(services.db, parse_plan(document), document, local(2026, 1, 5, 9))
    services.reload_plan()
    add_user(services.db, HEALTH, "so-y-te")
    return services


async def test_a_tasks_own_deadline_is_reminded_in_the_same_message(
    with_deadline: Services, channel: RecordingChannel, clock: FrozenClock
) -> None:
    fake = FakeTime()
    runner = SchedulerRunner(
        with_deadline,
        {"telegram": channel},
        holder="test-sender",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
    )
    # 23/9/2026: seven days before the task's deadline; zika's September round is still owed.
    clock.set(local(2026, 9, 23, 8))
    await runner.tick()
    (first,) = channel.to(HEALTH)
    assert first.text.startswith("[zika]")
    assert "Nhắc báo cáo Tháng 9/2026 của Sở Y tế" in first.text
    assert (
        "Nhiệm vụ 2.1 có hạn hoàn thành trước thứ Tư, ngày 30/09/2026 (còn 7 ngày): " in first.text
    )
    assert "Trả lời tin này hoặc gõ: zika 2.1 <nội dung>" in first.text

    file_report(
        with_deadline.db,
        with_deadline.plans[ZIKA],
        with_deadline.plans.calendar(ZIKA),
        task_id="2.1",
        agency_id="so-y-te",
        user_id=None,
        text="Đã hoàn thành việc giám sát tại các ổ dịch",
        now=local(2026, 9, 23, 10),
    )
    clock.set(local(2026, 9, 25, 8))  # 27/9 is a Sunday: the 3-day reminder is on Friday
    await runner.tick()
    assert "Nhiệm vụ 2.1" not in channel.to(HEALTH)[-1].text  # reported completed
    clock.set(local(2026, 9, 30, 8))
    await runner.tick()
    assert all("quá hạn hoàn thành" not in reply.text for reply in channel.to(HEALTH))


async def test_a_task_not_completed_by_its_deadline_gets_an_overdue_notice(
    with_deadline: Services, channel: RecordingChannel, clock: FrozenClock
) -> None:
    fake = FakeTime()
    runner = SchedulerRunner(
        with_deadline,
        {"telegram": channel},
        holder="test-sender",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
    )
    clock.set(local(2026, 9, 30, 8))
    await runner.tick()
    (notice,) = channel.to(HEALTH)
    assert (
        "Nhiệm vụ 2.1 đã quá hạn hoàn thành (trước thứ Tư, ngày 30/09/2026), chưa có báo cáo "
        "hoàn thành" in notice.text
    )
    clock.set(local(2026, 9, 30, 15))
    await runner.tick()
    assert len(channel.to(HEALTH)) == 1


async def test_the_weekly_digest_is_the_overview_of_the_plans(
    three_plans: Services, channel: RecordingChannel, clock: FrozenClock
) -> None:
    from scheduler.digests import install_scheduled

    runner = SchedulerRunner(
        three_plans, {"telegram": channel}, holder="test-sender", pacer_factory=virtual_pacers()
    )
    install_scheduled(runner)
    clock.set(local(2026, 9, 21, 8))  # a Monday of a reporting month; tb38's Q3 is overdue
    await runner.tick()

    texts = [reply.text for reply in channel.to(SECRETARIAT)]
    (weekly,) = [text for text in texts if text.startswith("TỔNG HỢP TẤT CẢ KẾ HOẠCH")]
    assert [line.split(" — ")[0] for line in weekly.splitlines() if line.startswith("■")] == [
        "■ ct20",
        "■ zika",
        "■ tb38",
    ]
    (overdue,) = [text for text in texts if text.startswith("[tb38]")]
    assert "Quá hạn báo cáo Quý III/2026" in overdue
    # The digest that follows the overdue list is tb38's, for its Q3 round.
    digests = [text for text in texts if text.startswith("TỔNG HỢP TÌNH HÌNH BÁO CÁO")]
    assert digests  # (split in parts at the platform's length)
    assert not any("Kế hoạch zika" in text or "Kế hoạch ct20" in text for text in digests)
    assert digests[0].startswith("TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý III/2026\nKế hoạch tb38:")
    before = len(channel.delivered)
    clock.set(local(2026, 9, 21, 9))
    await runner.tick()
    assert len(channel.delivered) == before
    await runner.shutdown()


async def test_a_plan_retired_while_the_bot_runs_is_not_reminded_any_more(
    three_plans: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    clock.set(local(2026, 9, 18, 8))
    await runner.tick()
    assert "[zika]" in channel.to(HEALTH)[-1].text
    # `planbot plan retire zika` in another process: the running bot's plans are not reloaded
    # by hand; the next tick sees the change.
    retire_plan(three_plans.db, "zika", local(2026, 9, 18, 12))
    clock.set(local(2026, 9, 22, 8))
    await runner.tick()
    latest = channel.to(HEALTH)[-1]
    assert "[zika]" not in latest.text
    assert [entry.code for entry in three_plans.plans.entries] == ["ct20", "tb38"]
