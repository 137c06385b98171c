"""A late report lands in the round it is late for, as a new user would see it on 21/12/2026.

Sở GTVT (leads 2.3, 2.4 and 2.7.3, and owes the general part 1.1–1.9) has not reported for the
year 2026 round, due "trước ngày 20/12/2026" (last day: Saturday 19/12). On Monday 21/12 at
08:00 the overdue notice goes out; the unit answers it (or types its report without replying).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.digest import Digest, build_digest
from bot.i18n import translator
from bot.messages import Reply, numbered_choices
from bot.models import StatusUpdate
from bot.registration import create_invitations
from bot.reports import render_docx, render_text, render_xlsx
from bot.updates import list_updates
from scheduler.pacing import Pacer
from scheduler.runner import SchedulerRunner
from tests.conftest import local, make_settings
from tests.support.recording_channel import FakeTime, RecordingChannel
from tests.transcripts import BotSaid, HandlerDriver

VI = translator("vi")
YEAR = "2026-Y"
NEXT = "2027-Q1"


@pytest.fixture
def late_clock() -> FrozenClock:
    return FrozenClock(local(2026, 12, 21, 7, 50))


@pytest.fixture
def world(tmp_path: Path, any_db_url: str, late_clock: FrozenClock) -> Iterator[Services]:
    built = bootstrap(make_settings(tmp_path, any_db_url), clock=late_clock)
    yield built
    built.db.dispose()


async def register(services: Services, driver: HandlerDriver, actor: str, agency: str) -> None:
    [invitation] = create_invitations(
        services.db, agency, role="focal", count=1, expires_days=30, now=services.clock.now()
    )
    said = await driver.say(actor, f"/start {invitation.code}")
    assert said, "registration answered"


async def overdue_notice(
    services: Services, driver: HandlerDriver, clock: FrozenClock, actor: str
) -> tuple[str, Reply]:
    """Run the scheduler at 08:00 on 21/12/2026 and hand the notice to the actor's chat."""
    channel = RecordingChannel(driver.channel)
    fake = FakeTime()
    runner = SchedulerRunner(
        services,
        {driver.channel: channel},
        holder="test-sender",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
    )
    clock.set(local(2026, 12, 21, 8, 0))
    await runner.tick()
    delivered = [d for d in channel.delivered if d.chat_id == f"chat-{actor}"]
    notices = [d for d in delivered if (d.reply.context or {}).get("reminder") == "overdue"]
    assert len(notices) == 1, [d.reply.text for d in delivered]
    notice = notices[0]
    driver._last[actor] = [(notice.message_ids[-1], notice.reply)]
    return notice.message_ids[-1], notice.reply


def stored(services: Services) -> list[tuple[str, str, str, bool]]:
    with services.db.session() as session:
        rows = session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all()
        return [(row.kind, row.task_id, row.period, row.late) for row in rows]


def text_of(said: list[BotSaid]) -> str:
    return "\n".join(message.text for message in said)


async def test_reply_to_the_overdue_notice_lands_in_the_year_round_marked_late(
    world: Services, late_clock: FrozenClock
) -> None:
    driver = HandlerDriver(world, late_clock, channel="telegram")
    await register(world, driver, "gtvt", "so-gtvt")
    _id, notice = await overdue_notice(world, driver, late_clock, "gtvt")
    assert "Quá hạn" in notice.text
    assert "Năm 2026" in notice.text
    assert "trước Chủ nhật, ngày 20/12/2026" in notice.text  # the one wording of the deadline
    assert "vẫn được ghi vào kỳ Năm 2026" in notice.text  # it asks for what its answer does

    said = await driver.say("gtvt", "2.3: da co van ban gui Bo GTVT", reply_to_last=True)

    answer = text_of(said)
    assert "Đã ghi nhận cho nhiệm vụ 2.3 (chủ trì), kỳ Năm 2026 (báo cáo muộn 1 ngày)." in answer
    assert "trước Chủ nhật, ngày 20/12/2026" in answer
    assert not any("Quý I/2027" in label for m in said for label in m.choices)  # a reply decides
    assert stored(world) == [("report", "2.3", YEAR, True)]


