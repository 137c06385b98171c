"""Renderers of a :class:`bot.digest.Digest`: chat text, Markdown, .docx, .xlsx and a PNG chart."""

from __future__ import annotations

from bot.reports.chart import PNG_MIME, render_chart_png
from bot.reports.excel import XLSX_MIME, render_xlsx
from bot.reports.markdown import render_markdown
from bot.reports.text import render_headline, render_missing, render_text
from bot.reports.word import DOCX_MIME, render_docx

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
