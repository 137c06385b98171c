"""Media types of the rendered files (kept apart so that naming one loads no renderer)."""

from __future__ import annotations

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG_MIME = "image/png"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
