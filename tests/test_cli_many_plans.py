"""The command line with three plans followed (the seed tb38, zika and ct20), as a user sees it.

``planbot schedule``: every plan's reminders, by time, with the plan's code; ``--plan CODE``
narrows to one plan (expectations come from each plan's rule). ``planbot plan list`` in an
80-column terminal: no date or count cut, each plan's row at most two lines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

DATA = Path(__file__).parent / "data"
ZIKA = DATA / "plan_phong_chong_dich_zika.json"  # before day 25, every month
CT20 = DATA / "plan_du_an_cham_trien_khai.json"  # before 05/06 and 05/12


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'planbot.db'}",
        "PLANBOT_REMINDER_DAYS": "[7, 3, 1]",
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def three(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The seed (tb38, loaded at first start) plus two more plans, loaded as a user does."""
    assert run(env, "plan", "list")[0] == 0
    for source in (ZIKA, CT20):
        copy = shutil.copy(source, tmp_path / source.name)
        code, out, err = run(env, "plan", "load", str(copy))
        assert code == 0, out + err
    code, out, _ = run(env, "plan", "list", "-f", "json")
    assert sorted(p["code"] for p in json.loads(out)) == ["ct20", "tb38", "zika"]
    return env


def test_every_followed_plan_is_listed_in_time_order(three: dict[str, str]) -> None:
    code, out, err = run(three, "schedule", "--year", "2026", "-f", "json")
    assert code == 0, err
    listed = json.loads(out)
    plans = {entry["plan"] for entry in listed}
    assert plans == {"tb38", "zika", "ct20"}
    moments = [entry["at"] for entry in listed]
    assert moments == sorted(moments)
    # Each plan's own due days: tb38 day 20 of quarter ends, zika day 25 monthly, ct20 day 5.
    dues = {p: {e["due"][5:] for e in listed if e["plan"] == p} for p in plans}
    assert {"03-20", "06-20", "09-20", "12-20"} <= dues["tb38"]
    assert {f"{m:02d}-25" for m in range(1, 13)} <= dues["zika"]
    assert {"06-05", "12-05"} <= dues["ct20"]
    assert not any(d.endswith("-20") for d in dues["zika"] | dues["ct20"])
    # The one plan's schedule is unchanged by the others.
    code, out, _ = run(three, "schedule", "--year", "2026", "--plan", "kh38", "-f", "json")
    assert code == 2  # tb38's code is tb38, not kh38
    code, alone, _ = run(three, "schedule", "--year", "2026", "--plan", "TB38", "-f", "json")
    assert code == 0
    tb38 = [{k: v for k, v in e.items() if k != "plan"} for e in listed if e["plan"] == "tb38"]
    assert json.loads(alone) == tb38
    assert all("plan" not in e for e in json.loads(alone))


def test_the_table_has_a_plan_column_sorted_by_time(three: dict[str, str]) -> None:
    code, out, err = run(three, "schedule", "--from", "2026-06-01", "--to", "2026-06-30")
    assert code == 0, err
    assert "Mã" in out
    rows = [line for line in out.splitlines() if re.search(r"\b(tb38|zika|ct20)\b", line)]
    codes = [re.search(r"\b(tb38|zika|ct20)\b", line).group(1) for line in rows]  # type: ignore[union-attr]
    assert set(codes) == {"tb38", "zika", "ct20"}
    days = [re.search(r"(\d\d)/06/2026", line).group(1) for line in rows]  # type: ignore[union-attr]
    assert days == sorted(days)
    assert codes[0] == "ct20"  # before 05/06 comes first in June


def test_narrowing_to_one_plan_and_an_unknown_code(three: dict[str, str]) -> None:
    code, out, _ = run(three, "schedule", "--year", "2026", "--plan", "zika")
    assert code == 0
    assert "/01/2026" in out  # zika reports monthly; tb38 and ct20 have no January round
    assert "tb38" not in out
    assert "ct20" not in out
    assert "Mã" not in out  # one plan: no plan column
    code, out, err = run(three, "schedule", "--year", "2026", "--plan", "kh99")
    assert code == 2
    assert "Không có kế hoạch mã «kh99»" in err
    for known in ("tb38", "zika", "ct20"):
        assert known in err
    assert out == ""


def test_with_one_plan_the_schedule_reads_as_before(env: dict[str, str]) -> None:
    code, out, _ = run(env, "schedule", "--year", "2021")
    assert code == 0
    assert "Lịch nhắc báo cáo" in out
    assert "tb38" not in out  # no plan column with one plan
    assert "Mã" not in out


def _rows(table: str) -> dict[str, list[str]]:
    """The lines of each plan's row in a rendered table, by the code in its first cell."""
    rows: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in table.splitlines():
        first = re.match(r"^│ (\S*) +│", line)
        if first is None:
            current = None
            continue
        if first.group(1):
            current = rows.setdefault(first.group(1), [])
        if current is not None:
            current.append(line)
    return rows


DATE = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


def test_plan_list_is_readable_at_80_columns(three: dict[str, str]) -> None:
    narrow = {**three, "COLUMNS": "80"}
    code, out, err = run(narrow, "plan", "retire", "zika")
    assert code == 0, err
    code, out, _ = run(narrow, "plan", "list")
    assert code == 0
    assert all(len(line) <= 80 for line in out.splitlines())
    rows = _rows(out)
    assert set(rows) == {"tb38", "zika", "ct20"}
    for plan, lines in rows.items():
        assert len(lines) <= 2, (plan, lines)
        assert "…" not in lines[0]  # nothing cut on the first line: code, counts, dates whole
    assert len(DATE.findall(rows["zika"][0])) == 2  # loaded and retired, both whole
    for plan in ("tb38", "ct20"):
        assert len(DATE.findall(rows[plan][0])) == 1
    assert re.search(r"│ +24 │ +17 │", rows["tb38"][0])  # tasks and units, whole
    assert "KẾ HOẠCH TRIỂN KHAI" in rows["tb38"][0]  # the title starts on the row's first line
    assert "…" in rows["tb38"][-1]  # and a long one ends with an ellipsis on its second
    assert "planbot plan list --wide" in out  # where the rule and the issuer are


def test_plan_list_wide_keeps_every_column(three: dict[str, str]) -> None:
    code, out, _ = run({**three, "COLUMNS": "80"}, "plan", "list", "--wide")
    assert code == 0
    assert "Quy" in out  # "Quy định báo cáo", wrapped in 80 columns
    assert "hằng" in out  # zika's rule, "trước ngày 25 hằng tháng"
    code, out, _ = run({**three, "COLUMNS": "200"}, "plan", "list", "--active")
    assert code == 0
    assert "trước ngày 25 hằng tháng" in out  # zika's rule, in one line at 200 columns
    rows = _rows(out)
    assert all(len(lines) <= 2 for lines in rows.values())
    assert all(len(DATE.findall(lines[0])) == 1 for lines in rows.values())
