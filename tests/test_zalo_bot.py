"""Receiving over Zalo: long polling, the webhook, de-duplication and typed answers.

The handlers here are a small scripted stand-in that records what it is given, so that the
adapter's own behaviour is what is checked; tests/test_zalo_transcripts.py runs the real handlers.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import select

from bot.bootstrap import Services
from bot.channels.zalo import (
    ZaloBot,
    ZaloChannel,
    ZaloClient,
    build_bot,
    build_channel,
    parse_update,
    serve,
    unwrap_webhook_body,
)
from bot.messages import Choice, Incoming, Reply
from bot.models import ProcessedMessage, SentMessage
from tests.conftest import local, make_settings
from tests.support.ports import free_port
from tests.support.zalo_server import ZaloBotApiServer, deliver_webhook

SECRET = "s3cret-webhook-token"


class Recorder:
    """Handlers stand-in: remembers each Incoming and answers with a scripted reply."""

    def __init__(self, answer: Callable[[Incoming], list[Reply]] | None = None) -> None:
        self.seen: list[Incoming] = []
        self._answer = answer or (lambda incoming: [Reply(f"Đã nhận: {incoming.text}")])

    async def __call__(self, incoming: Incoming) -> list[Reply]:
        self.seen.append(incoming)
        return self._answer(incoming)


@pytest.fixture
async def api() -> AsyncIterator[ZaloBotApiServer]:
    async with ZaloBotApiServer() as server:
        yield server


@pytest.fixture
async def client(api: ZaloBotApiServer) -> AsyncIterator[ZaloClient]:
    async with ZaloClient(api.token, api.root, timeout=2.0) as zalo:
        yield zalo


def make_bot(client: ZaloClient, services: Services, handle: Recorder) -> ZaloBot:
    channel = ZaloChannel(client, services.db)
    return ZaloBot(channel, handle, services.db, services.clock)


@asynccontextmanager
async def polling(bot: ZaloBot, poll_timeout: float = 0.2) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(bot.run_polling(stop, poll_timeout=poll_timeout))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def webhook(bot: ZaloBot, path: str = "/zalo/hook") -> AsyncIterator[str]:
    runner = web.AppRunner(bot.webhook_app(SECRET, path))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server: Any = site._server
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        await bot.close()
        await runner.cleanup()


async def test_polling_maps_a_text_update_and_replies(
    api: ZaloBotApiServer, client: ZaloClient, services: Services
) -> None:
    handle = Recorder()
    bot = make_bot(client, services, handle)
    api.push(api.text_update("Xin chào", chat_id="c-42", user_id="u-42", display_name="Lê Thị B"))
    async with polling(bot):
        await until(lambda: bool(api.texts("c-42")))
    [incoming] = handle.seen
    assert incoming.channel == "zalo"
    assert (incoming.chat_id, incoming.user_id, incoming.display_name) == (
        "c-42",
        "u-42",
        "Lê Thị B",
    )
    assert incoming.text == "Xin chào"
    assert incoming.chat_type == "private"
    assert incoming.addressed
    assert incoming.received_at == local(2021, 3, 10, 9, 0)
    assert api.texts("c-42") == ["Đã nhận: Xin chào"]
    assert api.calls[0].method == "deleteWebhook"  # getUpdates and a webhook exclude each other


async def test_idle_polls_are_quiet(
    api: ZaloBotApiServer,
    client: ZaloClient,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handle = Recorder()
    bot = make_bot(client, services, handle)
    with caplog.at_level(logging.INFO, logger="bot.channels.zalo"):
        async with polling(bot, poll_timeout=0.1):
            await until(lambda: sum(c.method == "getUpdates" for c in api.calls) >= 3)
    assert handle.seen == []
    assert caplog.records == []


async def test_polling_survives_an_error_envelope(
    api: ZaloBotApiServer,
    client: ZaloClient,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handle = Recorder()
    bot = make_bot(client, services, handle)
    api.fail_next("getUpdates", 500, "Internal server error")  # with HTTP 200, like the platform
    api.push(api.text_update("sau lỗi"))
    with caplog.at_level(logging.WARNING, logger="bot.channels.zalo"):
        async with polling(bot):
            await until(lambda: bool(handle.seen))
    assert [i.text for i in handle.seen] == ["sau lỗi"]
    assert "getUpdates failed" in caplog.text
    assert "500" in caplog.text
    assert api.token not in caplog.text


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "flat"])
async def test_webhook_accepts_wrapped_and_flat_bodies(
    api: ZaloBotApiServer, client: ZaloClient, services: Services, wrapped: bool
) -> None:
    handle = Recorder()
    bot = make_bot(client, services, handle)
    async with webhook(bot) as url:
        response = await deliver_webhook(
            url, api.text_update("qua webhook"), SECRET, wrapped=wrapped
        )
        assert response.status_code == 200
        await bot.drain()
    assert [i.text for i in handle.seen] == ["qua webhook"]
    assert api.texts() == ["Đã nhận: qua webhook"]


@pytest.mark.parametrize("secret", ["wrong-secret-value", None], ids=["wrong", "missing"])
async def test_webhook_with_wrong_secret_is_refused(
    api: ZaloBotApiServer, client: ZaloClient, services: Services, secret: str | None
) -> None:
    handle = Recorder()
    bot = make_bot(client, services, handle)
    async with webhook(bot) as url:
        response = await deliver_webhook(url, api.text_update("giả mạo"), secret)
        await bot.drain()
    assert response.status_code == 403
    assert handle.seen == []
    assert api.sent() == []
    with services.db.session() as session:
        assert session.exec(select(ProcessedMessage)).all() == []


async def test_duplicate_delivery_handled_once(
    api: ZaloBotApiServer, client: ZaloClient, services: Services
) -> None:
    handle = Recorder()
    bot = make_bot(client, services, handle)
    update = api.text_update("báo cáo 1.1 hoàn thành")
    async with webhook(bot) as url:
        first = await deliver_webhook(url, update, SECRET)
        again = await deliver_webhook(url, update, SECRET, wrapped=False)
        await bot.drain()
    assert first.status_code == again.status_code == 200
    assert len(handle.seen) == 1
    assert len(api.texts()) == 1
    with services.db.session() as session:
        rows = session.exec(select(ProcessedMessage)).all()
    assert [(r.channel, r.message_id) for r in rows] == [("zalo", update["message"]["message_id"])]


async def test_concurrent_double_delivery_handled_once(
    api: ZaloBotApiServer, client: ZaloClient, services: Services
) -> None:
    # The platform retries a delivery while the first is still in flight, and a second
    # receiver (another process on the same database) gets the same message at the same time.
    handle = Recorder()
    bot = make_bot(client, services, handle)
    other = make_bot(client, services, handle)
    update = api.text_update("2.2.1: đã hoàn thành")
    async with webhook(bot) as url:
        answers = await asyncio.gather(
            *(deliver_webhook(url, update, SECRET, wrapped=i % 2 == 0) for i in range(4))
        )
        await bot.drain()
    assert [a.status_code for a in answers] == [200] * 4
    incoming = parse_update(update, services.clock)
    assert incoming is not None
    claims = await asyncio.gather(*(asyncio.to_thread(b.claim, incoming) for b in (bot, other)))
    assert claims == [False, False]  # already handled: neither receiver takes it again
    assert len(handle.seen) == 1
    assert api.texts() == ["Đã nhận: 2.2.1: đã hoàn thành"]
    fresh = replace(incoming, message_id="fresh-message-id")
    claims = await asyncio.gather(*(asyncio.to_thread(b.claim, fresh) for b in (bot, other)))
    assert sorted(claims) == [False, True]  # two receivers racing: exactly one wins


async def test_a_failed_handling_can_be_redelivered(
    api: ZaloBotApiServer, client: ZaloClient, services: Services
) -> None:
    calls = 0

    def flaky(incoming: Incoming) -> list[Reply]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return [Reply("ổn rồi")]

    bot = make_bot(client, services, Recorder(flaky))
    update = api.text_update("thử lại")
    with pytest.raises(RuntimeError):
        await bot.process(update)
    await bot.process(update)  # the platform delivers it again: not a duplicate
    assert api.texts() == ["ổn rồi"]


async def test_registration_typed_numbers_and_huy_passed_on(
    api: ZaloBotApiServer, client: ZaloClient, services: Services
) -> None:
    """Typed registration becomes /start CODE; a number or HUỶ reaches the handlers as typed
    (they own the numbered choices, see test_typed_number_answers_the_numbered_menu)."""

    def script(incoming: Incoming) -> list[Reply]:
        if incoming.text == "báo cáo":
            return [
                Reply(
                    "Nhiệm vụ nào?",
                    choices=(Choice("Nhiệm vụ 1", "task:1"), Choice("Nhiệm vụ 2", "task:2")),
                    context={"kind": "task_menu"},
                )
            ]
        return [Reply("ok")]

    handle = Recorder(script)
    bot = make_bot(client, services, handle)
    for text in ("báo cáo", "2", "HUỶ", "dangky ABC123", "Đăng ký XYZ", "/start Q1"):
        await bot.process(api.text_update(text))
    seen = [(i.text, i.payload) for i in handle.seen]
    assert seen == [
        ("báo cáo", None),
        ("2", None),
        ("HUỶ", None),
        ("/start ABC123", None),
        ("/start XYZ", None),
        ("/start Q1", None),
    ]
    assert handle.seen[3].extra["typed"] == "dangky ABC123"
    # The context of the menu message is recorded with its id, as on Telegram.
    with services.db.session() as session:
        sent = session.exec(select(SentMessage)).all()
    assert [s.context for s in sent] == [{"kind": "task_menu"}]


async def test_group_messages_and_other_events(
    api: ZaloBotApiServer, client: ZaloClient, services: Services
) -> None:
    handle = Recorder(lambda incoming: [])
    bot = make_bot(client, services, handle)
    await bot.process(api.text_update("tiến độ", chat_id="g-1", user_id="u-1", group=True))
    await bot.process(api.text_update("@Bot Kế hoạch /nhiemvu", chat_id="g-1", group=True))
    await bot.process(api.image_update("https://zalo.example/p.jpg", "ảnh hiện trường"))
    await bot.process(api.sticker_update())
    await bot.process({"event_name": "message.text.received"})  # no message: ignored
    group, mentioned, image, sticker = handle.seen
    assert mentioned.text == "/nhiemvu"
    assert (group.chat_id, group.user_id, group.chat_type, group.addressed) == (
        "g-1",
        "u-1",
        "group",
        True,
    )
    assert (image.media, image.text, image.extra["photo_url"]) == (
        "photo",
        "ảnh hiện trường",
        "https://zalo.example/p.jpg",
    )
    assert (sticker.media, sticker.text) == ("sticker", None)
    assert api.sent() == []


def test_documented_shapes_without_event_name(services: Services) -> None:
    # The documentation's own sample: no event_name, "first_name" instead of display_name.
    body = {
        "ok": True,
        "result": {
            "message": {
                "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
                "text": "Xin chào",
                "message_id": "16f6366b3f02645a3d15",
                "date": 1766619597466,
                "from": {"id": "e4ea2cd5189df1c3a88c", "first_name": "Nguyen Van A"},
            }
        },
    }
    update = unwrap_webhook_body(body)
    assert update is not None
    incoming = parse_update(update, services.clock)
    assert incoming is not None
    assert (incoming.text, incoming.display_name, incoming.message_id) == (
        "Xin chào",
        "Nguyen Van A",
        "16f6366b3f02645a3d15",
    )
    assert incoming.received_at.tzinfo is not None


async def test_serve_sets_the_webhook_and_answers_on_it(
    api: ZaloBotApiServer, services: Services, tmp_path: Path, sqlite_url: str
) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        sqlite_url,
        zalo_token=api.token,
        zalo_api_url=api.root,
        zalo_webhook_url="https://planbot.example.vn/zalo/hook",
        zalo_webhook_secret=SECRET,
        zalo_webhook_port=port,
        webhook_listen="127.0.0.1",
    )
    handle = Recorder()
    bot = build_bot(replace(services, settings=settings), handle)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(bot, settings, stop))
    await until(lambda: api.webhook_url != "")
    assert (api.webhook_url, api.webhook_secret) == ("https://planbot.example.vn/zalo/hook", SECRET)
    local_url = f"http://127.0.0.1:{port}/zalo/hook"
    assert (await deliver_webhook(local_url, api.text_update("chào"), SECRET)).status_code == 200
    await until(lambda: bool(api.texts()))
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    await bot.client.aclose()
    assert api.texts() == ["Đã nhận: chào"]


async def test_serve_polls_without_a_webhook_url(
    api: ZaloBotApiServer, services: Services, tmp_path: Path, sqlite_url: str
) -> None:
    settings = make_settings(tmp_path, sqlite_url, zalo_token=api.token, zalo_api_url=api.root)
    assert build_channel(make_settings(tmp_path, sqlite_url), services.db) is None
    handle = Recorder()
    bot = build_bot(replace(services, settings=settings), handle)
    api.push(api.text_update("qua polling"))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(bot, settings, stop))
    await until(lambda: bool(api.texts()))
    stop.set()
    await asyncio.wait_for(task, timeout=40)
    await bot.client.aclose()
    assert api.texts() == ["Đã nhận: qua polling"]


@pytest.mark.parametrize("secret", [None, "", "short"], ids=["unset", "empty", "too-short"])
async def test_webhook_needs_a_secret(
    api: ZaloBotApiServer, services: Services, tmp_path: Path, sqlite_url: str, secret: str | None
) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        sqlite_url,
        zalo_token=api.token,
        zalo_api_url=api.root,
        zalo_webhook_url="https://planbot.example.vn/zalo",
        zalo_webhook_secret=secret,
        zalo_webhook_port=port,
        webhook_listen="127.0.0.1",
    )
    bot = build_bot(replace(services, settings=settings), Recorder())
    with pytest.raises(ValueError, match="PLANBOT_ZALO_WEBHOOK_SECRET"):
        await serve(bot, settings, asyncio.Event())
    await bot.client.aclose()
    assert api.calls == []  # refused before any call: no webhook set, nothing listening
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    with pytest.raises(ValueError, match="secret"):
        bot.webhook_app("")


async def test_interactive_reply_retried_only_when_safe(
    api: ZaloBotApiServer, services: Services
) -> None:
    async with ZaloClient(api.token, api.root, timeout=0.3) as zalo:
        bot = make_bot(zalo, services, Recorder())
        api.fail_next("sendMessage", 502, "Bad gateway", http_status=502)
        await bot.process(api.text_update("một"))
        assert api.texts() == ["Đã nhận: một"]  # the platform failed: sent again, once
        api.fail_next("sendMessage", 200, "slow", hang=1.0, deliver_anyway=True)
        await bot.process(api.text_update("hai"))
        assert api.texts() == ["Đã nhận: một", "Đã nhận: hai"]  # no answer: never re-sent


async def test_message_ids_are_remembered_for_a_week_then_forgotten(
    api: ZaloBotApiServer, services: Services
) -> None:
    """De-duplication keeps recent ids (redeliveries) without growing the table forever."""
    from datetime import timedelta

    from bot.clock import FrozenClock

    clock = services.clock
    assert isinstance(clock, FrozenClock)

    def message(message_id: str) -> Incoming:
        return Incoming(
            channel="zalo",
            chat_id="z-1",
            user_id="z-1",
            display_name="Lan",
            received_at=clock.now(),
            text="xin chào",
            message_id=message_id,
        )

    async with ZaloClient(api.token, api.root) as zalo:
        bot = make_bot(zalo, services, Recorder())
        assert bot.claim(message("m-1"))
        assert not bot.claim(message("m-1"))  # a redelivery
        clock.advance(timedelta(days=8))
        assert bot.claim(message("m-2"))
    with services.db.session() as session:
        kept = [row.message_id for row in session.exec(select(ProcessedMessage)).all()]
    assert kept == ["m-2"]
