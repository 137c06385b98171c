"""/tonghop, /baocao and "ai chưa báo cáo?" through handlers/secretariat.py, and scheduled sends."""

from __future__ import annotations

import io
from datetime import datetime

import docx
import pytest
from sqlmodel import select

from bot.bootstrap import Services
from bot.clock import FrozenClock
from bot.digest import consolidator_ids
from bot.i18n import translator
from bot.messages import Reply
from bot.models import DigestSnapshot
from bot.reports.replies import CAPTION_LIMIT
from bot.text import split_text
from handlers.secretariat import digest_replies, report_replies
from scheduler.digests import WEEKLY_KIND, scheduled_extras, weekly_digests, weekly_instant
from scheduler.reminders import OwedMessage
from tests.conftest import local
from tests.support.report_round import ScriptedRound, add_update, script_round

VI = translator("vi")


@pytest.fixture
def scripted(services: Services, clock: FrozenClock) -> ScriptedRound:
    clock.set(local(2021, 3, 22, 9, 0))
    return script_round(services.db)


def snapshots(services: Services) -> list[DigestSnapshot]:
    with services.db.session() as session:
        return list(session.exec(select(DigestSnapshot)).all())


def test_digest_for_the_secretariat_is_a_chart_then_the_text(
    services: Services, scripted: ScriptedRound
) -> None:
    replies = digest_replies(services, scripted.users.secretariat, VI, None, False)

    photo = replies[0]
    assert photo.attachment is not None
    assert photo.attachment.kind == "photo"
    assert photo.attachment.mime_type == "image/png"
    assert photo.attachment.content[:4] == b"\x89PNG"
    assert len(photo.text) <= CAPTION_LIMIT
    assert photo.text.startswith("TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021")
    text = "\n".join(reply.text for reply in replies[1:])
    assert "❗ Chưa báo cáo, đã quá hạn: 13 (76,5%)" in text
    assert "• Sở GTVT — còn thiếu 2.7.3" in text
    assert all(reply.attachment is None for reply in replies[1:])
    assert all(len(reply.text) <= 4096 for reply in replies)
    assert all(reply.context == {"kind": "digest", "period": "2021-Q1"} for reply in replies)
    assert [(s.period, s.audience) for s in snapshots(services)] == [
        ("2021-Q1", "chat:telegram:1001")
    ]


def test_second_digest_tells_what_changed(
    services: Services, scripted: ScriptedRound, clock: FrozenClock
) -> None:
    digest_replies(services, scripted.users.secretariat, VI, "2021-Q1", False)
    add_update(services.db, "1.6", "so-tttt", local(2021, 3, 22, 10, 0), "completed", "Xong")
    clock.set(local(2021, 3, 22, 11, 0))

    text = "\n".join(
        r.text for r in digest_replies(services, scripted.users.secretariat, VI, None, False)
    )

    assert "Thay đổi từ lần tổng hợp trước (09:00 ngày 22/03/2021):" in text
    assert "• Sở TT&TT: Chưa báo cáo (quá hạn) → Báo cáo muộn" in text
    assert "• Báo cáo mới (1): Sở TT&TT (1.6)" in text


def test_focal_point_of_the_consolidator_may_see_it(
    services: Services, scripted: ScriptedRound
) -> None:
    assert consolidator_ids(services.plan) == ("so-khdt",)
    replies = digest_replies(services, scripted.users.khdt, VI, "quý I/2021", False)
    assert replies[0].attachment is not None


@pytest.mark.parametrize("who", ["yte", "taichinh", "revoked_khdt", None])
def test_others_are_refused_in_vietnamese_and_nothing_is_written(
    services: Services, scripted: ScriptedRound, who: str | None
) -> None:
    user = getattr(scripted.users, who) if who else None
    for replies in (
        digest_replies(services, user, VI, None, False),
        report_replies(services, user, VI, None),
    ):
        assert len(replies) == 1
        assert replies[0].attachment is None
        assert "chỉ" in replies[0].text.lower()  # "chỉ dành cho..." / "Chỉ cán bộ..."
        assert "Sở GTVT" not in replies[0].text
    assert snapshots(services) == []


