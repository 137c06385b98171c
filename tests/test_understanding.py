"""Message understanding over realistic messages: with and without diacritics, abbreviations,
English. Each row: the message, the intent kind, and for updates the task number and text."""

from __future__ import annotations

import time

import pytest

from bot.status import classify_status
from handlers.understanding import understand

# (message, kind, task, body); task/body None = not checked beyond being None for non-updates
CASES: list[tuple[str, str, str | None, str | None]] = [
    # what's my task
    ("nhiệm vụ của tôi là gì", "tasks", None, None),
    ("nhiem vu cua toi", "tasks", None, None),
    ("Nhiệm vụ của tôi", "tasks", None, None),
    ("NHIỆM VỤ CỦA TÔI LÀ GÌ?", "tasks", None, None),
    ("sở mình được giao gì", "tasks", None, None),
    ("so minh duoc giao gi", "tasks", None, None),
    ("xem nv", "tasks", None, None),
    ("xem nhiệm vụ", "tasks", None, None),
    ("nv", "tasks", None, None),
    ("ds nv", "tasks", None, None),
    ("danh sách nhiệm vụ", "tasks", None, None),
    ("what's my task", "tasks", None, None),
    ("What are my tasks?", "tasks", None, None),
    ("show my tasks", "tasks", None, None),
    ("đơn vị tôi phải làm gì", "tasks", None, None),
    ("nhiệm vụ của sở y tế", "tasks", None, None),
    ("/nhiemvu", "tasks", None, None),
    ("/tasks", "tasks", None, None),
    ("/nhiemvu@planbot_test_bot", "tasks", None, None),
    ("chào bạn, nhiệm vụ của tôi là gì", "tasks", None, None),
    # deadlines
    ("khi nào hạn báo cáo", "deadline", None, None),
    ("han bao cao", "deadline", None, None),
    ("Hạn báo cáo quý 1 là bao giờ?", "deadline", None, None),
    ("when is the report due", "deadline", None, None),
    ("deadline?", "deadline", None, None),
    ("còn bao nhiêu ngày nữa", "deadline", None, None),
    ("con may ngay", "deadline", None, None),
    ("bao giờ phải báo cáo", "deadline", None, None),
    ("/han", "deadline", None, None),
    ("thời hạn nộp báo cáo", "deadline", None, None),
    # help, greetings, thanks
    ("/help", "help", None, None),
    ("hướng dẫn", "help", None, None),
    ("huong dan su dung", "help", None, None),
    ("trợ giúp", "help", None, None),
    ("help", "help", None, None),
    ("làm sao để báo cáo?", "help", None, None),
    ("xin chào", "greeting", None, None),
    ("Chào bot", "greeting", None, None),
    ("hello", "greeting", None, None),
    ("hi", "greeting", None, None),
    ("alo", "greeting", None, None),
    ("cảm ơn", "thanks", None, None),
    ("cam on nhieu", "thanks", None, None),
    ("thanks!", "thanks", None, None),
    ("thank you", "thanks", None, None),
    ("tks", "thanks", None, None),
    # updates with a number
    ("2.2: đã trình UBND tỉnh", "update", "2.2", "đã trình UBND tỉnh"),
    ("2.2: da trinh UBND tinh", "update", "2.2", "da trinh UBND tinh"),
    ("nv 2.2 xong", "update", "2.2", "xong"),
    ("NV2.2 xong", "update", "2.2", "xong"),
    ("Nhiệm vụ 2.2 vướng mắc về vốn", "update", "2.2", "vướng mắc về vốn"),
    ("nhiem vu 2.2 vuong mac ve von", "update", "2.2", "vuong mac ve von"),
    ("update 2.2: done", "update", "2.2", "done"),
    ("Cập nhật 2.8 xong", "update", "2.8", "xong"),
    ("cap nhat 2.2.1 - đang hoàn thiện hồ sơ", "update", "2.2.1", "đang hoàn thiện hồ sơ"),
    ("báo cáo 2.7.1: đã gửi đề xuất", "update", "2.7.1", "đã gửi đề xuất"),
    ("2.2.1 đã làm việc với Bộ Y tế", "update", "2.2.1", "đã làm việc với Bộ Y tế"),
    ("1.5: đã ban hành kế hoạch cải cách hành chính", "update", "1.5", None),
    ("task 2.3: submitted the proposal", "update", "2.3", "submitted the proposal"),
    ("2.2:", "update", "2.2", ""),
    ("2.2.2", "update", "2.2.2", ""),
    ("Nhiệm vụ số 2.4: đã phối hợp góp ý", "update", "2.4", "đã phối hợp góp ý"),
    ("mục 2.5 – đang triển khai", "update", "2.5", "đang triển khai"),
    ("/capnhat 2.2 đã trình", "update", "2.2", "đã trình"),
    ("/update 2.2.1: hoàn thành", "update", "2.2.1", "hoàn thành"),
    ("/capnhat đã trình hồ sơ", "update", None, "đã trình hồ sơ"),
    ("/capnhat nv 2.2 xong", "update", "2.2", "xong"),
    # updates without a number
    ("đã làm việc với Bộ Y tế về quy hoạch", "update", None, None),
    ("dang hoan thien ho so", "update", None, None),
    ("đã hoàn thành", "update", None, None),
    ("we are working on the proposal", "update", None, None),
    # undo, numbers, language
    ("huỷ", "undo", None, None),
    ("HUỶ", "undo", None, None),
    ("hủy", "undo", None, None),
    ("huy", "undo", None, None),
    ("undo", "undo", None, None),
    ("/huy", "undo", None, None),
    ("1", "number", None, None),
    ("3", "number", None, None),
    ("/lang en", "lang", None, None),
    ("tiếng anh", "lang", None, None),
    ("english", "lang", None, None),
    ("tieng viet", "lang", None, None),
    # registration
    ("/start AbCdEfGh_123", "start", None, None),
    ("/start", "start", None, None),
    # secretariat
    ("/tonghop", "digest", None, None),
    ("/digest 2021-Q1", "digest", None, None),
    ("tổng hợp", "digest", None, None),
    ("tong hop tinh hinh", "digest", None, None),
    ("ai chưa báo cáo", "digest", None, None),
    ("ai chua bao cao", "digest", None, None),
    ("đơn vị nào chưa báo cáo?", "digest", None, None),
    ("who hasn't reported", "digest", None, None),
    ("/baocao", "report", None, None),
    ("/baocao 2021-Q1", "report", None, None),
    ("xuất báo cáo tổng hợp", "report", None, None),
    # more ways people ask for their tasks and the deadline
    ("minh co nhung nv nao", "tasks", None, None),
    ("xem danh sach nv", "tasks", None, None),
    ("Dạ, nhiệm vụ của em là gì ạ?", "tasks", None, None),
    ("what are we assigned", "tasks", None, None),
    ("khi nao phai nop bao cao", "deadline", None, None),
    ("how many days left", "deadline", None, None),
    ("ngày nào hết hạn", "deadline", None, None),
    ("hạn?", "deadline", None, None),
    ("hdsd", "help", None, None),
    # a short question about one task is not an update: it is answered about that task
    ("nhiệm vụ 2.2 xong chưa", "question", "2.2", None),
    ("2.2 thế nào rồi", "question", "2.2", None),
    ("2.2 xong chưa?", "question", "2.2", None),
    ("tình hình nhiệm vụ 2.2", "question", "2.2", None),
    # numbered updates after a greeting or a polite lead-in, abbreviations, a decimal comma
    ("Hi, 2.2 is done", "update", "2.2", "is done"),
    ("chào bạn, 2.2 đã xong", "update", "2.2", "đã xong"),
    ("Dạ em xin báo cáo: 2.2 đã trình UBND tỉnh", "update", "2.2", "đã trình UBND tỉnh"),
    ("bc 2.2: da trinh", "update", "2.2", "da trinh"),
    ("BC NV 2.2 xong", "update", "2.2", "xong"),
    ("2,2: đã trình hồ sơ", "update", "2.2", "đã trình hồ sơ"),
    ("nv 2,2 - xong", "update", "2.2", "xong"),
    ("2.2 - hoan thanh", "update", "2.2", "hoan thanh"),
    ("tiến độ 2.2: đạt 50% khối lượng", "update", "2.2", "đạt 50% khối lượng"),
    (
        "2.2: đã trình, khi nào tỉnh phê duyệt?",
        "update",
        "2.2",
        "đã trình, khi nào tỉnh phê duyệt?",
    ),
    # "nhiệm vụ 2.2" further in: the whole message is the update, verbatim
    (
        "Về nhiệm vụ 2.2, sở đã trình UBND tỉnh",
        "update",
        "2.2",
        "Về nhiệm vụ 2.2, sở đã trình UBND tỉnh",
    ),
    ("Dạ em báo cáo nhiệm vụ 2.2 đã trình UBND tỉnh ạ", "update", "2.2", "đã trình UBND tỉnh ạ"),
    (
        "Đã trình UBND tỉnh hồ sơ của nhiệm vụ 2.2",
        "update",
        "2.2",
        "Đã trình UBND tỉnh hồ sơ của nhiệm vụ 2.2",
    ),
    ("tôi muốn cập nhật nhiệm vụ 2.2", "update", "2.2", ""),
    # statements of work that mention deadlines, tasks or reports are still updates
    ("đã hoàn thành đúng hạn", "update", None, "đã hoàn thành đúng hạn"),
    ("đang triển khai, còn hạn chế về nhân lực", "update", None, None),
    ("đã triển khai các nhiệm vụ được giao", "update", None, None),
    ("đã tổng hợp báo cáo gửi Sở KH&ĐT", "update", None, None),
    ("1,5 tỷ đồng đã giải ngân", "update", None, "1,5 tỷ đồng đã giải ngân"),
    # a wish to report without its content: how to report, nothing recorded
    ("tôi muốn cập nhật tiến độ", "update", None, ""),
    ("cap nhat tien do", "update", None, ""),
    ("báo cáo", "update", None, ""),
    ("/capnhat", "update", None, ""),
    # acknowledgements: a short answer, never an update
    ("dạ vâng ạ", "ack", None, None),
    ("da vang a", "ack", None, None),
    ("đã nhận", "ack", None, None),
    ("oke", "ack", None, None),
    ("👍", "ack", None, None),
    # undo, more forms
    ("xoá", "undo", None, None),
    ("xóa cập nhật vừa gửi", "undo", None, None),
    ("huỷ bỏ", "undo", None, None),
    # questions that are not updates
    ("đã có ai báo cáo chưa", "unknown", None, None),
    ("xin gia hạn", "unknown", None, None),
    # unknown
    ("/foo", "unknown_command", None, None),
    ("trời hôm nay đẹp quá", "unknown", None, None),
    ("ok", "ack", None, None),
    ("", "unknown", None, None),
]