async def test_typed_late_report_offers_the_next_round_and_pressing_it_moves_the_report(
    world: Services, late_clock: FrozenClock
) -> None:
    driver = HandlerDriver(world, late_clock, channel="telegram")
    late_clock.set(local(2026, 12, 21, 9, 0))
    await register(world, driver, "gtvt", "so-gtvt")

    said = await driver.say("gtvt", "2.3: da co van ban gui Bo GTVT")

    assert "kỳ Năm 2026 (báo cáo muộn 1 ngày)" in text_of(said)
    assert "Nếu đây là báo cáo cho kỳ Quý I/2027" in text_of(said)
    moved = await driver.press("gtvt", "Ghi vào kỳ Quý I/2027")
    assert "Đã ghi nhận cho nhiệm vụ 2.3 (chủ trì), kỳ Quý I/2027." in text_of(moved)
    assert "muộn" not in text_of(moved).split("\n")[0]
    # Append-only: the report stays, a re-filing row moves it.
    assert stored(world) == [("report", "2.3", YEAR, True), ("refile", "2.3", NEXT, False)]
    assert [(row.period, row.late) for row in list_updates(world.db)] == [(NEXT, False)]
    assert list_updates(world.db, period=YEAR) == []
    # A forged payload into a round that is not plausible is refused, nothing written.
    update_id = list_updates(world.db)[0].id
    refused = await driver._run("gtvt", driver._incoming("gtvt", payload=f"rf:{update_id}:2021-Q1"))
    assert "Không thể ghi cập nhật này vào kỳ đó" in text_of(refused)
    assert len(stored(world)) == 2


async def test_a_report_after_the_late_window_goes_to_the_round_of_its_time(
    world: Services, late_clock: FrozenClock
) -> None:
    driver = HandlerDriver(world, late_clock, channel="telegram")
    late_clock.set(local(2027, 1, 19, 9, 0))  # 30 days after 00:00 on 20/12/2026
    await register(world, driver, "gtvt", "so-gtvt")

    said = await driver.say("gtvt", "2.3: da co van ban gui Bo GTVT")

    assert "kỳ Quý I/2027." in text_of(said)
    assert "muộn" not in text_of(said)
    assert stored(world) == [("report", "2.3", NEXT, False)]


async def test_an_item_already_reported_for_the_year_goes_to_the_next_round(
    world: Services, late_clock: FrozenClock
) -> None:
    driver = HandlerDriver(world, late_clock, channel="telegram")
    late_clock.set(local(2026, 12, 10, 9, 0))
    await register(world, driver, "gtvt", "so-gtvt")
    await driver.say("gtvt", "2.3: dang lam viec voi Bo GTVT")
    late_clock.set(local(2026, 12, 22, 9, 0))

    said = await driver.say("gtvt", "2.3: da co van ban gui Bo GTVT")

    assert "kỳ Quý I/2027." in text_of(said)
    assert stored(world) == [("report", "2.3", YEAR, False), ("report", "2.3", NEXT, False)]


async def test_late_reports_move_the_unit_to_reported_late_everywhere(
    world: Services, late_clock: FrozenClock
) -> None:
    driver = HandlerDriver(world, late_clock, channel="telegram")
    await register(world, driver, "gtvt", "so-gtvt")
    await overdue_notice(world, driver, late_clock, "gtvt")
    round_ = world.calendar.parse(YEAR)

    def digest_now() -> Digest:
        with world.db.session() as session:
            return build_digest(session, world.plan, round_, late_clock.now())

    before = digest_now()
    assert before.unit("so-gtvt").bucket == "overdue"
    overdue_before = before.count("overdue")

    await driver.say("gtvt", "2.3: da co van ban gui Bo GTVT", reply_to_last=True)
    for text in (
        "2.4: da bao cao Bo GTVT ve cang hang khong",
        "2.7.3: dang nghien cuu cau qua song Lo",
        "1.1: da trien khai day du cac nhiem vu chung",
    ):
        said = await driver.say("gtvt", text)
        assert "kỳ Năm 2026 (báo cáo muộn 1 ngày)" in text_of(said), text_of(said)

    after = digest_now()
    unit = after.unit("so-gtvt")
    assert unit.bucket == "late"
    assert after.count("overdue") == overdue_before - 1
    assert after.count("late") == 1

    text = render_text(after, VI)
    assert "Đã báo cáo quá hạn: 1" in text
    assert "Báo cáo quá hạn: Sở GTVT (muộn 1 ngày)" in text
    assert "Sở GTVT —" not in text  # no longer in the list of units that owe something
    data = after.to_json()
    gtvt_json = next(u for u in data["units"] if u["agency"] == "so-gtvt")
    assert (gtvt_json["bucket"], gtvt_json["days_late"]) == ("late", 1)
    assert data["totals"]["late"]["count"] == 1

    workbook = load_workbook(io.BytesIO(render_xlsx(after, VI)))
    summary = list(workbook["Tổng hợp"].iter_rows(values_only=True))
    gtvt = next(row for row in summary if row[1] == "Sở Giao thông Vận tải")
    assert gtvt[2:6] == (None, 1, None, None)  # the "đã báo cáo quá hạn" column
    details = list(workbook["Chi tiết"].iter_rows(values_only=True))
    row_23 = next(r for r in details if r[1] == "2.3" and r[3] == "Sở Giao thông Vận tải")
    assert row_23[7] == "quá hạn"
    general_rows = [r for r in details if str(r[1]).startswith("1.") and r[3] == gtvt[1]]
    assert len(general_rows) == 9  # one general report covers 1.1–1.9 in the workbook too
    assert all(r[5] == "Đang thực hiện" and r[7] == "quá hạn" for r in general_rows)

    document = Document(io.BytesIO(render_docx(after, VI)))
    table = document.tables[1]  # the units' summary (the first is the header)
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    gtvt_row = next(row for row in cells if row[1] == "Sở Giao thông Vận tải")
    assert gtvt_row[2] == "Đã báo cáo quá hạn"


