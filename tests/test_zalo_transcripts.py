"""The shared conversation transcripts (tests/transcripts.py), played over Zalo.

The driver is a Zalo user: it sends text updates through the fake Zalo Bot API (the real client,
the real adapter, the real handlers) and reads what the platform delivered. Zalo has no buttons:
"pressing" a choice means typing the number printed before its label, and pressing the undo
choice means typing HUỶ. Zalo has no quote replies either, so ``reply_to_last`` is sent as a
plain message (as a Zalo user would have to).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.bootstrap import Services
from bot.channels.zalo import ZaloBot, ZaloChannel, ZaloClient
from bot.clock import FrozenClock
from bot.conversation_state import load_state
from bot.i18n import translator
from bot.registration import find_user
from handlers.core import ChatHandlers
from tests import transcripts
from tests.support.virtual_pacing import zalo_pacer_on_virtual_time
from tests.support.zalo_server import ZaloBotApiServer
from tests.transcripts import BotSaid, Step, play, transcript_variables

TABLES = transcripts.ALL_TRANSCRIPTS  # the one shared table, also played over Telegram
_NUMBERED = re.compile(r"^(\d{1,3})\. (.+)$")
_HINT_PREFIXES = ("Trả lời bằng", "Reply with")
_HUY = re.compile(r"\bHUỶ\b")


@dataclass
class ZaloDriver:
    """Plays transcript steps as Zalo users (one private chat per actor)."""

    api: ZaloBotApiServer
    bot: ZaloBot
    services: Services
    clock: FrozenClock
    _shown: dict[str, dict[str, int]] = field(default_factory=dict)

    def _chat(self, actor: str) -> str:
        return f"zalo-{actor}"

    async def _send(self, actor: str, text: str) -> list[BotSaid]:
        self.clock.advance(timedelta(seconds=3))
        self.api.set_time(self.clock.now())
        chat = self._chat(actor)
        before = len(self.api.texts(chat))
        update = self.api.text_update(text, chat_id=chat, user_id=chat, display_name=actor.title())
        await self.bot.process(update)
        texts = self.api.texts(chat)[before:]
        assert all(1 <= len(t) <= 2000 for t in texts)
        return self._read(actor, texts)

    def _read(self, actor: str, texts: list[str]) -> list[BotSaid]:
        """What the user sees, with the numbered options (and HUỶ) as the message's choices."""
        if not texts:
            return []
        shown: dict[str, int] = {}
        said: list[BotSaid] = []
        for text in texts:
            labels: list[str] = []
            lines = text.splitlines()
            for index, line in enumerate(lines):
                if line.startswith(_HINT_PREFIXES):
                    block = lines[: index - 1] if index and not lines[index - 1] else lines[:index]
                    numbered: list[tuple[int, str]] = []
                    for candidate in reversed(block):
                        match = _NUMBERED.match(candidate)
                        if match is None:
                            break
                        numbered.insert(0, (int(match.group(1)), match.group(2)))
                    for number, label in numbered:
                        shown[label] = number
                        labels.append(label)
            said.append(BotSaid(text, tuple(labels)))
        if any(_HUY.search(text) for text in texts):  # "gõ HUỶ": the undo choice, typed
            undo_label = self._undo_label(actor)
            shown[undo_label] = 0
            last = said[-1]
            said[-1] = BotSaid(last.text, (*last.choices, undo_label))
        # The numbers printed are the ones the handlers remember for the chat (one owner).
        remembered = load_state(self.services.db, "zalo", self._chat(actor), self.clock.now())
        for label, number in shown.items():
            if number:
                assert remembered.choices[number - 1][0] == label
        self._shown[actor] = shown
        return said

    def _undo_label(self, actor: str) -> str:
        user = find_user(self.services.db, "zalo", self._chat(actor))
        return translator(user.language if user is not None else None).gettext("Undo")

    async def say(self, actor: str, text: str, *, reply_to_last: bool = False) -> list[BotSaid]:
        return await self._send(actor, text)

    async def press(self, actor: str, label: str) -> list[BotSaid]:
        shown = self._shown.get(actor, {})
        if label not in shown:
            raise AssertionError(f"{actor} sees no option {label!r} on Zalo: {sorted(shown)}")
        number = shown[label]
        return await self._send(actor, str(number) if number else "HUỶ")


@pytest.fixture
async def api() -> AsyncIterator[ZaloBotApiServer]:
    async with ZaloBotApiServer() as server:
        yield server


@pytest.fixture
async def driver(
    api: ZaloBotApiServer, services: Services, clock: FrozenClock
) -> AsyncIterator[ZaloDriver]:
    client = ZaloClient(api.token, api.root, timeout=5.0)
    async with ZaloChannel(client, services.db, pacer=zalo_pacer_on_virtual_time()) as channel:
        bot = ZaloBot(channel, ChatHandlers(services).handle, services.db, services.clock)
        yield ZaloDriver(api, bot, services, clock)


def test_every_table_is_played() -> None:
    defined = {
        name
        for name, value in vars(transcripts).items()
        if name.isupper() and isinstance(value, tuple) and value and isinstance(value[0], Step)
    }
    assert len(TABLES) >= 4
    assert set(TABLES) == defined  # a new table must join ALL_TRANSCRIPTS


@pytest.mark.parametrize("name", sorted(TABLES))
async def test_transcript_over_zalo(
    name: str, driver: ZaloDriver, services: Services, clock: FrozenClock
) -> None:
    await play(driver, TABLES[name], transcript_variables(services, clock.now(), "zalo"))
