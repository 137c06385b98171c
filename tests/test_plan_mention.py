"""A plan's code typed in a message is found and cut out before the message is understood."""

from __future__ import annotations

import pytest

from bot.text import compact
from handlers.plans import split_plan

CODES = {"kh38": "seed", "zika": "epidemic", "ct20": "projects", "kh122022": "digital"}


def lookup(typed: str) -> str | None:
    return CODES.get(compact(typed))


@pytest.mark.parametrize(
    ("text", "plan", "rest"),
    [
        ("kh38 2.2 xong", "seed", "2.2 xong"),
        ("KH38: 2.2 đang triển khai", "seed", "2.2 đang triển khai"),
        ("Kế hoạch kh38, 2.2 xong", "seed", "2.2 xong"),
        ("ke hoach zika: 2.1 da xong", "epidemic", "2.1 da xong"),
        ("kh 38 2.2 xong", "seed", "2.2 xong"),
        ("2.2 kh38: xong", "seed", "2.2 xong"),
        ("2.2 (zika): đã giám sát", "epidemic", "2.2 đã giám sát"),
        ("2.2 kế hoạch zika: xong", "epidemic", "2.2 xong"),
        ("2.2: xong (zika)", "epidemic", "2.2: xong"),
        ("2.2 xong, kh38", "seed", "2.2 xong"),
        ("ct20 - 2.2 đã tổng hợp", "projects", "2.2 đã tổng hợp"),
        ("kh12-2022 2.1 xong", "digital", "2.1 xong"),
        ("/tonghop kh38", "seed", "/tonghop"),
        ("/tonghop ZIKA tháng 3/2026", "epidemic", "/tonghop tháng 3/2026"),
        ("zika", "epidemic", ""),
    ],
)
def test_a_named_plan_is_found_and_cut_out(text: str, plan: str, rest: str) -> None:
    mention = split_plan(text, lookup)
    assert mention is not None
    assert (mention.plan_id, mention.rest) == (plan, rest)


@pytest.mark.parametrize(
    "text",
    [
        "2.2: đã giám sát dịch zika",  # a word of the report, not set apart: not the plan
        "2.2 đã xong",
        "nv 2.2 xong rồi",
        "đã trình UBND tỉnh hồ sơ 38",
        "",
    ],
)
def test_no_plan_is_taken_from_the_words_of_a_report(text: str) -> None:
    assert split_plan(text, lookup) is None