def test_at_least_eighty_cases() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize(("message", "kind", "task", "body"), CASES)
def test_understanding(message: str, kind: str, task: str | None, body: str | None) -> None:
    intent = understand(message)
    assert intent.kind == kind, intent
    if kind in ("update", "question"):
        assert intent.task == task
        if body is not None:
            assert intent.body == body
    else:
        assert intent.task is None


def test_long_repetitive_messages_are_understood_at_once() -> None:
    """A pasted message that repeats keywords must not freeze the bot (regex backtracking)."""
    started = time.perf_counter()
    assert understand("cập nhật " * 26 + "x").kind == "unknown"  # took ~15 s once
    assert time.perf_counter() - started < 1.0
    messages = [
        "cập nhật " * 400 + "x",
        "nhiệm vụ số " * 300 + "x",
        "chào, ok, em " * 300 + "2.2: xong",
        "tôi muốn " * 400 + "x",
        "2,2 " * 900 + ":",
    ]
    started = time.perf_counter()
    kinds = [understand(message[:4000]).kind for message in messages]
    assert time.perf_counter() - started < 2.0
    assert kinds == ["unknown", "unknown", "update", "unknown", "unknown"]


def test_arguments() -> None:
    assert understand("/start AbCdEfGh_123").argument == "AbCdEfGh_123"
    assert understand("/lang en").argument == "en"
    assert understand("/digest 2021-Q1").argument == "2021-Q1"
    assert understand("ai chưa báo cáo").missing_only is True
    assert understand("/tonghop").missing_only is False
    assert understand("/baocao 2021-Q1").argument == "2021-Q1"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("xong", "completed"),
        ("đã hoàn thành", "completed"),
        ("Hoàn thành việc trình hồ sơ", "completed"),
        ("done", "completed"),
        ("vướng mắc về vốn", "blocked"),
        ("gặp khó khăn trong giải phóng mặt bằng", "blocked"),
        ("chưa có vốn", "blocked"),
        ("chua co von", "blocked"),
        ("đã xong phần hồ sơ nhưng vướng mắc về vốn", "blocked"),
        ("đang triển khai", "in_progress"),
        ("chưa hoàn thành, đang làm", "in_progress"),
        ("đã trình UBND tỉnh", "in_progress"),
    ],
)
def test_status_from_words(text: str, status: str) -> None:
    assert classify_status(text) == status
