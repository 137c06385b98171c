"""A file that is not a readable plan gets a clear Vietnamese message, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "PLANBOT_DATA_DIR": str(tmp_path / "data"),
        "PLANBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'planbot.db'}",
    }


def _import(env: dict[str, str], path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["plan", "import", str(path)], env=env)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ke-hoach.docx", b"this is not a zip archive", "Không đọc được tệp «ke-hoach.docx»"),
        ("ke-hoach.pdf", b"%PDF-1.4 broken", "Không đọc được tệp «ke-hoach.pdf»"),
        ("ke-hoach.xls", b"anything", "không phải tệp kế hoạch planbot đọc được"),
        ("ke-hoach.txt", b"\xff\xfe\x00\x00garbage", "Không đọc được tệp «ke-hoach.txt»"),
        ("ke-hoach.txt", b"   \n\n", "không có nội dung chữ"),
        ("ke-hoach.txt", "Hôm nay trời đẹp.\n".encode(), "Không tìm thấy nhiệm vụ đánh số"),
    ],
)
def test_bad_file_exit_2_nothing_written(
    env: dict[str, str], tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, err = _import(env, path)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_missing_file(env: dict[str, str], tmp_path: Path) -> None:
    code, err = _import(env, tmp_path / "khong-co.docx")
    assert code == 2
    assert "Không có tệp «khong-co.docx»" in err
