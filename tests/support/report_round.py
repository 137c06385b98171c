"""A scripted Q1/2021 round of updates, written through the real tables (for the report tests).

Deadline: before 00:00 of 20/03/2021 (Asia/Ho_Chi_Minh). What it writes:

- Sở KH&ĐT: 1.2 completed, 2.1 completed, 2.2.2 in progress, and its last lead item 2.5 at
  23:59 on 19/03 → reported ON TIME on the boundary.
- Sở Y tế: 2.2.1 BLOCKED on 18/03, general 1.7 at 00:00 on 20/03 → reported LATE on the boundary.
- Sở GTVT: 2.3 blocked, 2.4 in progress, 1.4; still owes 2.7.3 → not reported.
- Sở Tài chính (no lead item): 1.5 in progress then CORRECTED to completed; 2.1 (coordinating)
  → on time.
- Ban Di dân TĐC: 2.6.1 reported then RETRACTED; 1.8 → still owes 2.6.1 → not reported.
- Sở Xây dựng (no lead item): 1.4 on 18/03 → on time.
- Every other unit: nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.db import Database
from bot.models import StatusUpdate, User

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = "2021-Q1"
DEADLINE = datetime(2021, 3, 20, 0, 0, tzinfo=TZ)
BLOCKED_TEXT_YT = "Bộ Y tế chưa phê duyệt quy hoạch mạng lưới bệnh viện, chưa thể hoàn thiện hồ sơ"
BLOCKED_TEXT_GTVT = "Chưa được Bộ GTVT bố trí vốn, đang chờ ý kiến của Bộ"
CORRECTED_TEXT = "Đã hoàn thành rà soát thủ tục hành chính quý I"
RETRACTED_TEXT = "Đã làm việc với Bộ NN&PTNT (nhầm đơn vị)"


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2021, month, day, hour, minute, tzinfo=TZ)


@dataclass(frozen=True)
class RoundUsers:
    secretariat: User
    admin: User
    khdt: User
    yte: User
    taichinh: User
    revoked_khdt: User


def add_users(db: Database) -> RoundUsers:
    specs = {
        "secretariat": ("vp-ubnd-tinh", "secretariat", True),
        "admin": (None, "admin", True),
        "khdt": ("so-khdt", "focal", True),
        "yte": ("so-y-te", "focal", True),
        "taichinh": ("so-tai-chinh", "focal", True),
        "revoked_khdt": ("so-khdt", "focal", False),
    }
    made: dict[str, User] = {}
    with db.write() as session:
        for index, (key, (agency, role, active)) in enumerate(specs.items(), start=1):
            user = User(
                channel="telegram",
                external_id=str(1000 + index),
                chat_id=str(1000 + index),
                display_name=key,
                agency_id=agency,
                role=role,
                active=active,
                created_at=at(3, 1),
                revoked_at=None if active else at(3, 2),
            )
            session.add(user)
            made[key] = user
        session.flush()
    return RoundUsers(**made)


def _add(
    db: Database,
    task: str,
    agency: str,
    when: datetime,
    status: str,
    text: str,
    *,
    kind: str = "report",
    refers_to: int | None = None,
) -> int:
    with db.write() as session:
        row = StatusUpdate(
            task_id=task,
            agency_id=agency,
            period=PERIOD,
            status=status,
            text=text,
            kind=kind,
            refers_to=refers_to,
            channel="telegram",
            created_at=when,
            late=when >= DEADLINE,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def write_round(db: Database) -> dict[str, int]:
    """Write the scripted round; returns the ids of the notable rows."""
    ids: dict[str, int] = {}
    _add(db, "1.2", "so-khdt", at(3, 15, 10), "completed", "Đã trình dự thảo Quy hoạch tỉnh")
    _add(db, "2.1", "so-khdt", at(3, 16), "completed", "Đã bố trí đủ vốn cho Dự án cao tốc")
    _add(
        db, "2.2.2", "so-khdt", at(3, 16, 10), "in_progress", "Đang tổng hợp vào kế hoạch trung hạn"
    )
    ids["khdt_last"] = _add(
        db, "2.5", "so-khdt", at(3, 19, 23, 59), "in_progress", "Đang xây dựng Đề án ATK"
    )
    ids["yte_blocked"] = _add(db, "2.2.1", "so-y-te", at(3, 18), "blocked", BLOCKED_TEXT_YT)
    ids["yte_last"] = _add(
        db, "1.7", "so-y-te", at(3, 20, 0, 0), "in_progress", "Đang nâng cấp trang thiết bị y tế"
    )
    ids["gtvt_blocked"] = _add(db, "2.3", "so-gtvt", at(3, 17), "blocked", BLOCKED_TEXT_GTVT)
    _add(db, "2.4", "so-gtvt", at(3, 17, 10), "in_progress", "Đã có văn bản gửi Bộ GTVT")
    _add(db, "1.4", "so-gtvt", at(3, 17, 11), "in_progress", "Ưu tiên hạ tầng giao thông")
    ids["tc_report"] = _add(
        db, "1.5", "so-tai-chinh", at(3, 10), "in_progress", "Đang rà soát thủ tục"
    )
    ids["tc_correction"] = _add(
        db,
        "1.5",
        "so-tai-chinh",
        at(3, 11),
        "completed",
        CORRECTED_TEXT,
        kind="correction",
        refers_to=ids["tc_report"],
    )
    _add(db, "2.1", "so-tai-chinh", at(3, 11, 10), "in_progress", "Phối hợp thẩm định nguồn vốn")
    ids["ddtdc_retracted"] = _add(
        db, "2.6.1", "ban-di-dan-tdc", at(3, 12), "in_progress", RETRACTED_TEXT
    )
    _add(
        db,
        "2.6.1",
        "ban-di-dan-tdc",
        at(3, 13),
        "in_progress",
        "",
        kind="retraction",
        refers_to=ids["ddtdc_retracted"],
    )
    _add(db, "1.8", "ban-di-dan-tdc", at(3, 12, 10), "in_progress", "Kiện toàn bộ máy")
    _add(db, "1.4", "so-xay-dung", at(3, 18), "completed", "Hoàn thành quy hoạch đô thị")
    return ids


@dataclass(frozen=True)
class ScriptedRound:
    users: RoundUsers
    ids: dict[str, int]


def script_round(db: Database) -> ScriptedRound:
    """Users and the scripted round in one go."""
    users = add_users(db)
    return ScriptedRound(users=users, ids=write_round(db))


def add_update(db: Database, task: str, agency: str, when: datetime, status: str, text: str) -> int:
    """One more report of the round (a unit catching up)."""
    return _add(db, task, agency, when, status, text)
