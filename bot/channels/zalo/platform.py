"""Facts of the Zalo Bot Platform that several parts of the channel rely on."""

from __future__ import annotations

from datetime import timedelta

CHANNEL = "zalo"
MAX_TEXT = 2000  # sendMessage text is 1-2,000 characters
SECRET_HEADER = "X-Bot-Api-Secret-Token"
WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX = 8, 256
IDLE_ERROR_CODE = 408  # an idle long poll, not an error
DEFAULT_POLL_TIMEOUT = 30
DEFAULT_RETRY_AFTER = 30.0
PROCESSED_KEEP = timedelta(days=7)  # how long a message id is remembered for de-duplication
