"""Start-up failures as one line for the operator: the setting to fix, never a traceback or a token.

``planbot run`` and ``planbot remind`` need a database, a plan and (for sending) a platform that
accepts the token. When one of them is missing the command ends with one Vietnamese line that
names the ``PLANBOT_*`` setting, and a non-zero exit code (2: a setting to fix; 1: the bot
stopped while running), so a supervisor notices and a person knows what to do.
"""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.bootstrap import Services, bootstrap
from bot.config import Settings
from bot.i18n import translator
from bot.logs import RedactingFilter
from bot.plan import PlanError


def _fail(message: str, code: int = 2) -> NoReturn:
    from bot.cli.common import fail

    fail(message, code=code)


def startup_services(current: Settings) -> Services:
    """``bootstrap`` with its failures told in one line (exit 2)."""
    from bot.cli.common import report_plan_error

    try:
        return bootstrap(current)
    except PlanError as error:
        report_plan_error(error)
    except Exception as error:
        problem = database_problem(error, current)
        if problem is None:
            raise
        _fail(problem)


def safe_database_url(current: Settings) -> str:
    """The database URL without its password."""
    try:
        return make_url(current.resolved_database_url).render_as_string(hide_password=True)
    except Exception:
        return "?"


def database_problem(error: BaseException, current: Settings) -> str | None:
    """One line for a database that cannot be used (None: not a database error)."""
    if not isinstance(error, SQLAlchemyError | OSError):
        return None
    _ = translator(current.locale).gettext
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    detail = RedactingFilter(current.secret_values()).redact(reason[0] if reason else "")
    return _(
        "Cannot use the database (PLANBOT_DATABASE_URL={url}): {detail}. Check that the "
        "database server runs and the address, user and password are right."
    ).format(url=safe_database_url(current), detail=detail[:300])


def start_problem(kind: str, current: Settings, cause: BaseException | None = None) -> str:
    """One line for a platform that refused to start: "token", "network" or "polling"."""
    _ = translator(current.locale).gettext
    if kind == "token":
        return _(
            "Telegram refused the token (PLANBOT_TELEGRAM_TOKEN): copy the token again from "
            "@BotFather (/mybots → API Token) and start planbot again."
        )
    if kind == "polling":
        return _(
            "Telegram refused the token while receiving messages (PLANBOT_TELEGRAM_TOKEN): the "
            "bot stopped so that it is not left running deaf. Fix the token (a new one from "
            "@BotFather?) and start planbot again."
        )
    reason = type(cause).__name__ if cause is not None else ""
    return _(
        "Cannot reach the Telegram server (PLANBOT_TELEGRAM_API_URL={url}){reason}: check the "
        "network or the address, then start planbot again."
    ).format(url=current.telegram_api_url, reason=f" ({reason})" if reason else "")
