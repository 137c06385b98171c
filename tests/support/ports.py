"""Ports for tests that need one nobody listens on, or one a child process is told to bind.

A port taken with ``bind(("127.0.0.1", 0))`` and closed again goes back to the kernel's ephemeral
range, where the next ``bind(0)`` of another test running at the same time (pytest-xdist's other
worker, a fake server) may take it before this test uses it. These ports come from below that
range (Linux hands out 32768-60999 unless told otherwise), from a block of their own for each
xdist worker, picked at random and checked free when handed out.
"""

from __future__ import annotations

import os
import random
import socket

_FIRST = 20_000
_BLOCK = 1_000
_BLOCKS = 12  # 20000-31999, below the kernel's ephemeral ports
_random = random.SystemRandom()  # not the seeded module state hypothesis resets


def _worker_index() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... or unset
    digits = worker.removeprefix("gw")
    return int(digits) % _BLOCKS if digits.isdigit() else 0


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now and that no other worker hands out."""
    low = _FIRST + _worker_index() * _BLOCK
    for _ in range(200):
        port = _random.randrange(low, low + _BLOCK)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {low} and {low + _BLOCK - 1}")
