"""Start ``planbot`` as an operator would: a separate process, configured by its environment."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


async def start_planbot(
    *args: str,
    env: Mapping[str, str],
    cwd: Path | None = None,
    merge_stderr: bool = False,
    stdin: bool = False,
) -> asyncio.subprocess.Process:
    """``planbot ARGS...`` with stdout and stderr piped (or stderr merged into stdout).

    With ``stdin``, its standard input is a pipe too (write to it, or ``communicate(input)``).
    """
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bot.cli import main; main()",
        *args,
        env=dict(env),
        cwd=cwd,
        stdin=asyncio.subprocess.PIPE if stdin else None,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if merge_stderr else asyncio.subprocess.PIPE,
    )


def run_python(
    code: str, *, env: Mapping[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``python -c CODE`` in a fresh process from the repository's root, its output captured:
    what a command line imports or prints, untouched by what the test process has loaded."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env=dict(env) if env is not None else None,
        check=check,
    )
