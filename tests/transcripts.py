"""Conversation transcripts as channel-neutral data, and the runner that plays them.

A transcript is a list of :class:`Step`: an actor says something (optionally as a reply to the
bot's last message) or presses the choice with a given label, and the bot's answer must contain
(or must not contain) some words, or be silent. Nothing here is specific to a platform: a driver
(:class:`Driver`) plays the steps over one channel. Telegram presses a button; a channel without
buttons (Zalo) answers with the choice's number. ``{code}``-style placeholders in the text are
filled from the variables given to :func:`play`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Protocol

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.messages import Incoming, Reply
from bot.registration import create_invitations, redeem
from bot.sent import record_sent
from handlers import ChatHandlers

__all__ = [
    "ALL_TRANSCRIPTS",
    "ASK_AND_DEADLINE",
    "GUARD_RAILS",
    "MULTI_TASK",
    "QUESTIONS_AND_OWED",
    "REGISTER_ASK_REPORT_UNDO",
    "SECRETARIAT_SHORTHAND",
    "WHICH_TASK",
    "BotSaid",
    "Driver",
    "HandlerDriver",
    "Step",
    "play",
    "transcript_variables",
]


@dataclass(frozen=True)
class Step:
    """One turn: ``says`` or ``presses`` (a choice label), then what the bot's answer holds."""

    actor: str
    says: str | None = None
    presses: str | None = None
    reply_to_last: bool = False
    expect: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    silent: bool = False


@dataclass(frozen=True)
class BotSaid:
    """One message the bot sent (or the new state of a message it edited)."""

    text: str
    choices: tuple[str, ...] = ()


class Driver(Protocol):
    async def say(self, actor: str, text: str, *, reply_to_last: bool = False) -> list[BotSaid]: ...

    async def press(self, actor: str, label: str) -> list[BotSaid]: ...


async def play(
    driver: Driver, steps: Sequence[Step], variables: Mapping[str, str] | None = None
) -> list[list[BotSaid]]:
    """Play a transcript; fail with the whole exchange so far when a step's answer is wrong."""
    values = dict(variables or {})
    log: list[str] = []
    answers: list[list[BotSaid]] = []
    for number, step in enumerate(steps, start=1):
        if step.says is not None:
            text = step.says.format(**values)
            said = await driver.say(step.actor, text, reply_to_last=step.reply_to_last)
            log.append(f"{step.actor}: {text}")
        elif step.presses is not None:
            said = await driver.press(step.actor, step.presses)
            log.append(f"{step.actor} presses [{step.presses}]")
        else:
            raise ValueError(f"step {number} neither says nor presses")
        for message in said:
            log.append(f"  bot: {message.text}  {list(message.choices) if message.choices else ''}")
        answers.append(said)
        joined = "\n".join(message.text for message in said)
        labels = [label for message in said for label in message.choices]
        problems: list[str] = []
        if step.silent and said:
            problems.append("expected no answer")
        if not step.silent and not said:
            problems.append("expected an answer, got none")
        problems += [f"missing {word!r}" for word in step.expect if word not in joined]
        problems += [f"unexpected {word!r}" for word in step.forbid if word in joined]
        problems += [f"no choice {label!r}" for label in step.choices if label not in labels]
        if problems:
            transcript = "\n".join(log)
            raise AssertionError(
                f"step {number}: {'; '.join(problems)}\n--- transcript\n{transcript}"
            )
    return answers


# ---------------------------------------------------------------------------- the tables

REGISTER_ASK_REPORT_UNDO: tuple[Step, ...] = (
    Step(
        "stranger",
        says="nhiem vu cua toi",
        expect=("chưa được đăng ký", "/start"),
        forbid=("2.2.1",),
    ),
    Step("focal", says="/start {code}", expect=("Sở Y tế",)),
    Step(
        "focal",
        says="nhiệm vụ của tôi là gì",
        expect=("2.2.1", "chủ trì", "Còn thiếu", "còn 10 ngày"),
    ),
    Step(
        "focal",
        says="2.2: đã trình UBND tỉnh hồ sơ dự án",
        expect=("2.2.1", "ĐANG THỰC HIỆN", "đã trình UBND tỉnh hồ sơ dự án", "HUỶ"),
        choices=("→ hoàn thành", "→ vướng mắc", "Huỷ"),
    ),
    Step("focal", presses="→ hoàn thành", expect=("HOÀN THÀNH", "2.2.1")),
    Step("focal", presses="Huỷ", expect=("Đã huỷ", "2.2.1")),
    Step("stranger", says="2.2: xong", expect=("chưa được đăng ký",), forbid=("Đã ghi nhận",)),
)

