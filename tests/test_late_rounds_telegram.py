"""The late report over the real python-telegram-bot stack and the fake Bot API, on 21/12/2026.

``planbot remind`` (a separate process) sends Sở GTVT the overdue notice of the year 2026 round;
the focal point answers it with a Telegram reply, then types another report without replying and
presses the button that files it under the next round instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.models import StatusUpdate
from bot.registration import create_invitations
from bot.updates import list_updates
from tests.conftest import local
from tests.support.telegram_server import FakeTelegram, TgUser
from tests.test_chat_telegram import TelegramDriver, _ptb_timedelta, telegram
from tests.test_reminders_telegram import remind

__all__ = ["_ptb_timedelta", "telegram"]  # fixtures shared with the Telegram chat tests

GTVT = TgUser(1001, "Hùng", "vi")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(local(2026, 12, 21, 7, 50))


def rows(services: Services) -> list[tuple[str, str, str, bool]]:
    with services.db.session() as session:
        found = session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all()
        return [(row.kind, row.task_id, row.period, row.late) for row in found]


async def test_reply_to_the_overdue_notice_and_a_typed_report_over_telegram(
    services: Services,
    clock: FrozenClock,
    telegram: tuple[FakeTelegram, TelegramDriver],
    tmp_path: Path,
) -> None:
    tg, driver = telegram
    driver.users["gtvt"] = GTVT
    [invitation] = create_invitations(
        services.db, "so-gtvt", role="focal", count=1, expires_days=7, now=clock.now()
    )
    await driver.say("gtvt", f"/start {invitation.code}")

    code, output = await remind(
        tg,
        services.settings.resolved_database_url,
        services.settings.data_dir,
        "2026-12-21T08:00+07:00",
    )
    assert code == 0, output
    notice = tg.bot_messages(GTVT.id)[-1]
    assert "Quá hạn báo cáo Năm 2026 của Sở Giao thông Vận tải" in notice.text
    assert "trước Chủ nhật, ngày 20/12/2026" in notice.text

    clock.set(local(2026, 12, 21, 9, 0))
    said = await driver.say("gtvt", "2.3: da co van ban gui Bo GTVT", reply_to_last=True)
    assert "kỳ Năm 2026 (báo cáo muộn 1 ngày)" in said[0].text
    assert not any(label.startswith("Ghi vào kỳ") for label in said[0].choices)

    said = await driver.say("gtvt", "2.4: dang lam viec voi Bo GTVT")
    assert "kỳ Năm 2026 (báo cáo muộn 1 ngày)" in said[0].text
    assert "Ghi vào kỳ Quý I/2027" in said[0].choices
    moved = await driver.press("gtvt", "Ghi vào kỳ Quý I/2027")
    assert "Đã ghi nhận cho nhiệm vụ 2.4 (chủ trì), kỳ Quý I/2027." in moved[0].text
    assert "Ghi vào kỳ Năm 2026" in moved[0].choices  # and back, if that was a mistake

    assert rows(services) == [
        ("report", "2.3", "2026-Y", True),
        ("report", "2.4", "2026-Y", True),
        ("refile", "2.4", "2027-Q1", False),
    ]
    assert [(u.task, u.period) for u in list_updates(services.db, period="2026-Y")] == [
        ("2.3", "2026-Y")
    ]
    assert len(tg.calls_of("answerCallbackQuery")) == 1
