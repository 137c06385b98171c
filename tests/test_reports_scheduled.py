"""The digest and the .docx ride on the real reminder runner (SchedulerRunner + extension points)."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.clock import FrozenClock
from scheduler.digests import install_scheduled
from scheduler.runner import SchedulerRunner
from tests.conftest import local
from tests.support.recording_channel import RecordingChannel
from tests.support.report_round import script_round
from tests.support.virtual_pacing import virtual_pacers


async def test_monday_after_the_deadline(services: Services, clock: FrozenClock) -> None:
    script_round(services.db)  # users 1001 secretariat, 1002 admin, 1003 KH&ĐT, 1004 Y tế...
    channel = RecordingChannel("telegram")
    runner = SchedulerRunner(services, {"telegram": channel}, pacer_factory=virtual_pacers())
    install_scheduled(runner)
    clock.set(local(2021, 3, 22, 8, 0))  # Monday; due day 20/03 was a Saturday

    result = await runner.tick()

    kinds = {(d.message.chat_id, d.message.kind) for d in result.deliveries if d.outcome == "sent"}
    assert ("1001", "overdue") in kinds
    assert ("1003", "before-consolidation") in kinds
    assert {
        ("1001", "weekly-digest"),
        ("1002", "weekly-digest"),
        ("1003", "weekly-digest"),
    } <= kinds

    secretariat = channel.to("1001")
    photos = [r for r in secretariat if r.attachment and r.attachment.kind == "photo"]
    assert len(photos) == 2  # after the overdue list, and with the weekly digest
    assert not any(r.attachment and r.attachment.kind == "document" for r in secretariat)
    assert any("• Sở GTVT — còn thiếu 2.7.3" in r.text for r in secretariat)

    khdt = channel.to("1003")
    documents = [r for r in khdt if r.attachment and r.attachment.kind == "document"]
    assert [d.attachment.filename for d in documents if d.attachment] == ["bao-cao-2021-Q1.docx"]

    # A second tick sends nothing again (the ledger), extras included.
    before = len(channel.delivered)
    again = await runner.tick()
    assert again.sent == 0
    assert len(channel.delivered) == before
    await runner.shutdown()
