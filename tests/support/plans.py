"""Plan documents for tests of several plans: the seed plan and a second plan of the same
province with its own number, reporting rule and tasks (a task 2.2 of its own)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.bootstrap import Services, load_plan_file
from bot.clock import FrozenClock
from bot.plan import default_plan_path

SEED_ID = "tuyen-quang-tb38-2021"
SECOND_ID = "tuyen-quang-kh12-2022"


def seed_document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_plan_path().read_text(encoding="utf-8"))
    return data


def second_document(**plan: Any) -> dict[str, Any]:
    """A monthly-reported plan (before day 25 of every month, consolidated before day 28):
    tasks 1.1 (general), 2.1 (Sở Y tế leads) and 2.2 (Sở KH&ĐT leads, Sở Y tế coordinates)."""
    document = copy.deepcopy(seed_document())
    document["plan"].update(
        {
            "id": SECOND_ID,
            "title": "Kế hoạch thực hiện chuyển đổi số năm 2022",
            "number": "12/KH-UBND",
            "date": "2022-01-10",
        }
    )
    document["plan"].update(plan)
    document["tasks"] = [
        {
            "id": "1.1",
            "section": "II.1",
            "title": "Tuyên truyền chuyển đổi số",
            "text": "Các sở, ngành tuyên truyền về chuyển đổi số.",
            "general": True,
            "assignments": [],
        },
        {
            "id": "2.1",
            "section": "II.2",
            "title": "Nền tảng số y tế",
            "text": "Sở Y tế chủ trì triển khai nền tảng số y tế.",
            "general": False,
            "assignments": [{"agency": "so-y-te", "role": "lead"}],
        },
        {
            "id": "2.2",
            "section": "II.2",
            "title": "Dữ liệu đầu tư công",
            "text": "Sở Kế hoạch và Đầu tư chủ trì, Sở Y tế phối hợp.",
            "general": False,
            "assignments": [
                {"agency": "so-khdt", "role": "lead"},
                {"agency": "so-y-te", "role": "coordinate"},
            ],
        },
    ]
    units, consolidation = document["reporting"][0], document["reporting"][1]
    units.update({"day": 25, "months": list(range(1, 13)), "text": "Hằng tháng, trước ngày 25"})
    consolidation.update(
        {"day": 28, "months": list(range(1, 13)), "text": "Sở KH&ĐT tổng hợp trước ngày 28"}
    )
    return document


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


DATA = Path(__file__).resolve().parents[1] / "data"
THREE_CODES = ["ct20", "zika", "tb38"]  # newest first


def follow_three_plans(services: Services, clock: FrozenClock, at: datetime) -> Services:
    """The seed plan, then the epidemic plan ("zika", monthly) and the slow-projects plan
    ("ct20", twice a year) loaded one after the other at ``at``: three plans, newest first."""
    clock.set(at)
    for name in ("plan_phong_chong_dich_zika.json", "plan_du_an_cham_trien_khai.json"):
        load_plan_file(services.db, DATA / name, clock)
        clock.advance(timedelta(minutes=1))  # loaded one after the other: newest first
    services.reload_plan()
    assert [entry.code for entry in services.plans.entries] == THREE_CODES
    return services
