"""Three plans side by side in ONE ``planbot run``, checked as the people using it would.

The seed plan ("tb38", before day 20 of each quarter's last month), the epidemic plan ("zika",
every month before day 25) and the slow-projects plan ("ct20", before 05/6 and 05/12) run in one
process against the fake Bot API, on Friday 18/12/2026 at 08:00: the seed plan's year report is
due on Sunday 20/12, the epidemic plan's December report on 25/12, and the projects plan's year
report was due on 05/12 (overdue now). The child process runs the real ``planbot run``; only its
system clock is moved to that morning (it then runs on at the normal pace).

Checked: each unit hears one reminder that morning, listing what it owes in each plan that
reminds today (the seed's year report, the epidemic plan's December report), each part headed by
its plan with that plan's round and deadline; a second start the same day sends no reminder again; reports land in
the plan and round they are for (named, remembered, or chosen on the "which plan?" buttons); the
secretariat's digest of one plan and the overview across the three are right.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.bootstrap import bootstrap, load_plan_file
from bot.clock import FrozenClock
from bot.db import Database
from bot.models import StatusUpdate, User
from tests.conftest import local, make_settings
from tests.support.telegram_server import BotMessage, FakeTelegram, TgUser

DATA = Path(__file__).parent / "data"
SEED = "tuyen-quang-tb38-2021"
ZIKA = "phong-chong-dich-zika"
PROJECTS = "xu-ly-du-an-cham-trien-khai"

HEALTH = TgUser(101, "Lan", "vi")  # Sở Y tế: 2.2.1 (seed), 2.1 and 2.2 (zika), 2.1 (ct20)
FINANCE = TgUser(104, "Hà", "vi")  # Sở Tài chính: general (seed), 1.1 (zika), 2.2 (ct20)
OFFICE = TgUser(900, "Thu", "vi")  # Văn phòng UBND tỉnh, the secretariat

MORNING = local(2026, 12, 18, 8, 0)

# The child process: the real `planbot run`, its system clock starting at PLANBOT_TEST_CLOCK_AT.
CHILD = """
import os, time
from datetime import datetime, timedelta
import bot.clock

start = datetime.fromisoformat(os.environ["PLANBOT_TEST_CLOCK_AT"])
origin = time.monotonic()

def now(self):
    return (start + timedelta(seconds=time.monotonic() - origin)).astimezone(self._tz)

bot.clock.SystemClock.now = now
from bot.cli import main
main()
"""


def _register(db: Database, person: TgUser, agency_id: str, role: str = "focal") -> None:
    """A person registered on Telegram (as redeeming an invitation would leave it)."""
    with db.write() as session:
        session.add(
            User(
                channel="telegram",
                external_id=str(person.id),
                chat_id=str(person.id),
                display_name=person.first_name,
                agency_id=agency_id,
                role=role,
                active=True,
                created_at=local(2026, 10, 1, 9, 0),
            )
        )


def _prepare(tmp_path: Path) -> str:
    """The database: three plans loaded, four people registered, November's epidemic reports."""
    url = f"sqlite:///{tmp_path / 'planbot.db'}"
    clock = FrozenClock(local(2026, 11, 1, 9, 0))
    services = bootstrap(make_settings(tmp_path, url), clock=clock)
    for name in ("plan_phong_chong_dich_zika.json", "plan_du_an_cham_trien_khai.json"):
        clock.advance(timedelta(minutes=1))
        load_plan_file(services.db, DATA / name, clock)
    _register(services.db, HEALTH, "so-y-te")
    _register(services.db, FINANCE, "so-tai-chinh")
    _register(services.db, OFFICE, "vp-ubnd-tinh", role="secretariat")
    with services.db.write() as session:  # both units sent their November epidemic report
        for agency, tasks in (("so-y-te", ("1.1", "2.1", "2.2")), ("so-tai-chinh", ("1.1",))):
            for task in tasks:
                session.add(
                    StatusUpdate(
                        plan_id=ZIKA,
                        task_id=task,
                        agency_id=agency,
                        period="2026-M11",
                        status="in_progress",
                        text="Báo cáo tháng 11",
                        created_at=local(2026, 11, 20, 10, 0),
                        channel="telegram",
                    )
                )
    services.db.dispose()
    return url