ASK_AND_DEADLINE: tuple[Step, ...] = (
    Step("focal", says="/start {code}", expect=("Sở Y tế",)),
    Step("focal", says="/nhiemvu", expect=("2.2.1", "2.2.2", "phối hợp", "Chưa có cập nhật")),
    Step("focal", says="so minh duoc giao gi", expect=("2.2.1",)),
    Step("focal", says="what's my task", expect=("2.2.1",)),
    Step("focal", says="khi nào hạn báo cáo", expect=("Quý I/2021", "còn 10 ngày")),
    Step("focal", says="xin chào", expect=("Xin chào",), forbid=("Đã ghi nhận",)),
    Step("focal", says="cảm ơn nhé", expect=("Không có gì",)),
    Step("focal", says="hướng dẫn", expect=("/nhiemvu", "2.2:", "HUỶ")),
    Step("focal", says="/lang en", expect=("English",)),
    Step("focal", says="when is the report due", expect=("Q1/2021", "10 days left")),
    Step("focal", says="/lang vi", expect=("tiếng Việt",)),
)

WHICH_TASK: tuple[Step, ...] = (
    Step("focal", says="/start {code}", expect=("Sở Y tế",)),
    Step(
        "focal",
        says="đã làm việc với Bộ Y tế về quy hoạch",
        expect=("nhiệm vụ nào",),
        choices=("2.2.1 (chủ trì)", "2.1 (phối hợp)"),
    ),
    Step("focal", presses="2.2.1 (chủ trì)", expect=("2.2.1", "đã làm việc với Bộ Y tế")),
    Step("focal", says="huỷ", expect=("Đã huỷ",)),
    Step("focal", says="huy", expect=("Không có gì để huỷ",)),
    Step("focal", says="/nhiemvu", expect=("2.2.1",)),
    Step(
        "focal",
        says="đang hoàn thiện hồ sơ thủ tục đầu tư",
        reply_to_last=True,
        expect=("nhiệm vụ nào",),
    ),
    Step("focal", says="2.2.2", expect=("2.2.2", "đang hoàn thiện hồ sơ thủ tục đầu tư")),
    Step("focal", says="/capnhat 2.2 Nhiệm vụ vướng mắc về vốn", expect=("2.2.1", "VƯỚNG MẮC")),
    Step("focal", says="Nhiệm vụ 2.2 vướng mắc về vốn", expect=("VƯỚNG MẮC",)),
    Step("focal", says="nv 2.2 xong", expect=("HOÀN THÀNH",)),
    Step("focal", says="update 2.2.2: in progress", expect=("2.2.2", "ĐANG THỰC HIỆN")),
)

GUARD_RAILS: tuple[Step, ...] = (
    Step("focal", says="/start {code}", expect=("Sở Y tế",)),
    Step("focal", says="Cập nhật 2.8 xong", expect=("2.8", "không phải"), forbid=("Đã ghi nhận",)),
    Step("focal", says="9.9: xong", expect=("Không có nhiệm vụ 9.9",), forbid=("Đã ghi nhận",)),
    Step("focal", says="2.2:", expect=("trống",), forbid=("Đã ghi nhận",)),
    Step("focal", says="/tonghop", expect=("Văn phòng",), forbid=("Đã ghi nhận",)),
    Step("focal", says="ai chưa báo cáo", expect=("Văn phòng",)),
    Step("focal", says="/start {used_code}", expect=("đã được sử dụng",)),
    Step("stranger", says="/start {used_code}", expect=("đã được sử dụng",)),
    Step("stranger", says="/start ABCDEFGHIJKL", expect=("không hợp lệ",)),
    Step("stranger", says="/start {expired_code}", expect=("hết hạn",)),
    Step("focal", says="2.2: <b>đã trình</b> *UBND*", expect=("<b>đã trình</b> *UBND*",)),
)

_RECORDED = "Đã ghi nhận"

