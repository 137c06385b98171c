"""The web channel's storage (sessions, chat history, files) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.clock import FrozenClock
from bot.messages import Attachment, Choice, Reply
from bot.registration import create_invitations, redeem, revoke_user
from bot.web.channel import WebChannel
from bot.web.store import HISTORY_LIMIT, SESSION_LIFETIME, ChatStore, SessionStore
from tests.conftest import make_settings


async def test_sessions_and_history_are_stored(
    any_db_url: str, tmp_path: Path, clock: FrozenClock
) -> None:
    services = bootstrap(make_settings(tmp_path, any_db_url), clock=clock)
    try:
        [code] = create_invitations(
            services.db, "so-y-te", role="focal", count=1, expires_days=7, now=clock.now()
        )
        user = redeem(
            services.db,
            code.code,
            channel="web",
            external_id="w-1",
            chat_id="w-1",
            display_name="Lan",
            language=None,
            now=clock.now(),
        ).user
        assert user is not None
        assert user.id is not None
        sessions = SessionStore(services.db)
        session_id = sessions.create(user.id, clock.now())
        live = sessions.get(session_id, clock.now())
        assert live is not None
        assert live.user.agency_id == "so-y-te"
        assert sessions.get("not-a-session", clock.now()) is None
        assert sessions.get(session_id, clock.now() + SESSION_LIFETIME + timedelta(1)) is None
        sessions.end(session_id)
        assert sessions.get(session_id, clock.now()) is None
        again = sessions.create(user.id, clock.now())
        revoke_user(services.db, "web:w-1", clock.now())
        assert sessions.get(again, clock.now()) is None  # revoked: out at once

        store = ChatStore(services.db, tmp_path / "files")
        channel = WebChannel(services.db, clock, store)
        photo = Attachment("bieu-do.png", b"\x89PNG...", "image/png", "photo")
        [first] = channel.deliver(
            "w-1",
            [Reply("Đã ghi nhận", choices=(Choice("Huỷ", "undo:1"),), attachment=photo)],
            clock.now(),
        )
        assert first.file is not None
        assert store.file_path("w-1", first.file.token) is not None
        assert store.file_path("w-2", first.file.token) is None  # another chat's file
        [edited] = channel.deliver("w-1", [Reply("Đã huỷ", edit_message_id=first.id)], clock.now())
        assert (edited.id, edited.text, edited.edited) == (first.id, "Đã huỷ", True)
        for number in range(HISTORY_LIMIT + 5):
            channel.deliver("w-1", [Reply(f"tin {number}")], clock.now())
        kept = store.messages("w-1")
        assert len(kept) == HISTORY_LIMIT
        assert kept[-1].text == f"tin {HISTORY_LIMIT + 4}"
        assert not (tmp_path / "files" / first.file.token).exists()  # its file went with it
    finally:
        services.db.dispose()
