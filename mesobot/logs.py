"""Logging for the bot process: one format, quiet libraries, and no secret or row in any line.

A log line may end up in a hosting provider's console or a support ticket. The bot token
would let anyone act as the clinic's bot, and a database error can repeat a patient's row, so
both are masked in the final text of every record, tracebacks included, rather than trusted
to every call site.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "[hidden]"

# PostgreSQL repeats the offending row in an error's detail, and SQLAlchemy appends the
# statement's parameters; either may hold what a patient typed.
_ROW_DETAILS = re.compile(
    r"(Failing row contains|DETAIL:)[^\n]*|\[parameters: [^\n]*\]", re.IGNORECASE
)

# Libraries that log per request or per job run: at INFO their lines drown the bot's own, and
# httpx's request lines carry the token in the URL.
_CHATTY = ("httpx", "httpcore", "apscheduler.executors.default", "apscheduler.scheduler")


class MaskingFormatter(logging.Formatter):
    """A formatter that hides the given secrets and any database row detail."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))

    def mask(self, text: str) -> str:
        """`text` with every secret and row detail replaced."""
        for secret in self._secrets:
            text = text.replace(secret, HIDDEN)
        return _ROW_DETAILS.sub(lambda match: f"{match.group(1) or 'parameters:'} {HIDDEN}", text)


def configure_logging(*, secrets: Iterable[str], level: int = logging.INFO) -> None:
    """Log to stderr at `level`, with every handler of the root logger masking `secrets`."""
    logging.basicConfig(level=level, format=FORMAT)
    formatter = MaskingFormatter(secrets)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