def test_unknown_round_gets_a_clear_message(services: Services, scripted: ScriptedRound) -> None:
    for replies in (
        digest_replies(services, scripted.users.secretariat, VI, "2021-Q7", False),
        report_replies(services, scripted.users.secretariat, VI, "quý 9"),
    ):
        assert len(replies) == 1
        assert replies[0].text.startswith("Không có kỳ báo cáo «")
        assert "2021-Q1" in replies[0].text
    assert snapshots(services) == []


def test_missing_only_is_just_the_missing_units(
    services: Services, scripted: ScriptedRound
) -> None:
    replies = digest_replies(services, scripted.users.secretariat, VI, None, True)

    assert [reply.attachment for reply in replies] == [None]
    lines = replies[0].text.splitlines()
    assert lines[0] == "Đơn vị chưa báo cáo — Quý I/2021"
    assert len([line for line in lines if line.startswith("• ")]) == 13


def test_report_is_the_docx_draft(services: Services, scripted: ScriptedRound) -> None:
    (reply,) = report_replies(services, scripted.users.secretariat, VI, "2021-Q1")

    assert reply.attachment is not None
    assert reply.attachment.kind == "document"
    assert reply.attachment.filename == "bao-cao-2021-Q1.docx"
    assert "4/17 đơn vị đã báo cáo" in reply.text
    document = docx.Document(io.BytesIO(reply.attachment.content))
    assert "BÁO CÁO" in [p.text for p in document.paragraphs]


def test_split_text_keeps_lines_whole() -> None:
    text = "\n".join(f"dòng {n} " + "x" * 50 for n in range(200))
    pieces = split_text(text, 1000)
    assert all(len(piece) <= 1000 for piece in pieces)
    assert "\n".join(pieces) == text


# --------------------------------------------------------------------------- scheduled


def owed(kind: str, audience: str, chat_id: str, services: Services) -> OwedMessage:
    round_ = services.calendar.parse("2021-Q1")
    return OwedMessage(
        channel="telegram",
        chat_id=chat_id,
        period=round_.id,
        kind=kind,
        instant=local(2021, 3, 22, 8, 0),
        reply=Reply(text="reminder"),
        audience=audience,
        agency_ids=(),
        locale="vi",
        round=round_,
    )


def test_overdue_list_to_the_secretariat_carries_the_digest(
    services: Services, scripted: ScriptedRound
) -> None:
    extras = scheduled_extras(services, owed("overdue", "secretariat", "1001", services))

    assert isinstance(extras[0], Reply)
    assert extras[0].attachment is not None
    assert extras[0].attachment.kind == "photo"
    assert any("Sở GTVT — còn thiếu 2.7.3" in e.text for e in extras if isinstance(e, Reply))
    assert all(
        not (isinstance(e, Reply) and e.attachment and e.attachment.kind == "document")
        for e in extras
    )
    assert [s.audience for s in snapshots(services)] == ["chat:telegram:1001"]


def test_day_25_reminder_to_the_consolidator_carries_the_docx(
    services: Services, scripted: ScriptedRound
) -> None:
    extras = scheduled_extras(
        services, owed("before-consolidation", "consolidator", "1003", services)
    )

    documents = [e for e in extras if isinstance(e, Reply) and e.attachment is not None]
    kinds = [e.attachment.kind for e in documents if e.attachment is not None]
    assert kinds == ["photo", "document"]
    last = extras[-1]
    assert isinstance(last, Reply)
    assert last.attachment is not None
    assert last.attachment.filename == "bao-cao-2021-Q1.docx"
    assert docx.Document(io.BytesIO(last.attachment.content)).paragraphs