@asynccontextmanager
async def _planbot_run(
    tg: FakeTelegram, url: str, data_dir: Path, at: datetime
) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "PLANBOT_DATABASE_URL": url,
        "PLANBOT_DATA_DIR": str(data_dir),
        "PLANBOT_TELEGRAM_TOKEN": tg.token,
        "PLANBOT_TELEGRAM_API_URL": tg.url,
        "PLANBOT_WEB_PORT": "0",
        "PLANBOT_DIGEST_WEEKLY": "false",
        "PLANBOT_TEST_CLOCK_AT": at.isoformat(),
        "PTB_TIMEDELTA": "true",
    }
    for name in ("PLANBOT_WEBHOOK_URL", "PLANBOT_ZALO_TOKEN"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        "run",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(40):
            while not tg.calls_of("getUpdates"):
                if process.returncode is not None:
                    output = await process.stdout.read() if process.stdout else b""
                    raise AssertionError(output.decode())
                await asyncio.sleep(0.05)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(20):
                    await process.communicate()
            except TimeoutError:
                process.kill()
                await process.wait()


async def _settle(tg: FakeTelegram, chats: list[int], seconds: float = 1.5) -> None:
    """Wait until the bot has sent nothing new to these chats for ``seconds``."""
    last = -1
    quiet = 0.0
    async with asyncio.timeout(60):
        while quiet < seconds:
            count = sum(len(tg.bot_messages(chat)) for chat in chats)
            if count != last:
                last, quiet = count, 0.0
            await asyncio.sleep(0.25)
            quiet += 0.25


async def _answer(tg: FakeTelegram, user: TgUser, text: str) -> list[BotMessage]:
    """What the bot says back to one message (it answers every message)."""
    before = len(tg.bot_messages(user.id))
    await tg.user_says(user, text)
    async with asyncio.timeout(30):
        while len(tg.bot_messages(user.id)) == before:  # noqa: ASYNC110 - a subprocess answers
            await asyncio.sleep(0.05)
    await _settle(tg, [user.id], 2.0)  # longer than the one second between two messages to a chat
    return tg.bot_messages(user.id)[before:]


async def _press(
    tg: FakeTelegram, user: TgUser, message: BotMessage, label: str
) -> list[BotMessage]:
    before = len(tg.bot_messages(user.id))
    await tg.user_presses(user, message, label)
    async with asyncio.timeout(30):
        while len(tg.bot_messages(user.id)) == before:  # noqa: ASYNC110 - a subprocess answers
            await asyncio.sleep(0.05)
    await _settle(tg, [user.id], 2.0)  # longer than the one second between two messages to a chat
    return tg.bot_messages(user.id)[before:]


def _reports(url: str) -> list[tuple[str, str, str, str, bool, str]]:
    database = Database(url)
    try:
        with database.session() as session:
            rows = session.exec(
                select(StatusUpdate)
                .where(col(StatusUpdate.kind) == "report")
                .where(col(StatusUpdate.created_at) >= MORNING)
                .order_by(col(StatusUpdate.id))
            ).all()
            return [(r.plan_id, r.agency_id, r.task_id, r.period, r.late, r.status) for r in rows]
    finally:
        database.dispose()


async def test_three_plans_in_one_planbot_run(tmp_path: Path) -> None:
    url = _prepare(tmp_path)
    people = [HEALTH, FINANCE, OFFICE]
    async with FakeTelegram() as tg:
        for person in people:
            tg.private_chat(person)
        async with _planbot_run(tg, url, tmp_path / "data", MORNING):
            async with asyncio.timeout(60):  # the first tick runs at start
                while not (tg.bot_messages(HEALTH.id) and tg.bot_messages(FINANCE.id)):  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            await _settle(tg, [p.id for p in people], 3.0)

            # --- the morning's reminders: one message per unit, every plan it owes in it
            (health,) = tg.bot_messages(HEALTH.id)
            # grouped by plan, newest plan first, each with its own round and deadline
            assert health.text.index("[zika]") < health.text.index("[tb38]")
            assert "[ct20]" not in health.text  # nothing of that plan is reminded today
            assert "Năm 2026" in health.text  # the seed plan's year report
            assert "Tháng 12/2026" in health.text  # the epidemic plan's December report
            assert "20/12/2026" in health.text
            assert "25/12/2026" in health.text
            assert "2.2.1" in health.text
            (finance,) = tg.bot_messages(FINANCE.id)
            assert "Tháng 12/2026" in finance.text
            assert "Năm 2026" in finance.text

            # --- reports land in the plan and round they are for
            said = await _answer(tg, HEALTH, "zika 2.2: vướng mắc về sinh phẩm xét nghiệm")
            assert "[zika]" in said[-1].text
            assert "Tháng 12/2026" in said[-1].text
            said = await _answer(
                tg, HEALTH, "2.1: đã xong đợt kiểm tra tại cửa khẩu"
            )  # the same plan
            assert "[zika]" in said[-1].text
            said = await _answer(tg, HEALTH, "tb38 2.2: đang hoàn thiện hồ sơ dự án")
            assert "[tb38]" in said[-1].text
            assert "2.2.1" in said[-1].text
            assert "Năm 2026" in said[-1].text

            asked = await _answer(tg, FINANCE, "2.2: đã tổng hợp báo cáo định kỳ")
            assert "nhiều kế hoạch" in asked[-1].text
            labels = [label for label, _data in asked[-1].buttons]
            assert "ct20 · 2.2 (chủ trì)" in labels
            said = await _press(tg, FINANCE, asked[-1], "ct20 · 2.2 (chủ trì)")
            assert "[ct20]" in said[-1].text
            assert "Năm 2026" in said[-1].text
            assert "muộn" in said[-1].text  # due 05/12: a late report of the year round

            # --- the secretariat: one plan's digest, then the overview
            digest = await _answer(tg, OFFICE, "/tonghop zika")
            text = "\n".join(message.text for message in digest)
            assert "Tháng 12/2026" in text
            assert "Quý" not in text
            overview = "\n".join(
                m.text for m in await _answer(tg, OFFICE, "tổng hợp tất cả kế hoạch")
            )
            assert "TỔNG HỢP TẤT CẢ KẾ HOẠCH" in overview
            assert overview.index("■ ct20") < overview.index("■ zika") < overview.index("■ tb38")
            zika_part = overview[overview.index("■ zika") : overview.index("■ tb38")]
            assert "Tháng 12/2026, hạn" in zika_part
            assert "Nhiệm vụ có vướng mắc (1):" in zika_part
            assert "(Sở Y tế)" in zika_part
            projects_part = overview[overview.index("■ ct20") : overview.index("■ zika")]
            assert "Năm 2026, hạn" in projects_part
            assert "Không có vướng mắc." in projects_part

            reminders_sent = {p.id: len(tg.bot_messages(p.id)) for p in people}

    assert _reports(url) == [
        (ZIKA, "so-y-te", "2.2", "2026-M12", False, "blocked"),
        (ZIKA, "so-y-te", "2.1", "2026-M12", False, "completed"),
        (SEED, "so-y-te", "2.2.1", "2026-Y", False, "in_progress"),
        (PROJECTS, "so-tai-chinh", "2.2", "2026-Y", True, "in_progress"),
    ]

    # --- started again later the same day: nobody is reminded a second time
    async with FakeTelegram(token=tg.token) as again:
        for person in people:
            again.private_chat(person)
        async with _planbot_run(again, url, tmp_path / "data", local(2026, 12, 18, 15, 0)):
            await _settle(again, [p.id for p in people], 3.0)
            assert all(again.bot_messages(p.id) == [] for p in people)
    assert all(count >= 1 for count in reminders_sent.values())
