"""End to end over HTTP: the real python-telegram-bot stack against the fake Bot API server.

The application is built by ``bot.channels.telegram.build_application`` with its base URL on the
fake server (127.0.0.1) and polls it with short timeouts; the conversation is the same
channel-neutral transcript the in-process tests play.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from telegram import Bot, Update
from telegram.ext import TypeHandler

from bot.bootstrap import Services
from bot.channels.telegram import (
    CHANNEL,
    MAX_MESSAGE,
    TelegramChannel,
    build_application,
    set_menu,
)
from bot.clock import FrozenClock
from bot.messages import Choice, OutcomeUnknown, Reply, RetryLater, TransientError, Undeliverable
from bot.models import SentMessage, StatusUpdate
from bot.registration import create_invitations
from bot.text import split_text
from tests.support.cli_process import start_planbot
from tests.support.telegram_server import BotMessage, FakeTelegram, TgUser
from tests.support.virtual_pacing import pace_on_virtual_time
from tests.transcripts import (
    ALL_TRANSCRIPTS,
    REGISTER_ASK_REPORT_UNDO,
    BotSaid,
    play,
    transcript_variables,
)

USERS = {
    "focal": TgUser(1001, "Lan", "vi"),
    "stranger": TgUser(2002, "Khách", "vi"),
    "secretary": TgUser(1003, "Thu", "vi"),
}


class Processed:
    """Update ids the application has finished handling (its last handler group ran)."""

    def __init__(self) -> None:
        self._done: set[int] = set()
        self._changed = asyncio.Condition()

    async def add(self, update_id: int) -> None:
        async with self._changed:
            self._done.add(update_id)
            self._changed.notify_all()

    async def wait(self, update_id: int) -> None:
        async with asyncio.timeout(30), self._changed:
            await self._changed.wait_for(lambda: update_id in self._done)


@dataclass
class TelegramDriver:
    """Plays transcript steps as Telegram users; collects what the bot sent or edited."""

    tg: FakeTelegram
    clock: FrozenClock
    processed: Processed
    users: dict[str, TgUser] = field(default_factory=lambda: dict(USERS))

    def _snapshot(self, chat_id: int) -> dict[int, tuple[str, list[tuple[str, str]]]]:
        return {m.message_id: (m.text, list(m.buttons)) for m in self.tg.bot_messages(chat_id)}

    async def _after(
        self, chat_id: int, update_id: int, before: dict[int, object]
    ) -> list[BotSaid]:
        await self.processed.wait(update_id)
        said = []
        for message in self.tg.bot_messages(chat_id):
            state = (message.text, list(message.buttons))
            if before.get(message.message_id) != state:
                said.append(BotSaid(message.text, tuple(label for label, _d in message.buttons)))
        return said

    async def say(self, actor: str, text: str, *, reply_to_last: bool = False) -> list[BotSaid]:
        user = self.users[actor]
        self.clock.advance(timedelta(seconds=3))
        before: dict[int, object] = dict(self._snapshot(user.id))
        reply_to = self.tg.bot_messages(user.id)[-1] if reply_to_last else None
        update_id = await self.tg.user_says(user, text, reply_to=reply_to)
        return await self._after(user.id, update_id, before)

    def last_with(self, actor: str, label: str) -> BotMessage:
        for message in reversed(self.tg.bot_messages(self.users[actor].id)):
            if any(text == label for text, _data in message.buttons):
                return message
        raise AssertionError(f"no button {label!r} for {actor}")

    async def press(self, actor: str, label: str) -> list[BotSaid]:
        user = self.users[actor]
        self.clock.advance(timedelta(seconds=3))
        before: dict[int, object] = dict(self._snapshot(user.id))
        update_id = await self.tg.user_presses(user, self.last_with(actor, label), label)
        return await self._after(user.id, update_id, before)


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Opt in to PTB's future RetryAfter.retry_after type (else PTB warns inside its own code).
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def telegram(
    services: Services, clock: FrozenClock
) -> AsyncIterator[tuple[FakeTelegram, TelegramDriver]]:
    async with FakeTelegram(hang_seconds=1.5) as tg:
        processed = Processed()

        async def mark(update: Update, _context: object) -> None:
            await processed.add(update.update_id)

        application = build_application(
            services, token=tg.token, api_url=tg.url, request_timeout=0.5
        )
        application.add_handler(TypeHandler(Update, mark), group=99)
        pace_on_virtual_time(application.bot)  # the limits kept, no second waited per answer
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
            try:
                yield tg, TelegramDriver(tg, clock, processed)
            finally:
                await application.updater.stop()
                await application.stop()


def _rows(services: Services) -> list[StatusUpdate]:
    with services.db.session() as session:
        return list(session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all())


def _code(services: Services, clock: FrozenClock) -> str:
    return create_invitations(
        services.db, "so-y-te", role="focal", count=1, expires_days=7, now=clock.now()
    )[0].code


async def test_register_ask_report_correct_undo_over_telegram(
    services: Services, clock: FrozenClock, telegram: tuple[FakeTelegram, TelegramDriver]
) -> None:
    tg, driver = telegram
    await play(driver, REGISTER_ASK_REPORT_UNDO, {"code": _code(services, clock)})
    assert [r.kind for r in _rows(services)] == ["report", "correction", "retraction"]
    # Every button press was answered, corrections edited the confirmation in place.
    assert len(tg.calls_of("answerCallbackQuery")) == 2
    assert len(tg.calls_of("editMessageText")) == 2
    # Sent without parse_mode: what users type is never interpreted as markup.
    assert all("parse_mode" not in call.params for call in tg.calls_of("sendMessage"))
    # The stranger only ever heard how to register.
    stranger = tg.bot_messages(USERS["stranger"].id)
    assert len(stranger) == 2
    assert all("/start" in m.text and "2.2.1" not in m.text for m in stranger)
    # A reply to the task list maps back to it.
    with services.db.session() as session:
        kinds = {row.context["kind"] for row in session.exec(select(SentMessage)).all()}
    assert {"task_list", "confirmation"} <= kinds


@pytest.mark.parametrize("name", sorted(ALL_TRANSCRIPTS))
async def test_transcript_over_telegram(
    name: str,
    services: Services,
    clock: FrozenClock,
    telegram: tuple[FakeTelegram, TelegramDriver],
) -> None:
    """Every shared transcript (the same table Zalo plays) passes over Telegram too."""
    tg, driver = telegram
    await play(driver, ALL_TRANSCRIPTS[name], transcript_variables(services, clock.now(), CHANNEL))
    assert all("parse_mode" not in call.params for call in tg.calls_of("sendMessage"))
    assert not [call for call in tg.calls if call.status != 200 and call.method != "getUpdates"]


async def test_reply_to_the_task_list_reports_on_those_tasks(
    services: Services, clock: FrozenClock, telegram: tuple[FakeTelegram, TelegramDriver]
) -> None:
    _tg, driver = telegram
    await driver.say("focal", f"/start {_code(services, clock)}")
    await driver.say("focal", "/nhiemvu")
    said = await driver.say("focal", "đã trình UBND tỉnh", reply_to_last=True)
    assert "nhiệm vụ nào" in said[0].text
    said = await driver.press("focal", "2.2.1 (chủ trì)")
    assert "2.2.1" in said[0].text
    assert [(r.task_id, r.text) for r in _rows(services)] == [("2.2.1", "đã trình UBND tỉnh")]


async def test_flaky_server_does_not_lose_a_confirmed_update(
    services: Services, clock: FrozenClock, telegram: tuple[FakeTelegram, TelegramDriver]
) -> None:
    tg, driver = telegram
    await driver.say("focal", f"/start {_code(services, clock)}")
    tg.fail_next("sendMessage", "429", retry_after=1)
    said = await driver.say("focal", "2.2: đã trình hồ sơ")
    assert any("Đã ghi nhận" in m.text for m in said)
    tg.fail_next("sendMessage", "500")
    said = await driver.say("focal", "2.7.1: đang phối hợp")
    assert any("2.7.1" in m.text for m in said)
    tg.fail_next("sendMessage", "hang")  # delivered, but the answer never comes in time
    said = await driver.say("focal", "2.1: đã góp ý")
    assert any("2.1" in m.text for m in said)
    reports = [r for r in _rows(services) if r.kind == "report"]
    assert [r.task_id for r in reports] == ["2.2.1", "2.7.1", "2.1"]  # each exactly once
    statuses = [c.status for c in tg.calls_of("sendMessage")]
    assert statuses.count(429) == 1
    assert statuses.count(500) == 1
    confirmations = [m for m in tg.bot_messages(USERS["focal"].id) if "nhiệm vụ 2.1 (" in m.text]
    assert len(confirmations) == 1  # a timed-out send is not blindly retried


async def test_sticker_and_group_rules(
    services: Services, clock: FrozenClock, telegram: tuple[FakeTelegram, TelegramDriver]
) -> None:
    tg, driver = telegram
    await driver.say("focal", f"/start {_code(services, clock)}")
    user = USERS["focal"]
    update_id = await tg.user_sends_sticker(user)
    await driver._after(user.id, update_id, dict(driver._snapshot(user.id)))
    assert "chỉ đọc được tin nhắn chữ" in tg.bot_messages(user.id)[-1].text
    group = tg.group_chat(-500, "Nhóm đầu mối")
    before = len(tg.bot_messages(-500))
    update_id = await tg.user_says(user, "nhiem vu cua toi", chat=group)
    await driver._after(-500, update_id, {})
    assert len(tg.bot_messages(-500)) == before  # not addressed: silence
    update_id = await tg.user_says(user, f"@{tg.bot_username} nhiem vu cua toi", chat=group)
    await driver._after(-500, update_id, {})
    assert "2.2.1" in tg.bot_messages(-500)[-1].text
    assert _rows(services) == []


async def test_channel_maps_errors_and_splits_long_text(
    services: Services, telegram: tuple[FakeTelegram, TelegramDriver]
) -> None:
    tg, _driver = telegram
    user = TgUser(3003, "Hoa")
    tg.private_chat(user)
    channel = build_channel_for(tg)
    async with channel:
        long_text = "\n".join(f"dòng {i} " + "x" * 90 for i in range(100))
        ids = await channel.send(str(user.id), Reply(long_text, choices=(Choice("A", "a"),)))
        assert len(ids) == 3
        assert all(len(m.text) <= 4096 for m in tg.bot_messages(user.id))
        assert tg.bot_messages(user.id)[-1].buttons == [("A", "a")]
        tg.fail_next("sendMessage", "429", retry_after=7)
        with pytest.raises(RetryLater) as raised:
            await channel.send(str(user.id), Reply("x"))
        assert raised.value.retry_after == 7
        tg.fail_next("sendMessage", "500")
        with pytest.raises(TransientError):
            await channel.send(str(user.id), Reply("x"))
        tg.fail_next("sendMessage", "hang")
        with pytest.raises(OutcomeUnknown):
            await channel.send(str(user.id), Reply("x"))
        with pytest.raises(Undeliverable):
            await channel.send("999999", Reply("x"))  # chat not found
        with pytest.raises(Undeliverable):
            await channel.send(str(user.id), Reply("x", choices=(Choice("B", "b" * 65),)))


def build_channel_for(tg: FakeTelegram) -> TelegramChannel:
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(read_timeout=0.5, write_timeout=0.5, connect_timeout=0.5)
    return TelegramChannel(Bot(tg.token, base_url=f"{tg.url}/bot", request=request))


def test_split_text_keeps_lines_whole() -> None:
    text = "\n".join(["a" * 3000, "b" * 3000, "c" * 10])
    assert split_text(text, MAX_MESSAGE) == ["a" * 3000, "b" * 3000 + "\n" + "c" * 10]
    assert split_text("x" * 5000, MAX_MESSAGE) == ["x" * 4096, "x" * 904]


async def test_fake_server_rejects_what_telegram_would(
    telegram: tuple[FakeTelegram, TelegramDriver],
) -> None:
    import httpx

    tg, _driver = telegram
    user = TgUser(4004, "Minh")
    tg.private_chat(user)
    base = f"{tg.url}/bot{tg.token}"
    async with httpx.AsyncClient() as client:
        assert (await client.post(f"{base}/sendMesage", json={})).status_code == 404
        assert (await client.post(f"{tg.url}/botWRONG/getMe")).status_code == 401
        empty = await client.post(f"{base}/sendMessage", json={"chat_id": user.id, "text": ""})
        assert empty.status_code == 400
        long = await client.post(
            f"{base}/sendMessage", json={"chat_id": user.id, "text": "x" * 4097}
        )
        assert long.json()["description"] == "Bad Request: message is too long"
        missing = await client.post(f"{base}/sendMessage", json={"text": "hi"})
        assert "chat_id" in missing.json()["description"]
        unknown = await client.post(
            f"{base}/sendMessage", json={"chat_id": user.id, "text": "hi", "colour": "red"}
        )
        assert unknown.status_code == 400


async def test_planbot_run_polls_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        env = {
            **os.environ,
            "PLANBOT_TELEGRAM_TOKEN": tg.token,
            "PLANBOT_TELEGRAM_API_URL": tg.url,
            "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
            "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        }
        env.pop("PLANBOT_WEBHOOK_URL", None)
        process = await start_planbot(
            "run",
            env=env,
            cwd=tmp_path,
        )
        try:
            async with asyncio.timeout(20):
                while not tg.calls_of("getUpdates"):  # noqa: ASYNC110 - a subprocess polls
                    await asyncio.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(20):
                _out, err = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, err.decode()
        assert tg.token not in err.decode()
        assert tg.calls_of("setMyCommands")


async def test_in_a_group_a_command_for_another_bot_is_not_answered(
    services: Services, clock: FrozenClock, telegram: tuple[FakeTelegram, TelegramDriver]
) -> None:
    tg, driver = telegram
    await driver.say("focal", f"/start {_code(services, clock)}")
    user = USERS["focal"]
    group = tg.group_chat(-600, "Nhóm nhiều bot")
    update_id = await tg.user_says(user, "/nhiemvu@some_other_bot", chat=group)
    await driver._after(-600, update_id, {})
    assert tg.bot_messages(-600) == []  # addressed to another bot: silence
    update_id = await tg.user_says(user, f"/nhiemvu@{tg.bot_username}", chat=group)
    await driver._after(-600, update_id, {})
    update_id = await tg.user_says(user, "/han", chat=group)
    await driver._after(-600, update_id, {})
    answers = [m.text for m in tg.bot_messages(-600)]
    assert len(answers) == 2
    assert "2.2.1" in answers[0]
    assert "Quý I/2021" in answers[1]


async def test_command_menu_in_each_language_from_the_catalogs() -> None:
    async with FakeTelegram() as tg, Bot(tg.token, base_url=f"{tg.url}/bot") as bot:
        await set_menu(bot, "vi")
    menus: dict[str, list[tuple[str, str]]] = {}
    for call in tg.calls_of("setMyCommands"):
        commands = call.params["commands"]
        if isinstance(commands, str):
            commands = json.loads(commands)
        language = call.params.get("language_code", "")
        menus[language] = [(c["command"], c["description"]) for c in commands]
    assert set(menus) == {"vi", "en", ""}
    assert ("nhiemvu", "Nhiệm vụ của đơn vị và tình trạng") in menus["vi"]
    assert ("huy", "Huỷ cập nhật vừa gửi (trong 10 phút)") in menus["vi"]
    assert ("tasks", "Your unit's tasks and their status") in menus["en"]
    assert ("undo", "Undo the update just sent (within 10 minutes)") in menus["en"]
    assert menus[""] == menus["vi"]  # other languages see the configured default
