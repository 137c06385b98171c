"""A unit that registered its group chat is paced as a group (≤ 20 messages a minute), on any
channel: Zalo group ids do not look like Telegram's negative ones."""

from __future__ import annotations

from sqlmodel import select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.messages import Incoming
from bot.models import User
from bot.registration import create_invitations
from handlers import ChatHandlers
from scheduler.runner import SchedulerRunner
from tests.conftest import local
from tests.support.recording_channel import RecordingChannel


async def test_a_group_registration_is_remembered_and_paced_as_a_group(
    services: Services, clock: FrozenClock
) -> None:
    (invitation,) = create_invitations(
        services.db, "so-y-te", role="focal", count=1, expires_days=7, now=clock.now()
    )
    replies = await ChatHandlers(services).handle(
        Incoming(
            channel="zalo",
            chat_id="g-4f1c9a",  # a Zalo group id: a plain string
            user_id="u-77",
            display_name="Phòng KH Sở Y tế",
            received_at=clock.now(),
            text=f"/start {invitation.code}",
            message_id="m-1",
            chat_type="group",
            addressed=True,
        )
    )
    assert "Sở Y tế" in replies[0].text
    with services.db.session() as session:
        (user,) = session.exec(select(User)).all()
    assert user.chat_type == "group"

    runner = SchedulerRunner(services, {"zalo": RecordingChannel("zalo")}, holder="t")
    owed = runner.owed(local(2021, 3, 17, 8, 0))
    (message,) = [m for m in owed if m.chat_id == "g-4f1c9a"]
    assert message.group is True
