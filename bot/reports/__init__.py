"""Renderers of a :class:`bot.digest.Digest`: chat text, Markdown, .docx, .xlsx and a PNG chart.

The .docx, .xlsx and PNG renderers load python-docx, openpyxl and matplotlib (together about
60 MiB and half a second) on their first call, not when this package is imported: a running bot
or a text digest that never draws a file does not pay for them (BENCHMARKS.md).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.reports.markdown import render_markdown
from bot.reports.mime import DOCX_MIME, PNG_MIME, XLSX_MIME
from bot.reports.text import render_headline, render_missing, render_text

if TYPE_CHECKING:
    from bot.digest import Digest
    from bot.i18n import Translator


def render_docx(digest: Digest, t: Translator, *, drafted_on: date | None = None) -> bytes:
    """The consolidated report as .docx bytes (:func:`bot.reports.word.render_docx`)."""
    from bot.reports import word

    return word.render_docx(digest, t, drafted_on=drafted_on)


def render_xlsx(digest: Digest, t: Translator) -> bytes:
    """The round as a workbook (:func:`bot.reports.excel.render_xlsx`)."""
    from bot.reports import excel

    return excel.render_xlsx(digest, t)


def render_chart_png(digest: Digest, t: Translator, *, dpi: int = 110) -> bytes:
    """The units' reporting states as a PNG (:func:`bot.reports.chart.render_chart_png`)."""
    from bot.reports import chart

    return chart.render_chart_png(digest, t, dpi=dpi)


__all__ = [
    "DOCX_MIME",
    "PNG_MIME",
    "XLSX_MIME",
    "render_chart_png",
    "render_docx",
    "render_headline",
    "render_markdown",
    "render_missing",
    "render_text",
    "render_xlsx",
]
