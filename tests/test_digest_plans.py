"""Per-plan digests and reports, and the overview across plans, as the secretariat reads them:
`planbot digest --plan`, `planbot digest --all`, `planbot report --plan`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from bot.bootstrap import Services, bootstrap
from bot.cli import app
from bot.clock import FrozenClock
from bot.overview import build_overview
from bot.plan import parse_plan
from bot.planstore import sync_plan
from bot.updates import file_report
from tests.conftest import local, make_settings
from tests.support.plans import SECOND_ID, SEED_ID, second_document

AT = "2022-03-22T09:00"


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={**env, "COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def two_plans(tmp_path: Path) -> Iterator[tuple[Services, dict[str, str]]]:
    """The seed plan (quarterly) and kh12 (monthly), with reports in March 2022: Sở Y tế
    reports everything of kh12 (one item blocked), and only its own 2.2.1 of the seed plan."""

    url = f"sqlite:///{tmp_path / 'data' / 'planbot.db'}"
    settings = make_settings(tmp_path, url)
    services = bootstrap(settings, clock=FrozenClock(local(2022, 1, 1, 8)))
    document = second_document()
    sync_plan(services.db, parse_plan(document), document, local(2022, 1, 11, 9))
    services.reload_plan()

    def report(plan_id: str, task: str, agency: str, text: str, day: int) -> None:
        plan = services.plans[plan_id]
        file_report(
            services.db,
            plan,
            services.plans.calendar(plan_id),
            task_id=task,
            agency_id=agency,
            user_id=None,
            text=text,
            now=local(2022, 3, day, 10),
            # A reply to March's reminder (kh12 owes February too, a late window away).
            context_period="2022-M03" if plan_id == SECOND_ID else None,
        )

    report(SECOND_ID, "1.1", "so-y-te", "Đã tuyên truyền trên cổng thông tin", 2)
    report(SECOND_ID, "2.1", "so-y-te", "Vướng mắc: chưa có kinh phí triển khai nền tảng", 3)
    report(SEED_ID, "2.2.1", "so-y-te", "Đã hoàn thành việc cấp phép", 4)
    env = {"PLANBOT_DATA_DIR": str(tmp_path / "data"), "PLANBOT_DATABASE_URL": url}
    yield services, env
    services.db.dispose()


def test_the_overview_shows_each_plan_in_its_own_round(
    two_plans: tuple[Services, dict[str, str]],
) -> None:
    services, _ = two_plans
    with services.db.session() as session:
        overview = build_overview(session, services.plans, local(2022, 3, 22, 9))
    kh12, seed = overview.plans
    assert (kh12.code, kh12.digest.round.id) == ("kh12", "2022-M03")
    assert (seed.code, seed.digest.round.id) == ("tb38", "2022-Q1")
    assert "so-y-te" not in {u.agency_id for u in kh12.missing_units}  # it reported everything
    assert "so-y-te" in {u.agency_id for u in seed.missing_units}  # 2.2.1 only, not 1.1–1.9
    assert [item.task_id for item in kh12.blocked_items] == ["2.1"]
    assert seed.blocked_items == ()


def test_digest_all_is_the_overview_across_plans(
    two_plans: tuple[Services, dict[str, str]],
) -> None:
    _, env = two_plans
    code, out, _ = run(env, "digest", "--all", "--at", AT)
    assert code == 0
    assert out.startswith("TỔNG HỢP TẤT CẢ KẾ HOẠCH — 09:00 ngày 22/03/2022, 2 kế hoạch")
    kh12, seed = out.split("■ ")[1:]
    assert kh12.startswith("kh12 — Kế hoạch thực hiện chuyển đổi số năm 2022")
    assert "Tháng 3/2022, hạn trước thứ Sáu, ngày 25/03/2022: 1/17 đơn vị đã báo cáo." in kh12
    assert "⛔ Nhiệm vụ có vướng mắc (1):" in kh12
    assert "– 2.1 Nền tảng số y tế (Sở Y tế)" in kh12
    assert seed.startswith("tb38 — Kế hoạch triển khai thực hiện Thông báo số 38/TB-VPCP")
    assert "Quý I/2022, hạn trước Chủ nhật, ngày 20/03/2022: 0/17 đơn vị đã báo cáo." in seed
    assert "• Quá hạn (17): Sở KH&ĐT" in seed
    assert "• Không có vướng mắc." in seed

    # With several plans, `planbot digest` without --plan is the same overview.
    code, plain, _ = run(env, "digest", "--at", AT)
    assert code == 0
    assert plain.startswith("TỔNG HỢP TẤT CẢ KẾ HOẠCH")
    assert "Tổng hợp của một kế hoạch: planbot digest --plan kh12" in plain

    code, out, _ = run(env, "digest", "--all", "--at", AT, "--format", "json")
    data = json.loads(out)
    assert [p["code"] for p in data["plans"]] == ["kh12", "tb38"]
    assert data["plans"][0]["blocked"][0]["units"][0]["name"] == "Sở Y tế"


def test_one_plans_digest_counts_only_that_plan(
    two_plans: tuple[Services, dict[str, str]],
) -> None:
    _, env = two_plans
    code, out, _ = run(env, "digest", "--plan", "KH12", "--at", AT, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["plan"], data["plan_code"], data["round"]) == (SECOND_ID, "kh12", "2022-M03")
    units = {unit["agency"]: unit for unit in data["units"]}
    assert units["so-y-te"]["bucket"] == "on_time"

    code, out, _ = run(env, "digest", "--plan", "tb38", "--period", "2022-Q1", "--at", AT)
    assert code == 0
    assert out.startswith("TỔNG HỢP TÌNH HÌNH BÁO CÁO — Quý I/2022\nKế hoạch tb38: Kế hoạch")
    assert "2.1 Nền tảng số y tế" not in out  # kh12's blocked item is not the seed plan's

    code, _, err = run(env, "digest", "--period", "2022-Q1", "--at", AT)
    assert code == 2
    assert "Hãy chọn một kế hoạch bằng --plan" in err
    code, _, err = run(env, "digest", "--plan", "kh99")
    assert code == 2
    assert "Không có kế hoạch mã «kh99». Các kế hoạch: kh12, tb38." in err


def test_the_report_of_one_plan_is_that_plans_document(
    two_plans: tuple[Services, dict[str, str]], tmp_path: Path
) -> None:
    _, env = two_plans
    code, _, err = run(env, "report", "--at", AT)
    assert code == 2
    assert "Đang theo dõi 2 kế hoạch (kh12, tb38): chọn một kế hoạch bằng --plan." in err

    target = tmp_path / "kh12.docx"
    code, out, _ = run(env, "report", "--plan", "kh12", "--at", AT, "--output", str(target))
    assert code == 0
    assert "Tháng 3/2022" in out
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "chuyển đổi số năm 2022" in text
    assert "chưa có kinh phí triển khai nền tảng" in text
    assert "cấp phép" not in text  # the seed plan's report is not in kh12's document

    code, out, _ = run(env, "report", "--plan", "tb38", "--format", "md", "--at", AT)
    assert code == 0
    assert "Đã hoàn thành việc cấp phép" in out
    assert "chưa có kinh phí" not in out


def test_a_plan_with_one_general_task_names_it_alone(
    two_plans: tuple[Services, dict[str, str]],
) -> None:
    """kh12 has one general task (1.1): the digest says "Nhiệm vụ chung 1.1", not "1.1–1.1"."""
    _, env = two_plans
    code, out, _ = run(env, "digest", "--plan", "kh12", "--at", AT)
    assert code == 0
    assert "• Nhiệm vụ chung 1.1: 1/17 đơn vị đã báo cáo" in out
    assert "1.1–1.1" not in out
