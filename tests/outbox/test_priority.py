"""The dispatcher's lanes: alerts to staff go before any backlog, the most severe first, and
within a lane the earliest due goes first; a lane is the row's own, kept through retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import bindparam, text
from sqlmodel import col, select

from mesobot.clock import ManualClock
from mesobot.db import Database, UTCDateTime
from mesobot.migrate import alembic_config
from mesobot.outbox import claims
from mesobot.outbox.models import OutboxMessage, Priority
from tests.outbox.factories import RecordingSender, make_dispatcher, queue_text

LEASE = timedelta(minutes=1)


async def _claim(database: Database, clock: ManualClock, limit: int) -> list[str]:
    async with database.write() as session:
        claimed = await claims.claim_due_messages(
            session=session, now=clock.now(), lease=LEASE, limit=limit
        )
    return [str(row.payload["text"]) for row in claimed]


async def test_claims_take_the_lanes_in_order_then_the_earliest_due(
    database: Database, clock: ManualClock
) -> None:
    """A backlog due an hour ago waits for alerts queued just now, which go most severe first;
    an alert due later waits for its time, and the backlog goes oldest first."""
    start = clock.now()
    for minute in (30, 0, 10):  # queued out of order: the due time decides
        await queue_text(
            database,
            recipient=100 + minute,
            text=f"tip {minute}",
            due_at=start - timedelta(hours=1) + timedelta(minutes=minute),
            now=start,
        )
    lanes = [
        ("low alert", Priority.ALERT_LOW),
        ("emergency alert", Priority.ALERT_EMERGENCY),
        ("reply", Priority.REPLY),
        ("moderate alert", Priority.ALERT_MODERATE),
        ("high alert", Priority.ALERT_HIGH),
    ]
    for number, (message, lane) in enumerate(lanes):
        await queue_text(
            database, recipient=number + 1, text=message, due_at=start, now=start, priority=lane
        )
    await queue_text(
        database,
        recipient=50,
        text="emergency alert due later",
        due_at=start + timedelta(minutes=5),
        now=start,
        priority=Priority.ALERT_EMERGENCY,
    )
    assert await _claim(database, clock, limit=3) == ["emergency alert", "high alert", "reply"]
    assert await _claim(database, clock, limit=20) == [
        "moderate alert",
        "low alert",
        "tip 0",
        "tip 10",
        "tip 30",
    ]
    clock.advance(timedelta(minutes=5))
    assert await _claim(database, clock, limit=20) == ["emergency alert due later"]


async def test_a_retried_alert_keeps_its_lane_and_waits_for_its_time(
    database: Database, clock: ManualClock
) -> None:
    """A failed alert goes back to due later, still in its lane: once its time comes it goes
    before a backlog again; queueing its key again changes nothing."""
    start = clock.now()
    await queue_text(
        database, recipient=1, text="alert", due_at=start, now=start, priority=Priority.ALERT_HIGH
    )
    await queue_text(
        database, recipient=2, text="tip", due_at=start - timedelta(days=1), now=start
    )
    assert await _claim(database, clock, limit=1) == ["alert"]
    async with database.write() as session:
        alert_id = (
            await session.exec(select(OutboxMessage.id).where(col(OutboxMessage.recipient) == 1))
        ).one()
        assert alert_id is not None
        await claims.schedule_retry(
            session=session, message_id=alert_id, at=start + timedelta(minutes=1), error="5xx"
        )
    await queue_text(database, recipient=1, text="alert", due_at=start, now=start)  # same key
    await queue_text(database, recipient=3, text="tip 2", due_at=start, now=start)
    clock.advance(timedelta(minutes=1))
    assert await _claim(database, clock, limit=1) == ["alert"]
    assert await _claim(database, clock, limit=5) == ["tip", "tip 2"]


async def test_an_alert_queued_behind_a_backlog_leaves_in_the_first_batch(
    database: Database, clock: ManualClock
) -> None:
    """With 300 messages due at once, an alert queued after them is among the first sent."""
    start = clock.now()
    for number in range(300):
        await queue_text(
            database, recipient=1000 + number, text=f"tip {number}", due_at=start, now=start
        )
    await queue_text(
        database, recipient=7, text="alert", due_at=start, now=start, priority=Priority.ALERT_LOW
    )
    sender = RecordingSender()
    dispatcher = make_dispatcher(database, clock, sender)
    await dispatcher.drain()
    await dispatcher.stop()
    texts = [text for _chat, text in sender.sent]
    assert len(texts) == 301
    assert texts.index("alert") < claims.BATCH_CAP


def test_the_migration_puts_queued_alerts_in_their_lane_at_their_true_time(
    empty_database_url: str,
) -> None:
    """Rows queued before lanes existed: an alert put first by an early next_attempt_at goes
    first by its lane instead, at its due time; everything else is in the normal lane."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "badf7b011400")  # the revision before lanes
    due = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    insert = text(
        "INSERT INTO outbox_message (recipient, kind, payload, due_at, next_attempt_at, state, "
        "attempts, idempotency_key, created_at) VALUES "
        "(1, 'care.report_alert', '{}', :due, :early, 'due', 0, 'alert', :due), "
        "(2, 'care.preparation', '{}', :due, :due, 'due', 0, 'tip', :due)"
    ).bindparams(
        bindparam("due", due, type_=UTCDateTime()),
        # What urgent messages were given to put them first.
        bindparam("early", datetime(2000, 1, 1, tzinfo=UTC), type_=UTCDateTime()),
    )

    async def queue() -> None:
        database = Database(empty_database_url)
        async with database.write() as session:
            await session.exec(insert)
        await database.dispose()

    async def read() -> list[tuple[str, int, datetime]]:
        database = Database(empty_database_url)
        async with database.read() as session:
            rows = (await session.exec(select(OutboxMessage).order_by("id"))).all()
        await database.dispose()
        return [(row.kind, row.priority, row.next_attempt_at) for row in rows]

    asyncio.run(queue())
    command.upgrade(config, "head")
    assert asyncio.run(read()) == [
        ("care.report_alert", Priority.ALERT_HIGH, due),
        ("care.preparation", Priority.NORMAL, due),
    ]
