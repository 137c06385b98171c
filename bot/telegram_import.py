"""Import python-telegram-bot without the ``cryptography`` library its Telegram Passport uses.

``telegram/__init__`` imports ``telegram._passport.credentials``, which imports ``cryptography``
(OpenSSL in a Rust extension) whenever it is installed, to decrypt Telegram Passport data. It is
installed here because pdfminer (pdfplumber, the plan importer) needs it for encrypted PDFs, so
every ``planbot run`` paid about 7.7 MiB of resident memory and 20 ms of CPU for a feature planbot
never uses (BENCHMARKS.md, fifth session). :func:`import_telegram` imports ``telegram`` with
``cryptography`` refused, as if it were not installed (PTB then disables only Passport
decryption), and stops refusing at once: a later ``import cryptography`` (pdfminer, when a plan
PDF arrives) loads it as usual.

:mod:`bot.runtime` imports this module before anything that imports ``telegram``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

REFUSED = "cryptography"


class _RefuseCryptography(importlib.abc.MetaPathFinder):
    """A finder that makes ``cryptography`` (and its submodules) look not installed."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == REFUSED or fullname.startswith(REFUSED + "."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def import_telegram() -> None:
    """Import ``telegram`` without ``cryptography`` (nothing to do if either is imported)."""
    if "telegram" in sys.modules or REFUSED in sys.modules:
        return
    finder = _RefuseCryptography()
    sys.meta_path.insert(0, finder)
    try:
        import telegram  # noqa: F401 (imported for its side effect: sys.modules)
    finally:
        sys.meta_path.remove(finder)


import_telegram()
