"""Retention: each limit holds a row the day before it and removes it the day after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from mesobot.db import Database
from mesobot.outbox.calls import CALL
from mesobot.outbox.models import MessageState, OutboxMessage
from mesobot.privacy.retention import enforce_retention
from mesobot.privacy.settings import RetentionSettings

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LIMITS = RetentionSettings()


async def _sent_message(database: Database) -> int:
    async with database.write() as session:
        message = OutboxMessage(
            recipient=111,
            kind=CALL,  # the one kind whose payload holds words (a reply's text)
            payload={"text": "free text"},
            due_at=START,
            next_attempt_at=START,
            state=MessageState.SENT,
            idempotency_key="retention-test",
            created_at=START,
            sent_at=START,
        )
        session.add(message)
        await session.flush()
        assert message.id is not None
        return message.id


async def _run(database: Database, now: datetime) -> OutboxMessage | None:
    async with database.write() as session:
        await enforce_retention(session=session, limits=LIMITS, now=now)
    async with database.read() as session:
        return (await session.exec(select(OutboxMessage))).first()


async def test_sent_payload_emptied_after_its_days_and_row_purged_after_its_days(
    database: Database,
) -> None:
    await _sent_message(database)
    day = timedelta(days=1)
    payload_limit = START + timedelta(days=LIMITS.message_payload_days)
    row_limit = START + timedelta(days=LIMITS.delivered_message_days)

    before_payload = await _run(database, payload_limit - day)
    assert before_payload is not None
    assert before_payload.payload == {"text": "free text"}
    after_payload = await _run(database, payload_limit + day)
    assert after_payload is not None
    assert after_payload.payload == {}
    assert await _run(database, row_limit - day) is not None
    assert await _run(database, row_limit + day) is None
