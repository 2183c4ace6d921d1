"""Logging for the bot process: one format, quiet libraries, and no secret or row in any line.

A log line may end up in a hosting provider's console or a support ticket. The bot token
would let anyone act as the clinic's bot, and a database error can repeat a patient's row, so
both are masked in the final text of every record, tracebacks included, rather than trusted
to every call site.

One line per event, whatever the format: a traceback's lines are joined with a literal `\n`,
so that journald, `grep` and log shippers never split one event into several. With
MESOBOT_LOG_FORMAT=json each line is one JSON object: `time` (ISO 8601, UTC), `level`,
`logger`, `message`, and `exception` when there is one.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

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
        return one_line(self.mask(super().format(record)))

    def mask(self, text: str) -> str:
        """`text` with every secret and row detail replaced."""
        for secret in self._secrets:
            text = text.replace(secret, HIDDEN)
        return _ROW_DETAILS.sub(lambda match: f"{match.group(1) or 'parameters:'} {HIDDEN}", text)


def one_line(text: str) -> str:
    """`text` on one line: line breaks written as a literal backslash-n."""
    return text.replace("\r", "").replace("\n", "\\n")


class JsonFormatter(MaskingFormatter):
    """One JSON object per line; every field masked before it is encoded."""

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.mask(record.getMessage()),
        }
        if record.exc_info:
            event["exception"] = self.mask(self.formatException(record.exc_info))
        elif record.exc_text:
            event["exception"] = self.mask(record.exc_text)
        if record.stack_info:
            event["stack"] = self.mask(self.formatStack(record.stack_info))
        # ensure_ascii keeps every line 7-bit, whatever a message holds; \n stays escaped.
        return json.dumps(event, ensure_ascii=True)


def configure_logging(
    *, secrets: Iterable[str], level: int = logging.INFO, log_format: str = "text"
) -> None:
    """Log to stderr at `level`, with every handler of the root logger masking `secrets`,
    one line per event, as text or (`log_format="json"`) JSON."""
    logging.basicConfig(level=level, format=FORMAT)
    formatter = JsonFormatter(secrets) if log_format == "json" else MaskingFormatter(secrets)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
