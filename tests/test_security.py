"""Every caller against every command, intent and button, and fuzzed texts and button payloads.

Callers: unregistered, the focal point of agency A (Sở Y tế), of agency B (Sở GTVT), the
secretariat, a revoked focal point of A, and an unregistered member of A's group chat. Each one
sends every command, a set of typed intents, and presses every kind of button, including buttons
carrying the other agency's update ids and forged ones. What must hold, exhaustively:

- no unhandled exception; every button press gets an answer;
- nothing is written by a caller that is not a registered, active focal point, and a focal point
  writes only for its own agency (a correction or an undo only of its own agency's reports);
- no reply shows another agency's report (the texts are unique markers); an update id of
  another agency gets exactly the answer of an id that does not exist, whatever its age.

Hypothesis then fuzzes texts and payloads (huge and negative integers, other agencies' ids,
arbitrary strings up to 64 bytes); its example count is raised with ``PLANBOT_TRIALS``.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.messages import ChatType, Incoming, Reply
from bot.models import AuditEntry, Reminder, StatusUpdate
from bot.registration import create_invitations, redeem, revoke_user
from handlers import ChatHandlers
from handlers.understanding import _COMMANDS as COMMANDS  # every command the bot reads

EXAMPLES = int(os.environ.get("PLANBOT_TRIALS", "0") or 0) * 10 or 150
A, B = "so-y-te", "so-gtvt"
MARK_A, MARK_B = "BIMATA7Q hồ sơ dự án", "BIMATB9Z tuyến đường"
GROUP = "-500"


@dataclass(frozen=True)
class Caller:
    name: str
    user_id: str
    chat_id: str
    chat_type: ChatType = "private"
    agency: str | None = None  # the agency it may write for (None: may write nothing)


CALLERS = (
    Caller("unregistered", "2001", "2001"),
    Caller("focal_a", "2002", "2002", agency=A),
    Caller("focal_b", "2003", "2003", agency=B),
    Caller("secretariat", "2004", "2004"),
    Caller("revoked", "2005", "2005"),
    Caller("group_member", "2006", GROUP, chat_type="group"),
)
COMMAND_TEXTS = (
    *(f"/{name}" for name in COMMANDS),
    "/capnhat 2.2 đã trình hồ sơ",
    "/update 2.3 done",
    "/start NOTACODE123",
    "/lang en",
    "/tonghop 2021-Q1",
    "/baocao 2021-Q1",
    "/huy 1",
)
INTENTS = (
    "2.2: đã xong",
    "2.3: dang trien khai",
    "nhiem vu cua toi",
    "han bao cao",
    "huy",
    "tong hop",
    "bao cao quy 1",
    "xong",
    "BIMATA7Q",
    "2.2.1 vướng mắc về vốn",
    "Khó khăn, vướng mắc: Không. Kiến nghị: Không.",
)


class World:
    """The seed plan on SQLite with the six callers and one report of each agency."""

    def __init__(self, services: Services, clock: FrozenClock) -> None:
        self.services = services
        self.clock = clock
        self.chat = ChatHandlers(services, flood_limit=1_000_000)
        self.counter = 0
        for caller, agency, role in (
            ("focal_a", A, "focal"),
            ("focal_b", B, "focal"),
            ("secretariat", "vp-ubnd-tinh", "secretariat"),
            ("revoked", A, "focal"),
        ):
            who = next(c for c in CALLERS if c.name == caller)
            self._register(who.user_id, who.chat_id, agency, role, "private")
        self._register("2007", GROUP, A, "focal", "group")  # A's focal point in the group
        revoke_user(services.db, "telegram:2005", clock.now())
        self.send(CALLERS[1], f"2.2: {MARK_A}")
        self.send(CALLERS[2], f"2.3: {MARK_B}")
        with services.db.session() as session:
            rows = session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all()
        self.ids = {row.agency_id: row.id for row in rows}
        assert set(self.ids) == {A, B}, [(r.agency_id, r.text) for r in rows]

    def _register(self, user: str, chat: str, agency: str, role: str, kind: str) -> None:
        db, now = self.services.db, self.clock.now()
        (invitation,) = create_invitations(db, agency, role=role, count=1, expires_days=9, now=now)
        redeemed = redeem(
            db,
            invitation.code,
            channel="telegram",
            external_id=user,
            chat_id=chat,
            display_name=f"user {user}",
            language="vi",
            now=now,
            chat_type=kind,
        )
        assert redeemed.ok

    def send(
        self, caller: Caller, text: str | None = None, payload: str | None = None
    ) -> list[Reply]:
        self.counter += 1
        self.clock.advance(timedelta(seconds=1))
        incoming = Incoming(
            channel="telegram",
            chat_id=caller.chat_id,
            user_id=caller.user_id,
            display_name=caller.name,
            received_at=self.clock.now(),
            text=text,
            message_id=str(self.counter),
            payload=payload,
            language="vi",
            chat_type=caller.chat_type,
            addressed=True,
        )
        return asyncio.run(self.chat.handle(incoming))

    def rows(self) -> list[StatusUpdate]:
        with self.services.db.session() as session:
            return list(session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))).all())

    def agency_of(self, update_id: int | None) -> str | None:
        return next((r.agency_id for r in self.rows() if r.id == update_id), None)

    def check(self, caller: Caller, text: str | None, payload: str | None) -> list[Reply]:
        """One input; the invariants of the module docstring."""
        before = {row.id for row in self.rows()}
        replies = self.send(caller, text, payload)
        if payload is not None:
            assert replies, f"{caller.name} pressed {payload!r}: no answer"
        new = [row for row in self.rows() if row.id not in before]
        for row in new:
            assert caller.agency is not None, (caller.name, text, payload, row.text)
            assert row.agency_id == caller.agency, (caller.name, text, payload)
            if row.refers_to is not None:
                assert self.agency_of(row.refers_to) == caller.agency
        said = "\n".join(reply.text for reply in replies)
        hidden = {"focal_a": (MARK_B,), "focal_b": (MARK_A,)}.get(caller.name, (MARK_A, MARK_B))
        if caller.name != "secretariat":  # the secretariat's digest shows every agency
            for mark in hidden:
                assert mark.split()[0] not in said, (caller.name, text, payload, said)
        return replies


@pytest.fixture
def world(services: Services, clock: FrozenClock) -> World:
    return World(services, clock)


def _buttons(world: World) -> list[str]:
    a, b = world.ids[A], world.ids[B]
    return [
        f"undo:{a}",
        f"undo:{b}",
        f"st:{a}:c",
        f"st:{b}:c",
        f"st:{a}:b",
        f"st:{b}:p",
        "pick:2.2.1",
        "pick:2.3",
        "pick:99.99",
        "undo:99999999999999999999",
        "undo:9223372036854775808",
        "undo:-1",
        "undo:0",
        f"st:{b}:zz",
        f"rf:{a}:2021-H1",
        f"rf:{b}:2021-Q1",
        f"rf:{a}:2021-Q9",
        "rf:99999999999999999999:2021-Q1",
        "st:1",
        "lang:en",
        "",
        "x" * 64,
    ]


def test_every_caller_x_every_command_intent_and_button(world: World) -> None:
    inputs: list[tuple[str | None, str | None]] = [(text, None) for text in COMMAND_TEXTS]
    inputs += [(text, None) for text in INTENTS]
    inputs += [(None, payload) for payload in _buttons(world)]
    cases = 0
    for caller in CALLERS:
        for text, payload in inputs:
            world.check(caller, text, payload)
            cases += 1
    assert cases == len(CALLERS) * len(inputs)
    # The other agency's reports are untouched: only their own agency corrected or undid them.
    for row in world.rows():
        if row.refers_to is not None:
            assert world.agency_of(row.refers_to) == row.agency_id


def test_another_agencys_update_is_answered_as_a_missing_one(world: World) -> None:
    focal_b = CALLERS[2]
    a = world.ids[A]
    for age in (timedelta(0), timedelta(minutes=11), timedelta(days=40)):
        world.clock.advance(age)
        theirs = world.check(focal_b, None, f"undo:{a}")
        missing = world.check(focal_b, None, "undo:987654321")
        assert [r.text for r in theirs] == [r.text for r in missing]
        assert "2.2" not in theirs[0].text
        corrected = world.check(focal_b, None, f"st:{a}:c")
        assert [r.text for r in corrected] == [r.text for r in missing]
    assert [row.agency_id for row in world.rows()] == [A, B]  # nothing written


def test_writes_are_audited_with_who_and_which_message(world: World) -> None:
    world.send(CALLERS[1], "2.2.1: đã họp với Bộ Y tế")
    with world.services.db.session() as session:
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.subject).startswith("status_update:"))
        ).all()
    last = entries[-1]
    assert last.action == "insert"
    assert last.actor == "telegram:2002"
    assert last.source == f"telegram:2002:{world.counter}"
    assert last.at is not None
    assert last.detail.get("agency_id") == A


_PAYLOADS = st.one_of(
    st.text(max_size=64),
    st.builds(lambda n: f"undo:{n}", st.integers(min_value=-(10**30), max_value=10**30)),
    st.builds(
        lambda n, c: f"st:{n}:{c}",
        st.integers(min_value=-(10**30), max_value=10**30),
        st.sampled_from(["c", "p", "b", "x", "", "cc"]),
    ),
    st.builds(lambda t: f"pick:{t}", st.text(max_size=40)),
    st.builds(
        lambda n, p: f"rf:{n}:{p}",
        st.integers(min_value=-(10**30), max_value=10**30),
        st.sampled_from(["2021-Q1", "2021-H1", "2021-Q3", "2021-Y", "2021-Q9", "1-Y", ""]),
    ),
    st.sampled_from(["undo:1", "undo:2", "st:1:c", "st:2:b", "undo:3", "st:2:c"]),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    caller=st.sampled_from(CALLERS),
    payload=_PAYLOADS,
    text=st.one_of(st.none(), st.text(max_size=300)),
)
def test_fuzzed_payloads_and_texts(
    world: World, caller: Caller, payload: str, text: str | None
) -> None:
    world.check(caller, None, payload)
    if text is not None and text.strip():
        world.check(caller, text, None)


def test_the_secretariats_digest_mentions_unknown_reminders(world: World) -> None:
    secretariat = CALLERS[3]
    before = "\n".join(r.text for r in world.send(secretariat, "/tonghop"))
    assert "planbot outbox" not in before
    with world.services.db.write() as session:
        session.add(
            Reminder(
                channel="telegram",
                chat_id="2002",
                period="2021-Q1",
                kind="before-due",
                instant=world.clock.now(),
                state="unknown",
                claimed_at=world.clock.now(),
                last_error="sent, no answer",
            )
        )
    after = "\n".join(r.text for r in world.send(secretariat, "/tonghop"))
    assert "1 tin nhắc của kỳ này có thể chưa đến" in after
    assert "planbot outbox --state unknown" in after
