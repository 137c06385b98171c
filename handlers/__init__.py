"""Platform-neutral conversation logic: one incoming message in, replies out."""

from handlers.core import ChatHandlers

__all__ = ["ChatHandlers"]