QUESTIONS_AND_OWED: tuple[Step, ...] = (
    Step("focal", says="/start {code}", expect=("Sở Y tế",)),
    Step(
        "focal",
        says="nv 2.2 ben minh da bc chua nhi?",
        expect=("2.2.1", "chủ trì", "Vì sao được nhắc", "Quý I/2021"),
        forbid=(_RECORDED,),
    ),
    Step("focal", says="2.2 là việc gì?", expect=("Bệnh viện Đa khoa",), forbid=(_RECORDED,)),
    Step("focal", says="sao em bị nhắc 2.2?", expect=("chủ trì",), forbid=(_RECORDED,)),
    Step("focal", says="nv 2.2.2 hạn khi nào?", expect=("phối hợp",), forbid=(_RECORDED,)),
    Step("focal", says="còn thiếu gì", expect=("còn thiếu", "2.2.1", "nhiệm vụ chung")),
    Step(
        "focal",
        says="2.2.1: Đã hoàn thành.\n2. Khó khăn, vướng mắc: Không.\n3. Kiến nghị: Không.",
        expect=("HOÀN THÀNH",),
        forbid=("VƯỚNG MẮC",),
    ),
    Step("focal", says="da xong 2.2.2", expect=("2.2.2", "HOÀN THÀNH")),
    Step("focal", says="toi con thieu gi", expect=("1.1–1.9",), forbid=("• 2.2.1",)),
    Step("focal", says="hạn nộp bc năm 2021", expect=("Năm 2021", "20/12/2021")),
    Step("focal", says="cho mình chuyển sang tiếng Anh", expect=("English",)),
    Step("focal", says="what am I still missing", expect=("general tasks",)),
    Step("focal", says="/lang vi", expect=("tiếng Việt",)),
)

MULTI_TASK: tuple[Step, ...] = (
    Step("focal", says="/start {code}", expect=("Sở Y tế",)),
    Step(
        "focal",
        says="2.2.1: hoàn thành 70% khối lượng; 2.2.2: chưa triển khai được do chưa có hướng dẫn",
        expect=("2.2.1", "ĐANG THỰC HIỆN", "2.2.2", "VƯỚNG MẮC"),
        choices=("→ đang thực hiện", "Huỷ"),
    ),
    Step("focal", presses="→ đang thực hiện", expect=("2.2.2", "ĐANG THỰC HIỆN")),
    Step("focal", says="nhiệm vụ của tôi", expect=("đang thực hiện 70%",)),
    Step(
        "focal",
        says="Sở Y tế báo cáo:\n- Nhiệm vụ 2.2.1: đã xong.\n- Nhiệm vụ 2.2.2: ko co vuong mac gi",
        expect=("2.2.1", "HOÀN THÀNH", "2.2.2", "ĐANG THỰC HIỆN"),
        forbid=("VƯỚNG MẮC",),
    ),
)

SECRETARIAT_SHORTHAND: tuple[Step, ...] = (
    Step("focal", says="/start {code}", expect=("Sở Y tế",)),
    Step("focal", says="2.2.1: vướng mắc về vốn đối ứng", expect=("VƯỚNG MẮC",)),
    Step("focal", says="việc nào đang vướng", expect=("chỉ dành cho",), forbid=("2.2.1",)),
    Step("secretary", says="/start {secretariat_code}", expect=("bộ phận tổng hợp",)),
    Step(
        "secretary",
        says="nhiệm vụ của tôi",
        expect=("đơn vị nào quá hạn", "tình hình Sở Y tế"),
        forbid=("Cảm ơn",),
    ),
    Step("secretary", says="ds chua bc", expect=("Đơn vị chưa báo cáo",)),
    Step("secretary", says="đơn vị nào quá hạn", expect=("Chưa có đơn vị nào quá hạn",)),
    Step("secretary", says="việc nào đang vướng", expect=("2.2.1", "vướng mắc về vốn đối ứng")),
    Step("secretary", says="2.2 đến đâu rồi", expect=("2.2.1", "Sở Y tế", "2.2.2")),
    Step("secretary", says="tình hình Sở Y tế", expect=("Sở Y tế", "vướng mắc về vốn đối ứng")),
    Step("secretary", says="tinh hinh so giao thong", expect=("Sở Giao thông Vận tải",)),
)

