"""Reminders through a recording channel: who gets what, once; catch-up; failures; pacing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services, bootstrap
from bot.clock import FrozenClock
from bot.db import Database
from bot.messages import (
    Attachment,
    OutcomeUnknown,
    Reply,
    RetryLater,
    TransientError,
    Undeliverable,
)
from bot.models import Reminder, StatusUpdate, User
from bot.sent import context_of
from scheduler.outbox import Outbox
from scheduler.pacing import Pacer
from scheduler.reminders import OwedMessage
from scheduler.runner import SchedulerRunner
from tests.conftest import local, make_settings
from tests.support.recording_channel import FakeTime, RecordingChannel
from tests.support.virtual_pacing import virtual_pacers

# Chats of the focal points used below (Telegram private chats are positive ids).
HEALTH = "101"  # Sở Y tế: leads 2.2.1
TRANSPORT = "102"  # Sở GTVT: leads 2.3, 2.4, 2.7.3
PLANNING = "103"  # Sở KH&ĐT: leads 2.1, 2.2.2, 2.5; the consolidator
FINANCE = "104"  # Sở Tài chính: leads nothing, only the general part
SECRETARIAT = "900"  # Văn phòng UBND tỉnh, role secretariat

SettingsFactory = Callable[[FrozenClock], Services]


def add_user(
    db: Database,
    chat_id: str,
    agency_id: str,
    *,
    role: str = "focal",
    channel: str = "telegram",
    active: bool = True,
) -> None:
    with db.write() as session:
        session.add(
            User(
                channel=channel,
                external_id=f"{channel}-{chat_id}-{agency_id}",
                chat_id=chat_id,
                agency_id=agency_id,
                role=role,
                active=active,
                created_at=local(2021, 1, 5, 9),
            )
        )


def report(db: Database, agency_id: str, task_id: str, at: datetime, period: str) -> None:
    with db.write() as session:
        session.add(
            StatusUpdate(
                task_id=task_id,
                agency_id=agency_id,
                period=period,
                status="in_progress",
                text="Đang triển khai",
                created_at=at,
                channel="telegram",
            )
        )


def seed_users(db: Database) -> None:
    add_user(db, HEALTH, "so-y-te")
    add_user(db, TRANSPORT, "so-gtvt")
    add_user(db, PLANNING, "so-khdt")
    add_user(db, FINANCE, "so-tai-chinh")
    add_user(db, SECRETARIAT, "vp-ubnd-tinh", role="secretariat")


def ledger(db: Database) -> list[Reminder]:
    with db.session() as session:
        return list(
            session.exec(select(Reminder).order_by(col(Reminder.instant), col(Reminder.id))).all()
        )


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel("telegram")


@pytest.fixture
def runner(services: Services, channel: RecordingChannel) -> SchedulerRunner:
    seed_users(services.db)
    fake = FakeTime()  # the pacer's waits (1 s per chat) pass on a fake clock
    return SchedulerRunner(
        services,
        {"telegram": channel},
        holder="test-sender",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
    )


# --------------------------------------------------------------------------- what is sent


async def test_each_unit_gets_what_it_still_owes(
    services: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    # Sở GTVT reported everything (its three lead items and the general part);
    # Sở Y tế reported only the general part.
    for task in ("2.3", "2.4", "2.7.3", "1.4"):
        report(services.db, "so-gtvt", task, local(2021, 3, 15, 10), "2021-Q1")
    report(services.db, "so-y-te", "1.2", local(2021, 3, 16, 10), "2021-Q1")
    clock.set(local(2021, 3, 17, 8))

    result = await runner.tick()

    assert result.lease
    assert channel.to(TRANSPORT) == []  # reported everything: nothing
    assert channel.to(SECRETARIAT) == []  # nothing overdue yet
    (health,) = channel.to(HEALTH)
    assert "Nhắc báo cáo Quý I/2021 của Sở Y tế" in health.text
    assert "Hạn gửi báo cáo: trước thứ Bảy, ngày 20/03/2021 (còn 3 ngày)" in health.text
    assert "• 2.2.1 " in health.text
    assert "(chủ trì)" in health.text
    assert "1.1–1.9" not in health.text  # the general part is reported
    assert "(phối hợp)" in health.text
    assert "• 2.2.2 " in health.text
    assert "Trả lời tin này hoặc gõ: 2.2.1 <nội dung>" in health.text
    assert health.context is not None
    assert health.context["kind"] == "reminder"
    assert health.context["period"] == "2021-Q1"
    assert health.context["agency"] == "so-y-te"
    assert health.context["tasks"] == ["2.2.1"]

    (finance,) = channel.to(FINANCE)
    assert "• 1.1–1.9 Các nhiệm vụ chung" in finance.text
    assert finance.context is not None
    assert finance.context["tasks"] == [f"1.{n}" for n in range(1, 10)]

    (planning,) = channel.to(PLANNING)  # its own unit reminder; the consolidation one is later
    for item in ("• 2.1 ", "• 2.2.2 ", "• 2.5 "):
        assert item in planning.text

    # A reply to the reminder is understood: its context was recorded with the message id.
    delivered = next(d for d in channel.delivered if d.chat_id == HEALTH)
    assert context_of(services.db, "telegram", HEALTH, delivered.message_ids[0]) == (health.context)
    rows = ledger(services.db)
    assert {(r.chat_id, r.kind, r.state) for r in rows} == {
        (HEALTH, "before-due", "sent"),
        (PLANNING, "before-due", "sent"),
        (FINANCE, "before-due", "sent"),
    }
    assert all(r.instant == local(2021, 3, 17, 8) for r in rows)


async def test_double_tick_sends_once(
    runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    clock.set(local(2021, 3, 17, 8, 0))
    first = await runner.tick()
    clock.advance(timedelta(minutes=1))
    second = await runner.tick()
    assert first.sent == 4  # four units, none has reported
    assert second.sent == 0
    assert second.count("already") == 4
    assert len(channel.attempts) == 4


async def test_consolidator_and_secretariat(
    services: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    for task in ("2.2.1", "1.1"):
        report(services.db, "so-y-te", task, local(2021, 3, 16, 10), "2021-Q1")
    report(services.db, "so-tai-chinh", "1.3", local(2021, 3, 20, 9), "2021-Q1")  # late

    clock.set(local(2021, 3, 17, 8, 0))
    await runner.tick()  # the units' 3-day reminders
    sent_17 = {chat: len(channel.to(chat)) for chat in (HEALTH, TRANSPORT, PLANNING, FINANCE)}
    assert sent_17 == {HEALTH: 0, TRANSPORT: 1, PLANNING: 1, FINANCE: 1}

    clock.set(local(2021, 3, 18, 8, 0))
    await runner.tick()
    consolidation = channel.to(PLANNING)[-1]
    assert "Nhắc báo cáo tổng hợp Quý I/2021" in consolidation.text
    assert "trước thứ Năm, ngày 25/03/2021 (còn 7 ngày)" in consolidation.text
    assert "Đơn vị đã báo cáo: 1/17 (1 đúng hạn, 0 trễ hạn)." in consolidation.text
    assert "• Sở GTVT: thiếu 2.3, 2.4, 2.7.3, 1.1–1.9" in consolidation.text
    assert "Sở Y tế:" not in consolidation.text
    assert consolidation.context is not None
    assert consolidation.context["agency"] == "so-khdt"
    assert len(channel.to(TRANSPORT)) == 1  # nothing new for the units on 18/3

    # Monday 22/3: overdue notices, and the consolidator's 3-day reminder.
    clock.set(local(2021, 3, 22, 8, 0))
    await runner.tick()
    assert channel.to(HEALTH) == []  # reported on time: never reminded
    assert len(channel.to(FINANCE)) == 1  # reported late, before the overdue day
    overdue = channel.to(TRANSPORT)[-1]
    assert "Quá hạn báo cáo Quý I/2021 của Sở Giao thông" in overdue.text
    assert "Hạn gửi báo cáo là trước thứ Bảy, ngày 20/03/2021" in overdue.text
    (secretariat,) = channel.to(SECRETARIAT)
    assert "Quá hạn báo cáo Quý I/2021: 15/17 đơn vị chưa báo cáo đủ." in secretariat.text
    assert "• Sở GTVT: thiếu" in secretariat.text
    assert "Sở Tài chính" not in secretariat.text
    planning = channel.to(PLANNING)[2:]  # its own overdue notice and the 22/3 tally
    assert sorted(r.context["reminder"] for r in planning if r.context) == [
        "before-consolidation",
        "overdue",
    ]
    assert any("(1 đúng hạn, 1 trễ hạn)" in reply.text for reply in planning)
    assert any("Quá hạn báo cáo Quý I/2021 của Sở Kế hoạch" in r.text for r in planning)


async def test_restart_after_three_days_of_downtime_sends_only_the_latest(
    settings_factory: SettingsFactory, channel: RecordingChannel
) -> None:
    clock = FrozenClock(local(2021, 3, 16, 8, 0))
    before = settings_factory(clock)
    seed_users(before.db)
    first = SchedulerRunner(
        before, {"telegram": channel}, holder="old", pacer_factory=virtual_pacers()
    )
    await first.tick()  # 16/3: the 12/3 reminder is still current
    assert {d.chat_id for d in channel.delivered} == {HEALTH, TRANSPORT, PLANNING, FINANCE}
    before.db.dispose()  # the process dies; its lease stays until it expires

    clock.set(local(2021, 3, 19, 8, 30))  # down for three days: 17/3 and 18/3 were missed
    after = settings_factory(clock)
    second = SchedulerRunner(
        after, {"telegram": channel}, holder="new", pacer_factory=virtual_pacers()
    )
    result = await second.tick()
    assert result.lease  # the old lease (5 minutes) expired long ago
    sent = [(r.chat_id, r.kind, r.instant) for r in ledger(after.db) if r.instant.day != 12]
    assert sorted(sent) == sorted(
        [
            (HEALTH, "before-due", local(2021, 3, 19, 8)),
            (TRANSPORT, "before-due", local(2021, 3, 19, 8)),
            (PLANNING, "before-due", local(2021, 3, 19, 8)),
            (FINANCE, "before-due", local(2021, 3, 19, 8)),
            (PLANNING, "before-consolidation", local(2021, 3, 18, 8)),
        ]
    )
    assert len(channel.to(HEALTH)) == 2  # 12/3, then only 19/3: no burst of 17/3
    assert "còn 1 ngày" in channel.to(HEALTH)[1].text
    again = await second.tick()
    assert again.sent == 0


async def test_units_without_users_or_on_other_channels(
    services: Services, channel: RecordingChannel, clock: FrozenClock
) -> None:
    add_user(services.db, "z-1", "so-y-te", channel="zalo")
    add_user(services.db, "105", "so-xay-dung", active=False)
    runner = SchedulerRunner(services, {"telegram": channel}, holder="t")
    clock.set(local(2021, 3, 17, 8))
    result = await runner.tick()
    assert channel.delivered == []
    assert [d.outcome for d in result.deliveries] == ["no-channel"]
    assert ledger(services.db) == []  # not claimed: a zalo sender may still send it


async def test_a_group_chat_shared_by_two_units_gets_one_message(
    services: Services, channel: RecordingChannel, clock: FrozenClock
) -> None:
    add_user(services.db, "-5001", "so-y-te")
    add_user(services.db, "-5001", "so-gtvt")
    runner = SchedulerRunner(services, {"telegram": channel}, holder="t")
    clock.set(local(2021, 3, 17, 8))
    await runner.tick()
    (message,) = channel.to("-5001")
    assert "Sở Y tế" in message.text
    assert "Sở Giao thông" in message.text
    assert message.context is not None
    assert message.context["agencies"] == ["so-y-te", "so-gtvt"]


# --------------------------------------------------------------------------- failures


async def test_outcome_unknown_is_not_resent(
    services: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    channel.fail_next(OutcomeUnknown("timed out"), chat_id=HEALTH, delivered=True)
    clock.set(local(2021, 3, 17, 8))
    result = await runner.tick()
    assert result.count("unknown") == 1
    (row,) = [r for r in ledger(services.db) if r.chat_id == HEALTH]
    assert row.state == "unknown"
    for _ in range(3):
        clock.advance(timedelta(hours=2))
        await runner.tick()
    assert len(channel.to(HEALTH)) == 1  # the platform got it once; never resent
    assert sum(1 for a in channel.attempts if a.chat_id == HEALTH) == 1


async def test_transient_failure_is_retried_with_backoff(
    services: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    channel.fail_next(TransientError("connection refused"), chat_id=HEALTH)
    channel.fail_next(TransientError("connection refused"), chat_id=HEALTH)
    clock.set(local(2021, 3, 17, 8))
    await runner.tick()
    (row,) = [r for r in ledger(services.db) if r.chat_id == HEALTH]
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.next_attempt_at == local(2021, 3, 17, 8, 1)

    clock.advance(timedelta(seconds=30))  # before the backoff: not retried
    await runner.tick()
    assert sum(1 for a in channel.attempts if a.chat_id == HEALTH) == 1

    clock.advance(timedelta(seconds=30))
    await runner.tick()  # second attempt fails too: the backoff doubles
    (row,) = [r for r in ledger(services.db) if r.chat_id == HEALTH]
    assert (row.state, row.attempts) == ("failed", 2)
    assert row.next_attempt_at == local(2021, 3, 17, 8, 3)

    clock.set(local(2021, 3, 17, 8, 3))
    await runner.tick()
    (row,) = [r for r in ledger(services.db) if r.chat_id == HEALTH]
    assert (row.state, row.attempts) == ("sent", 3)
    assert len(channel.to(HEALTH)) == 1


async def test_undeliverable_is_not_retried(
    services: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    channel.fail_next(Undeliverable("bot was blocked by the user"), chat_id=HEALTH)
    clock.set(local(2021, 3, 17, 8))
    await runner.tick()
    clock.advance(timedelta(hours=3))
    await runner.tick()
    (row,) = [r for r in ledger(services.db) if r.chat_id == HEALTH]
    assert (row.state, row.next_attempt_at) == ("failed", None)
    assert "blocked" in (row.last_error or "")
    assert sum(1 for a in channel.attempts if a.chat_id == HEALTH) == 1


@pytest.mark.parametrize("early_wakeups", [0, 4])
async def test_429_pauses_the_whole_sender_for_the_full_retry_after(
    services: Services, clock: FrozenClock, early_wakeups: int
) -> None:
    seed_users(services.db)
    fake = FakeTime(1000.0, early_wakeups=early_wakeups)
    channel = RecordingChannel("telegram", monotonic=fake.monotonic)
    runner = SchedulerRunner(
        services,
        {"telegram": channel},
        holder="t",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=fake.sleep),
        concurrency=1,  # one chat after the other, so the order below is fixed
    )
    channel.fail_next(RetryLater(30), chat_id=HEALTH)
    clock.set(local(2021, 3, 17, 8))
    result = await runner.tick()

    assert result.sent == 4
    failed = next(i for i, a in enumerate(channel.attempts) if a.error is not None)
    limited_at = channel.attempts[failed].at
    later = channel.attempts[failed + 1 :]
    assert later, "the other chats are sent after the pause"
    assert all(a.at >= limited_at + 30 for a in later)  # no chat, not only HEALTH
    assert len(channel.to(HEALTH)) == 1  # retried after the pause, delivered once
    assert sum(fake.sleeps) >= 30
    (row,) = [r for r in ledger(services.db) if r.chat_id == HEALTH]
    assert row.state == "sent"


# --------------------------------------------------------------------------- extension points


async def test_extras_and_contributors(
    services: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    docx = Attachment("bao-cao.docx", b"PK..", "application/octet-stream")

    def extras(message: OwedMessage) -> list[Attachment]:
        return [docx] if message.audience == "consolidator" else []

    def weekly(now: datetime) -> list[OwedMessage]:
        monday = local(2021, 3, 15, 8)
        if now < monday:
            return []
        return [
            OwedMessage(
                channel="telegram",
                chat_id=SECRETARIAT,
                period="2021-W11",
                kind="weekly-digest",
                instant=monday,
                reply=Reply(text="Tổng hợp tuần", context={"kind": "digest"}),
                audience="secretariat",
                agency_ids=(),
                locale="vi",
            )
        ]

    runner.add_extras(extras)
    runner.add_contributor(weekly)
    clock.set(local(2021, 3, 18, 8))
    await runner.tick()
    await runner.tick()
    planning = channel.to(PLANNING)  # its 17/3 unit reminder, the consolidation one, the file
    assert [reply.attachment for reply in planning] == [None, None, docx]
    assert planning[1].context is not None
    assert planning[1].context["reminder"] == "before-consolidation"
    assert planning[2].context == planning[1].context
    assert [reply.text for reply in channel.to(SECRETARIAT)] == ["Tổng hợp tuần"]


# --------------------------------------------------------------------------- APScheduler


async def test_start_runs_a_tick_at_once_and_shutdown_frees_the_lease(
    services: Services, runner: SchedulerRunner, channel: RecordingChannel, clock: FrozenClock
) -> None:
    clock.set(local(2021, 3, 17, 8, 5))
    await runner.start()
    try:
        for _ in range(200):
            if len(channel.delivered) == 4:
                break
            await asyncio.sleep(0.02)
    finally:
        await runner.shutdown()
    assert len(channel.delivered) == 4
    assert runner.outbox.lease_holder(clock.now()) is None


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def settings_factory(tmp_path: Path) -> Iterator[SettingsFactory]:
    """Services on one database file, built afresh as a restarted process would."""
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    built: list[Services] = []

    def make(clock: FrozenClock) -> Services:
        services = bootstrap(make_settings(tmp_path, url), clock=clock)
        built.append(services)
        return services

    yield make
    for services in built:
        services.db.dispose()


# --------------------------------------------------------------------------- audit additions


async def test_a_revoked_user_gets_nothing(
    services: Services, channel: RecordingChannel, clock: FrozenClock
) -> None:
    add_user(services.db, HEALTH, "so-y-te")
    with services.db.write() as session:
        (user,) = session.exec(select(User)).all()
        user.revoked_at = local(2021, 3, 10, 9)  # still "active", but its access was revoked
        session.add(user)
    runner = SchedulerRunner(services, {"telegram": channel}, holder="t")
    clock.set(local(2021, 3, 17, 8))
    result = await runner.tick()
    assert result.owed == ()
    assert channel.attempts == []
    assert ledger(services.db) == []


async def test_a_pause_that_outlives_the_lease_never_makes_two_senders(
    services: Services, channel: RecordingChannel, clock: FrozenClock
) -> None:
    """Telegram asks for 10 minutes; the 5-minute lease expires meanwhile and another process
    takes it. The paused sender must not send once its pause is over."""
    seed_users(services.db)
    fake = FakeTime()
    other = Outbox(services.db, holder="other-process")
    taken: list[bool] = []

    async def sleep(seconds: float) -> None:  # the wall clock moves with the pacer's waits
        await fake.sleep(seconds)
        clock.advance(timedelta(seconds=seconds))
        taken.append(await asyncio.to_thread(other.acquire_lease, clock.now()))

    runner = SchedulerRunner(
        services,
        {"telegram": channel},
        holder="paused",
        pacer_factory=lambda _name: Pacer(monotonic=fake.monotonic, sleep=sleep),
        concurrency=1,
    )
    channel.fail_next(RetryLater(600))
    clock.set(local(2021, 3, 17, 8))
    result = await runner.tick()

    assert any(taken)  # the other process became the sender during the pause
    assert len(channel.attempts) == 1  # only the request that got the 429
    assert channel.delivered == []
    assert result.sent == 0
    assert {d.outcome for d in result.deliveries} == {"stopped"}
    # Given back, not lost: the rightful sender sends it once.
    (row,) = ledger(services.db)
    assert row.state == "failed"
    assert row.attempts == 0


async def test_an_error_text_never_carries_the_token(tmp_path: Path, clock: FrozenClock) -> None:
    token = "123456789:AAH-secret-token-value-0123456789"
    services = bootstrap(
        make_settings(tmp_path, f"sqlite:///{tmp_path / 'token.db'}", telegram_token=token),
        clock=clock,
    )
    add_user(services.db, HEALTH, "so-y-te")

    class Failing:
        name = "telegram"

        async def send(self, chat_id: str, reply: Reply) -> list[str]:
            raise RuntimeError(f"POST https://api.telegram.org/bot{token}/sendMessage: 502")

    runner = SchedulerRunner(services, {"telegram": Failing()}, holder="t")
    clock.set(local(2021, 3, 17, 8))
    try:
        result = await runner.tick()
        (row,) = ledger(services.db)
    finally:
        services.db.dispose()
    (delivery,) = result.deliveries
    assert delivery.outcome == "unknown"
    assert delivery.error is not None
    assert "sendMessage: 502" in delivery.error
    assert token not in delivery.error
    assert row.last_error is not None
    assert "sendMessage: 502" in row.last_error
    assert token not in row.last_error