async def test_deadline_question_answers_the_overdue_round_first(
    world: Services, late_clock: FrozenClock
) -> None:
    driver = HandlerDriver(world, late_clock, channel="telegram")
    late_clock.set(local(2026, 12, 21, 9, 0))
    await register(world, driver, "gtvt", "so-gtvt")

    answer = text_of(await driver.say("gtvt", "han bao cao"))

    overdue_at = answer.index("Năm 2026")
    assert overdue_at < answer.index("Quý I/2027")
    assert "trước Chủ nhật, ngày 20/12/2026 (đã quá 1 ngày)" in answer
    assert "2.3, 2.4, 2.7.3" in answer
    assert "Hạn báo cáo tiếp theo (kỳ Quý I/2027): trước thứ Bảy, ngày 20/03/2027" in answer

    listing = text_of(await driver.say("gtvt", "nhiem vu cua toi"))
    assert listing.index("Quá hạn: báo cáo kỳ Năm 2026") < listing.index("Hạn báo cáo tiếp theo")


def test_days_late_count_from_the_due_day_at_least_one(world: Services) -> None:
    round_ = world.calendar.parse(YEAR)
    assert round_.last_day.isoformat() == "2026-12-19"
    assert round_.days_late(local(2026, 12, 19, 23, 59)) == 0
    assert round_.days_late(local(2026, 12, 20, 0, 0)) == 1
    assert round_.days_late(local(2026, 12, 21, 9, 0)) == 1
    assert round_.days_late(local(2026, 12, 22, 0, 0)) == 2
    assert round_.days_late(datetime.fromisoformat("2026-12-20T16:59:00+00:00")) == 1


async def test_a_reply_without_a_task_number_asks_which_task_and_keeps_the_round(
    world: Services, late_clock: FrozenClock
) -> None:
    driver = HandlerDriver(world, late_clock, channel="telegram")
    await register(world, driver, "gtvt", "so-gtvt")
    await overdue_notice(world, driver, late_clock, "gtvt")
    late_clock.set(local(2027, 2, 1, 9, 0))  # after the late window: only the reply decides

    asked = await driver.say("gtvt", "đã gửi văn bản đề nghị Bộ GTVT", reply_to_last=True)
    assert "nhiệm vụ nào" in text_of(asked)
    said = await driver.press("gtvt", "2.4 (chủ trì)")

    assert "kỳ Năm 2026 (báo cáo muộn 43 ngày)" in text_of(said)
    assert stored(world) == [("report", "2.4", YEAR, True)]


async def test_the_other_round_can_be_chosen_by_its_number(
    world: Services, late_clock: FrozenClock
) -> None:
    """Channels without buttons (Zalo) show the choices as a numbered list."""
    driver = HandlerDriver(world, late_clock, channel="telegram")
    late_clock.set(local(2026, 12, 21, 9, 0))
    await register(world, driver, "gtvt", "so-gtvt")
    said = await driver.say("gtvt", "2.3: da co van ban gui Bo GTVT")
    numbered = [c.label for c in numbered_choices(driver._last["gtvt"][-1][1:])]  # no undo
    number = numbered.index("Ghi vào kỳ Quý I/2027") + 1
    assert said[0].choices[-1] == "Ghi vào kỳ Quý I/2027"

    moved = await driver.say("gtvt", str(number))

    assert "kỳ Quý I/2027." in text_of(moved)
    assert [(row.period, row.late) for row in list_updates(world.db)] == [(NEXT, False)]