ALL_TRANSCRIPTS: Mapping[str, Sequence[Step]] = MappingProxyType(
    {
        "REGISTER_ASK_REPORT_UNDO": REGISTER_ASK_REPORT_UNDO,
        "ASK_AND_DEADLINE": ASK_AND_DEADLINE,
        "WHICH_TASK": WHICH_TASK,
        "GUARD_RAILS": GUARD_RAILS,
        "QUESTIONS_AND_OWED": QUESTIONS_AND_OWED,
        "MULTI_TASK": MULTI_TASK,
        "SECRETARIAT_SHORTHAND": SECRETARIAT_SHORTHAND,
    }
)
"""Every table, by name: each channel's end-to-end test plays all of them."""


def transcript_variables(services: Services, now: datetime, channel: str) -> dict[str, str]:
    """The ``{code}``, ``{used_code}`` and ``{expired_code}`` the tables use (for Sở Y tế), and
    ``{secretariat_code}`` (Văn phòng UBND tỉnh, secretariat).

    ``used_code`` has already been redeemed by another account of ``channel``; ``expired_code``
    expired four days before ``now``.
    """
    fresh, used = create_invitations(
        services.db, "so-y-te", role="focal", count=2, expires_days=30, now=now
    )
    [expired] = create_invitations(
        services.db, "so-y-te", role="focal", count=1, expires_days=1, now=now - timedelta(days=5)
    )
    redeemed = redeem(
        services.db,
        used.code,
        channel=channel,
        external_id="someone-else",
        chat_id="someone-else",
        display_name="Người khác",
        language=None,
        now=now,
    )
    assert redeemed.ok
    [secretariat] = create_invitations(
        services.db, "vp-ubnd-tinh", role="secretariat", count=1, expires_days=30, now=now
    )
    return {
        "code": fresh.code,
        "used_code": used.code,
        "expired_code": expired.code,
        "secretariat_code": secretariat.code,
    }


# ---------------------------------------------------------------------------- in-process driver


@dataclass
class HandlerDriver:
    """Plays transcripts straight into :class:`ChatHandlers` (a channel with choices as data).

    Each actor has a private chat ``chat-<actor>``; the clock moves 3 seconds per step.
    """

    services: Services
    clock: FrozenClock
    channel: str = "test"
    chat: ChatHandlers | None = None
    _last: dict[str, list[tuple[str, Reply]]] = field(default_factory=dict)
    _ids: int = 0

    def __post_init__(self) -> None:
        if self.chat is None:
            self.chat = ChatHandlers(self.services)

    def _next_id(self) -> str:
        self._ids += 1
        return str(self._ids)

    async def _run(self, actor: str, incoming: Incoming) -> list[BotSaid]:
        assert self.chat is not None
        replies = await self.chat.handle(incoming)
        sent: list[tuple[str, Reply]] = []
        for reply in replies:
            message_id = reply.edit_message_id or self._next_id()
            if reply.edit_message_id is None:  # an edited message keeps its recorded context
                record_sent(
                    self.services.db,
                    self.channel,
                    incoming.chat_id,
                    [message_id],
                    reply.context,
                    self.clock.now(),
                )
            sent.append((message_id, reply))
        if sent:
            self._last[actor] = sent
        return [BotSaid(reply.text, tuple(c.label for c in reply.choices)) for _id, reply in sent]

    def _incoming(self, actor: str, **fields: object) -> Incoming:
        self.clock.advance(timedelta(seconds=3))
        return Incoming(
            channel=self.channel,
            chat_id=f"chat-{actor}",
            user_id=f"user-{actor}",
            display_name=actor.title(),
            received_at=self.clock.now(),
            message_id=self._next_id(),
            **fields,  # type: ignore[arg-type]
        )

    async def say(self, actor: str, text: str, *, reply_to_last: bool = False) -> list[BotSaid]:
        reply_to = None
        if reply_to_last and self._last.get(actor):
            reply_to = self._last[actor][-1][0]
        return await self._run(
            actor, self._incoming(actor, text=text, reply_to_message_id=reply_to)
        )

    async def press(self, actor: str, label: str) -> list[BotSaid]:
        for message_id, reply in reversed(self._last.get(actor, [])):
            for choice in reply.choices:
                if choice.label == label:
                    incoming = self._incoming(actor, payload=choice.payload)
                    incoming = Incoming(**{**incoming.__dict__, "message_id": message_id})
                    return await self._run(actor, incoming)
        raise AssertionError(f"{actor} sees no choice {label!r}")