@pytest.mark.parametrize(
    ("kind", "audience"),
    [("before-due", "unit"), ("overdue", "unit"), ("before-consolidation", "secretariat")],
)
def test_other_reminders_get_no_extras(
    services: Services, scripted: ScriptedRound, kind: str, audience: str
) -> None:
    assert scheduled_extras(services, owed(kind, audience, "1004", services)) == []


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2021, 3, 22, 8, 0), local(2021, 3, 22, 8, 0)),  # Monday 08:00 in March
        (local(2021, 3, 22, 17, 0), local(2021, 3, 22, 8, 0)),  # later that Monday
        (local(2021, 3, 22, 7, 59), None),  # not yet
        (local(2021, 3, 23, 8, 0), None),  # Tuesday: last Monday's is stale
        (local(2021, 4, 5, 8, 0), None),  # April is not a reporting month
        (local(2021, 6, 7, 9, 0), local(2021, 6, 7, 8, 0)),
    ],
)
def test_weekly_instant(services: Services, now: datetime, expected: datetime | None) -> None:
    assert weekly_instant(services, now) == expected


def test_weekly_digest_goes_to_those_who_may_see_it(
    services: Services, scripted: ScriptedRound
) -> None:
    messages = weekly_digests(services, local(2021, 3, 22, 8, 30))

    assert sorted(m.chat_id for m in messages) == ["1001", "1002", "1003"]  # secr., admin, KH&ĐT
    assert {m.kind for m in messages} == {WEEKLY_KIND}
    assert {m.period for m in messages} == {"2021-Q1"}
    assert {m.instant for m in messages} == {local(2021, 3, 22, 8, 0)}
    khdt = next(m for m in messages if m.chat_id == "1003")
    assert khdt.audience == "consolidator"
    assert khdt.reply.text.startswith("TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021")
    assert weekly_digests(services, local(2021, 3, 23, 8, 30)) == []
    chart = scheduled_extras(services, khdt)
    assert len(chart) == 1
    assert isinstance(chart[0], Reply)
    assert chart[0].attachment is not None
    assert chart[0].attachment.kind == "photo"


def test_a_long_weekly_digest_is_sent_whole(services: Services, scripted: ScriptedRound) -> None:
    obstacle = (
        "Chưa bố trí được mặt bằng tái định cư do vướng giải phóng mặt bằng, đang chờ Ủy ban "
        "nhân dân tỉnh cho ý kiến về phương án bồi thường, hỗ trợ và tái định cư cho các hộ dân"
    )
    blocked = [("2.6.2", unit) for unit in services.plan.expand("ubnd-huyen-thanh-pho")]
    blocked += [("2.7.2", "ban-dieu-phoi-oda"), ("2.8", "so-nnptnt")]
    for task, unit in blocked:
        add_update(services.db, task, unit, local(2021, 3, 21, 10, 0), "blocked", obstacle)

    messages = weekly_digests(services, local(2021, 3, 22, 8, 30))

    text = next(m for m in messages if m.chat_id == "1001").reply.text
    assert len(text) > 4096  # longer than one Telegram message: the channel splits it
    assert text.startswith("TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2021")
    assert "⛔ Nhiệm vụ có vướng mắc (5):" in text
    assert "• 2.8 [Vướng mắc]" in text  # the end of the item list is not cut off
    assert "  – UBND huyện Sơn Dương (chủ trì): «Chưa bố trí" in text


def test_weekly_digest_can_be_turned_off(
    services: Services, scripted: ScriptedRound, tmp_path: object
) -> None:
    from scheduler.digests import install_scheduled

    class FakeRunner:
        def __init__(self, services: Services) -> None:
            self.services = services
            self.extras: list[object] = []
            self.contributors: list[object] = []

        def add_extras(self, extras: object) -> None:
            self.extras.append(extras)

        def add_contributor(self, contributor: object) -> None:
            self.contributors.append(contributor)

    runner = FakeRunner(services)
    install_scheduled(runner)
    assert (len(runner.extras), len(runner.contributors)) == (1, 1)
    off = FakeRunner(
        Services(
            settings=services.settings.model_copy(update={"digest_weekly": False}),
            db=services.db,
            clock=services.clock,
            plans=services.plans,
        )
    )
    install_scheduled(off)
    assert (len(off.extras), len(off.contributors)) == (1, 0)
