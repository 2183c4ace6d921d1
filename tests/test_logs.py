"""No secret and no patient's data in the log: the token, statement parameters and the rows
PostgreSQL repeats in its errors are masked in every line, tracebacks included."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError

from mesobot.care.models import ReactionReport
from mesobot.db import Database
from mesobot.logs import MaskingFormatter

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

    text = _logged(MaskingFormatter([TOKEN]), emit)
    assert "IntegrityError" in text
    assert REPORT not in text
