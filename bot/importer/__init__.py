"""Turn a published plan (.docx, .pdf, .txt) into a draft plan file for review."""

from bot.importer.core import ImportedTask, ImportResult, NewAgency, NoPlanFound, import_plan
from bot.importer.reader import SUPPORTED_SUFFIXES, UnreadableFile

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ImportResult",
    "ImportedTask",
    "NewAgency",
    "NoPlanFound",
    "UnreadableFile",
    "import_plan",
]
