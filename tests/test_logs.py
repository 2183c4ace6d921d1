"""No secret and no patient's data in the log: the token, statement parameters and the rows
PostgreSQL repeats in its errors are masked in every line, tracebacks included."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError

from mesobot.care.models import ReactionReport
from mesobot.db import Database
from mesobot.logs import JsonFormatter, MaskingFormatter

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
REPORT = "my cheek turned grey after the second session"


def _logged(formatter: logging.Formatter, emit: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        emit(logger)  # type: ignore[operator]
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_token_is_masked_in_messages_and_tracebacks() -> None:
    """A URL with the token, logged as text and inside an exception's traceback."""

    def emit(logger: logging.Logger) -> None:
        logger.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            logger.exception("start failed")

    text = _logged(MaskingFormatter([TOKEN]), emit)
    assert TOKEN not in text
    assert "getMe" in text
    assert "Traceback" in text
    assert "[hidden]" in text


async def test_a_failed_insert_logs_neither_the_parameters_nor_the_row(database: Database) -> None:
    """A report without its patient violates NOT NULL; on PostgreSQL the error's detail
    repeats the row, and SQLAlchemy would append the parameters: the log line holds neither."""
    row = {"signs": ["necrosis"], "description": REPORT, "created_at": datetime.now(UTC)}
    with pytest.raises(DBAPIError) as failure:
        async with database.write() as session:
            await session.exec(insert(ReactionReport.__table__).values(**row))  # type: ignore[attr-defined]
    assert REPORT not in str(failure.value)  # the engine hides the parameters itself

    def emit(logger: logging.Logger) -> None:
        logger.error("Failed to handle update 1 (message)", exc_info=failure.value)

    for formatter in (MaskingFormatter([TOKEN]), JsonFormatter([TOKEN])):
        text = _logged(formatter, emit)
        assert "IntegrityError" in text
        assert REPORT not in text
        assert text.count("\n") == 1  # one line for the event, traceback included


def _events(text: str) -> list[dict[str, object]]:
    """Every line of `text` as a JSON object (failing on any line that is not one)."""
    lines = text.splitlines()
    events = [json.loads(line) for line in lines]
    assert all(isinstance(event, dict) for event in events)
    return events


def test_json_logs_are_one_object_per_line_with_level_logger_message_and_time() -> None:
    def emit(logger: logging.Logger) -> None:
        logger.info("mesobot started as @%s", "clinic_bot")
        logger.warning("a message\nover two lines, with the token %s", TOKEN)
        try:
            raise ValueError(f"bad answer from https://api.telegram.org/bot{TOKEN}/getMe")
        except ValueError:
            logger.exception("start failed")

    text = _logged(JsonFormatter([TOKEN]), emit)
    assert TOKEN not in text
    started, warned, failed = _events(text)
    assert started["level"] == "INFO"
    assert started["logger"] == "tests.logs"
    assert started["message"] == "mesobot started as @clinic_bot"
    when = datetime.fromisoformat(str(started["time"]))
    assert when.utcoffset() is not None
    assert abs(datetime.now(UTC) - when).total_seconds() < 60
    assert warned["level"] == "WARNING"
    assert warned["message"] == "a message\nover two lines, with the token [hidden]"
    assert failed["level"] == "ERROR"
    assert "Traceback" in str(failed["exception"])
    assert "[hidden]" in str(failed["exception"])


def test_text_logs_are_one_line_per_event() -> None:
    def emit(logger: logging.Logger) -> None:
        try:
            raise ValueError("first line\nsecond line")
        except ValueError:
            logger.exception("failed")
        logger.info("next")

    failed, following = _logged(MaskingFormatter([TOKEN]), emit).splitlines()
    assert "ERROR tests.logs: failed\\nTraceback" in failed
    assert "first line\\nsecond line" in failed
    assert following.endswith("INFO tests.logs: next")
