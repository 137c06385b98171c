"""The phrase layer of understanding (bot/vocabulary/intents.tsv): what each kind of message
gives the router, the round named in a question, and linear time on adversarial text."""

from __future__ import annotations

import time

import pytest

from bot.lexicon import PhraseTable, load_table, tokens, words
from handlers.understanding import understand


def test_shorthand_and_teen_code_are_spelled_out() -> None:
    assert words("xog r, ko co vuong mac j") == ["xong", "roi", "khong", "co", "vuong", "mac", "gi"]
    assert words("nv 2.2 bc chua") == ["nhiem", "vu", "2.2", "bao", "cao", "chua"]
    assert words("đc") == ["duoc"]
    assert words("Chờ Bộ") == ["wait", "bo"]  # the diacritics say it is "to wait"
    assert tokens("70 %")[0].kind == "pct"


def test_several_tasks_each_with_its_own_text() -> None:
    intent = understand("2.3: Đã làm việc với Bộ GTVT; 2.4: đang hoàn thiện hồ sơ")
    assert intent.kind == "update"
    assert intent.items == (("2.3", "Đã làm việc với Bộ GTVT"), ("2.4", "đang hoàn thiện hồ sơ"))
    pasted = understand(
        "Sở GTVT báo cáo:\n1. Nhiệm vụ 2.3: đã hoàn thành.\n2. Nhiệm vụ 2.7.3: đang nghiên cứu."
    )
    assert pasted.items == (("2.3", "đã hoàn thành."), ("2.7.3", "đang nghiên cứu."))
    shared = understand("2.3 và 2.4 đều xong rồi")
    assert [task for task, _body in shared.items] == ["2.3", "2.4"]
    assert {body for _task, body in shared.items} == {"đều xong rồi"}


def test_one_task_with_numbered_paragraphs_is_one_update() -> None:
    intent = understand("2.3:\n1. Kết quả: đang làm.\n2. Khó khăn, vướng mắc: Không.")
    assert (intent.kind, intent.task, intent.items) == ("update", "2.3", ())


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("nv 2.2 ben minh da bc chua nhi?", "2.2"),
        ("2.2 là việc gì?", "2.2"),
        ("nv 2.2 hạn khi nào?", "2.2"),
        ("sao em bị nhắc 2.2?", "2.2"),
        ("mình đã báo cáo 2.3 chưa", "2.3"),
        ("có phải báo cáo 2.8 không", "2.8"),
    ],
)
def test_a_question_naming_a_task_is_never_an_update(text: str, task: str) -> None:
    intent = understand(text)
    assert (intent.kind, intent.task, intent.body) == ("question", task, None)


@pytest.mark.parametrize(
    "text",
    ["2.3 k co vuong mac j", "2.2: đã trình, khi nào tỉnh phê duyệt?", "2.8: khó khăn: không"],
)
def test_statements_ending_like_questions_stay_updates(text: str) -> None:
    assert understand(text).kind == "update"


@pytest.mark.parametrize(
    ("text", "task", "body"),
    [
        ("da xong 2.2.1", "2.2.1", "da xong"),
        ("hoàn thành rồi 2.2.1 nhé", "2.2.1", "hoàn thành rồi"),
    ],
)
def test_a_task_number_at_the_end(text: str, task: str, body: str) -> None:
    intent = understand(text)
    assert (intent.kind, intent.task, intent.body) == ("update", task, body)


def test_amounts_are_not_task_numbers() -> None:
    intent = understand("đã giải ngân 1.5 tỷ đồng")
    assert intent.task is None


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("hạn nộp bc năm 2021", "nam 2021"),
        ("han bc quy 3 2021", "quy 3 2021"),
        ("hạn báo cáo quý III/2021", "quy iii 2021"),
        ("hạn báo cáo 6 tháng", "6 thang"),
        ("khi nào hạn báo cáo", None),
    ],
)
def test_the_round_a_deadline_question_names(text: str, period: str | None) -> None:
    intent = understand(text)
    assert (intent.kind, intent.argument) == ("deadline", period)


@pytest.mark.parametrize(
    ("text", "kind", "argument"),
    [
        ("cho mình chuyển sang tiếng Anh", "lang", "en"),
        ("doi sang tieng viet", "lang", "vi"),
        ("còn thiếu gì", "owed", None),
        ("toi con thieu gi", "owed", None),
        ("đơn vị nào quá hạn", "overdue", None),
        ("việc nào đang vướng", "blocked_list", None),
        ("tình hình Sở Y tế", "unit_status", "Sở Y tế"),
        ("so gtvt bc chua", "unit_status", "so gtvt"),
    ],
)
def test_kinds_without_a_task(text: str, kind: str, argument: str | None) -> None:
    intent = understand(text)
    assert (intent.kind, intent.argument) == (kind, argument)


def test_ds_chua_bc_is_the_missing_list() -> None:
    intent = understand("ds chua bc")
    assert (intent.kind, intent.missing_only) == ("digest", True)


def test_vocabulary_is_data_and_a_phrase_may_carry_several_labels() -> None:
    table = load_table("intents.tsv")
    assert {"ask", "owed", "overdue", "which", "switch"} <= table.labels
    custom = PhraseTable([("a", "x y"), ("b", "x y"), ("c", "p … x")])
    found = custom.scan(tokens("p q x y"))
    assert [(m.label, m.start, m.end) for m in found] == [("c", 0, 3), ("a", 2, 4)]
    assert found[1].has("b")


def test_adversarial_messages_are_understood_in_linear_time() -> None:
    messages = [
        ("2.2: xong; " * 400)[:4000],
        ("2.2 " * 1000)[:4000],
        ("tình hình sở " * 400)[:4000],
        ("chưa? " * 700)[:4000],
        ("còn thiếu gì ds quá hạn " * 200)[:4000],
        ("nhiệm vụ 2.2, " * 300)[:4000],
    ]
    started = time.perf_counter()
    for message in messages:
        understand(message)
    assert time.perf_counter() - started < 3.0
