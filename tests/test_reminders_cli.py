"""``planbot remind``: one tick as of an instant, through the configured channels."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

import bot.cli.schedule as schedule_cli
from bot.bootstrap import bootstrap
from bot.cli import app
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.messages import Channel
from bot.models import Reminder
from scheduler.outbox import Outbox
from tests.conftest import local, make_settings
from tests.support.recording_channel import RecordingChannel
from tests.test_reminders_sending import (
    FINANCE,
    HEALTH,
    PLANNING,
    SECRETARIAT,
    TRANSPORT,
    report,
    seed_users,
)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with the seed plan, five users and some reports; the CLI's env points at it."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PLANBOT_DATABASE_URL", url)
    monkeypatch.setenv("PLANBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("PLANBOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("PLANBOT_ZALO_TOKEN", raising=False)
    services = bootstrap(make_settings(tmp_path, url), clock=FrozenClock(local(2021, 3, 1, 9)))
    seed_users(services.db)
    for task in ("2.3", "2.4", "2.7.3", "1.9"):
        report(services.db, "so-gtvt", task, local(2021, 3, 15, 10), "2021-Q1")
    report(services.db, "so-khdt", "2.1", local(2021, 3, 16, 10), "2021-Q1")
    report(services.db, "so-khdt", "1.1", local(2021, 3, 16, 11), "2021-Q1")
    services.db.dispose()
    return url


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> RecordingChannel:
    recording = RecordingChannel("telegram")

    def build(_settings: Settings, _db: object = None) -> dict[str, Channel]:
        return {"telegram": recording}

    monkeypatch.setattr(schedule_cli, "build_channels", build)
    return recording


def _ledger(url: str) -> list[Reminder]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(session.exec(select(Reminder)).all())
    finally:
        db.dispose()


def test_remind_sends_what_each_unit_owes_and_a_second_run_nothing(
    database: str, channel: RecordingChannel
) -> None:
    result = CliRunner().invoke(app, ["remind", "--at", "2021-03-17T08:00+07:00"])
    assert result.exit_code == 0, result.output
    assert "3 tin đã gửi" in result.output

    assert channel.to(TRANSPORT) == []  # reported everything
    assert channel.to(SECRETARIAT) == []
    (health,) = channel.to(HEALTH)
    assert "• 2.2.1 " in health.text
    assert "• 1.1–1.9 " in health.text
    (planning,) = channel.to(PLANNING)
    assert "• 2.1 " not in planning.text  # reported
    assert "• 2.2.2 " in planning.text
    assert "• 2.5 " in planning.text
    assert "1.1–1.9" not in planning.text  # the general part is reported
    assert planning.context is not None
    assert planning.context["tasks"] == ["2.2.2", "2.5"]
    (finance,) = channel.to(FINANCE)
    assert "còn 3 ngày" in finance.text

    again = CliRunner().invoke(app, ["remind", "--at", "2021-03-17T08:00+07:00"])
    assert again.exit_code == 0, again.output
    assert "0 tin đã gửi, 3 đã xử lý trước đó" in again.output
    assert len(channel.delivered) == 3
    assert sorted(r.chat_id for r in _ledger(database)) == sorted([HEALTH, PLANNING, FINANCE])


def test_dry_run_prints_without_sending_or_recording(
    database: str, channel: RecordingChannel
) -> None:
    result = CliRunner().invoke(
        app, ["remind", "--at", "2021-03-17T08:00", "--dry-run", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    owed = json.loads(result.stdout)
    assert sorted(m["chat_id"] for m in owed) == sorted([HEALTH, PLANNING, FINANCE])
    assert all(m["instant"] == "2021-03-17T08:00:00+07:00" for m in owed)
    assert channel.attempts == []
    assert _ledger(database) == []


def test_without_a_channel_it_says_so_and_exits_2(database: str) -> None:
    result = CliRunner().invoke(app, ["remind", "--at", "2021-03-17T08:00+07:00"])
    assert result.exit_code == 2
    assert "Chưa cấu hình kênh gửi nào" in result.output
    assert _ledger(database) == []
    dry = CliRunner().invoke(app, ["remind", "--at", "2021-03-17T08:00+07:00", "--dry-run"])
    assert dry.exit_code == 0
    assert "3 tin nhắc đến hạn" in dry.output
    assert "(chưa cấu hình kênh)" in dry.output


def test_bad_instant_is_refused_in_vietnamese(database: str, channel: RecordingChannel) -> None:
    result = CliRunner().invoke(app, ["remind", "--at", "17/3/2021 8h"])
    assert result.exit_code == 2
    assert "không phải là thời điểm" in result.output
    assert channel.attempts == []


def test_another_sender_holding_the_lease_means_nothing_is_sent(
    database: str, channel: RecordingChannel
) -> None:
    db = Database(database)
    try:  # a running ``planbot run`` holds the sender lease (for a long while)
        assert Outbox(db, holder="planbot-run", lease_ttl=timedelta(days=365 * 200)).acquire_lease(
            local(2021, 3, 1, 9)
        )
    finally:
        db.dispose()
    result = CliRunner().invoke(app, ["remind", "--at", "2021-03-17T08:00+07:00"])
    assert result.exit_code == 1
    assert "Một tiến trình planbot khác đang gửi tin nhắc" in result.output
    assert channel.attempts == []
    assert _ledger(database) == []


def test_an_instant_outside_the_known_holidays_is_refused(
    database: str, channel: RecordingChannel
) -> None:
    for at in ("2101-03-17T08:00+07:00", "9999-12-31T08:00+07:00"):
        result = CliRunner().invoke(app, ["remind", "--at", at])
        assert result.exit_code == 2, result.output
        assert "--at: năm" in result.output
        assert "nằm ngoài khoảng 1901–2100" in result.output
    assert channel.attempts == []
    assert _ledger(database) == []
