"""Start ``planbot`` as an operator would: a separate process, configured by its environment."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path


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
