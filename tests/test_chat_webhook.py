"""``planbot run`` in Telegram webhook mode, end to end against the fake Bot API server.

The real process is started with ``PLANBOT_WEBHOOK_URL``/``PLANBOT_WEBHOOK_SECRET``: it must
register the webhook (with the secret) on the fake server, listen on 127.0.0.1, handle an update
POSTed with the right ``X-Telegram-Bot-Api-Secret-Token`` header (answering through the fake
server) and refuse, with 403 and without handling it, one with a wrong or missing secret.

The subprocess runs on the real clock (it is a real ``planbot run``), so the invitations are made
at the real time too.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from bot.bootstrap import bootstrap
from bot.clock import SystemClock
from bot.models import Invitation, StatusUpdate, User
from bot.registration import create_invitations
from tests.conftest import make_settings
from tests.support.cli_process import start_planbot
from tests.support.ports import free_port
from tests.support.telegram_server import FakeTelegram, TgUser

SECRET = "s3cret_Webhook-token_for-tests"
PUBLIC_URL = "https://planbot.example.vn/hooks/telegram"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
LAN = TgUser(1001, "Lan", "vi")
INTRUDER = TgUser(6666, "Kẻ mạo danh", "vi")


def _database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'run.db'}"


@contextmanager
def _two_codes(tmp_path: Path) -> Iterator[tuple[str, str, Callable[[], Any]]]:
    """Two Sở Y tế invitations in the database ``planbot run`` will open (real clock)."""
    settings = make_settings(tmp_path, _database_url(tmp_path))
    built = bootstrap(settings, clock=SystemClock(settings.tz))
    try:
        first, second = create_invitations(
            built.db, "so-y-te", role="focal", count=2, expires_days=7, now=built.clock.now()
        )
        yield first.code, second.code, built.db.session
    finally:
        built.db.dispose()


@asynccontextmanager
async def _planbot_run(
    tg: FakeTelegram, tmp_path: Path, port: int, **extra: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLANBOT_")}
    env.update(
        {
            "PLANBOT_TELEGRAM_TOKEN": tg.token,
            "PLANBOT_TELEGRAM_API_URL": tg.url,
            "PLANBOT_DATABASE_URL": _database_url(tmp_path),
            "PLANBOT_DATA_DIR": str(tmp_path / "data"),
            "PLANBOT_WEBHOOK_URL": PUBLIC_URL,
            "PLANBOT_WEBHOOK_LISTEN": "127.0.0.1",
            "PLANBOT_WEBHOOK_PORT": str(port),
            **extra,
        }
    )
    process = await start_planbot(
        "run",
        env=env,
        cwd=tmp_path,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _listening(client: httpx.AsyncClient, url: str) -> None:
    """Wait until the webhook listener answers (a GET: only POST is served there)."""
    async with asyncio.timeout(40):
        while True:
            try:
                answer = await client.get(url)
            except httpx.TransportError:
                await asyncio.sleep(0.05)
                continue
            assert answer.status_code == 405
            return


async def _answered(tg: FakeTelegram, chat_id: int) -> None:
    async with asyncio.timeout(30):
        while not tg.bot_messages(chat_id):  # noqa: ASYNC110 - another process answers
            await asyncio.sleep(0.05)


async def test_webhook_mode_registers_the_secret_and_refuses_forged_updates(
    tmp_path: Path,
) -> None:
    port = free_port()
    listener = f"http://127.0.0.1:{port}/hooks/telegram"
    with _two_codes(tmp_path) as (code, other_code, session):
        async with (
            FakeTelegram() as tg,
            _planbot_run(tg, tmp_path, port, PLANBOT_WEBHOOK_SECRET=SECRET) as process,
            httpx.AsyncClient(timeout=20) as client,
        ):
            await _listening(client, listener)
            # The webhook is registered with Telegram: the public URL, the secret, our updates.
            [set_webhook] = tg.calls_of("setWebhook")
            assert set_webhook.status == 200
            assert tg.webhook_url == PUBLIC_URL
            assert tg.webhook_secret == SECRET
            assert set(tg.webhook_allowed_updates or ()) == {"message", "callback_query"}
            assert not tg.calls_of("getUpdates")  # no polling beside the webhook

            # Forged updates: a wrong secret, no secret at all. Refused, never handled.
            forged = tg.text_update(INTRUDER, f"/start {other_code}")
            wrong = await client.post(listener, json=forged, headers={HEADER: SECRET + "x"})
            assert wrong.status_code == 403
            forged = tg.text_update(INTRUDER, f"/start {other_code}")
            missing = await client.post(listener, json=forged)
            assert missing.status_code == 403

            # The genuine update: handled, answered through the Bot API.
            genuine = tg.text_update(LAN, f"/start {code}")
            accepted = await client.post(listener, json=genuine, headers={HEADER: SECRET})
            assert accepted.status_code == 200
            await _answered(tg, LAN.id)
            assert "Sở Y tế" in tg.bot_messages(LAN.id)[-1].text
            # And the next one over the same webhook reaches the handlers as that user.
            before = len(tg.bot_messages(LAN.id))
            report = tg.text_update(LAN, "2.2: đã trình UBND tỉnh hồ sơ dự án")
            accepted = await client.post(listener, json=report, headers={HEADER: SECRET})
            assert accepted.status_code == 200
            async with asyncio.timeout(30):
                while len(tg.bot_messages(LAN.id)) == before:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            assert "2.2.1" in tg.bot_messages(LAN.id)[-1].text

            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(40):
                _out, err = await process.communicate()
            stderr = err.decode()
            assert process.returncode == 0, stderr
            assert tg.token not in stderr
            assert SECRET not in stderr

        assert tg.bot_messages(INTRUDER.id) == []
        with session() as s:
            users = {(u.external_id, u.agency_id) for u in s.exec(select(User)).all()}
            assert users == {(str(LAN.id), "so-y-te")}
            unused = s.get(Invitation, other_code)
            assert unused is not None
            assert unused.used_at is None
            reports = [(r.task_id, r.text) for r in s.exec(select(StatusUpdate)).all()]
            assert reports == [("2.2.1", "đã trình UBND tỉnh hồ sơ dự án")]


async def test_without_a_configured_secret_a_random_one_is_still_required(
    tmp_path: Path,
) -> None:
    port = free_port()
    listener = f"http://127.0.0.1:{port}/hooks/telegram"
    with _two_codes(tmp_path) as (code, _other, _session):
        async with (
            FakeTelegram() as tg,
            _planbot_run(tg, tmp_path, port, PLANBOT_WEBHOOK_SECRET="") as process,
            httpx.AsyncClient(timeout=20) as client,
        ):
            await _listening(client, listener)
            secret = tg.webhook_secret
            assert secret is not None
            assert len(secret) >= 32
            unsigned = await client.post(listener, json=tg.text_update(LAN, f"/start {code}"))
            assert unsigned.status_code == 403
            signed = await client.post(
                listener, json=tg.text_update(LAN, f"/start {code}"), headers={HEADER: secret}
            )
            assert signed.status_code == 200
            await _answered(tg, LAN.id)
            assert len(tg.bot_messages(LAN.id)) == 1
            assert "Sở Y tế" in tg.bot_messages(LAN.id)[0].text
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(40):
                _out, err = await process.communicate()
            assert process.returncode == 0, err.decode()
            assert secret not in err.decode()


async def test_a_malformed_secret_is_refused_before_anything_starts(tmp_path: Path) -> None:
    bad = "mật khẩu có dấu cách!"
    async with (
        FakeTelegram() as tg,
        _planbot_run(tg, tmp_path, free_port(), PLANBOT_WEBHOOK_SECRET=bad) as process,
    ):
        async with asyncio.timeout(40):
            out, err = await process.communicate()
        assert process.returncode == 2
        message = (out + err).decode()
        assert "PLANBOT_WEBHOOK_SECRET không hợp lệ" in message
        assert "Traceback" not in message
        assert bad not in message
        assert tg.token not in message
        assert tg.calls == []  # nothing was sent to Telegram
