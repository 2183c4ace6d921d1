"""Queueing, cancelling, moving and claiming outbox rows, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.outbox import claims
from mesobot.outbox.api import enqueue, enqueue_to_staff, on_outbox_commit, pending_for_cause
from mesobot.outbox.enqueue import cancel, reschedule
from mesobot.outbox.models import MessageState, OutboxMessage, Priority
from tests.outbox.factories import queue_text


async def _rows(database: Database) -> list[OutboxMessage]:
    async with database.write() as session:
        return list((await session.exec(select(OutboxMessage).order_by("id"))).all())


async def test_enqueue_in_a_rolled_back_transaction_leaves_nothing(
    database: Database, clock: ManualClock
) -> None:
    async def cause_that_fails() -> None:
        async with database.write() as session:
            await enqueue(
                session=session,
                recipient=1,
                kind="text",
                payload={"text": "hi"},
                due_at=clock.now(),
                idempotency_key="k",
                now=clock.now(),
            )
            raise RuntimeError("the cause failed")

    with pytest.raises(RuntimeError):
        await cause_that_fails()
    assert await _rows(database) == []


async def test_the_same_idempotency_key_queues_once(
    database: Database, clock: ManualClock
) -> None:
    first = await queue_text(database, recipient=1, text="a", due_at=clock.now(), now=clock.now())
    again = await queue_text(database, recipient=1, text="a", due_at=clock.now(), now=clock.now())
    assert first == again
    assert len(await _rows(database)) == 1


async def test_cancel_and_move_touch_only_the_unsent_messages_of_their_cause(
    database: Database, clock: ManualClock
) -> None:
    later = clock.now() + timedelta(days=1)
    for text in ("one", "two"):
        await queue_text(
            database, recipient=1, text=text, due_at=later, now=clock.now(), cause="session:1"
        )
    await queue_text(
        database, recipient=1, text="other", due_at=later, now=clock.now(), cause="session:2"
    )
    async with database.write() as session:
        assert await reschedule(session=session, cause="session:1", delta=timedelta(hours=2))
    rows = await _rows(database)
    assert [row.due_at - later for row in rows] == [timedelta(hours=2)] * 2 + [timedelta(0)]
    assert rows[0].next_attempt_at == rows[0].due_at
    async with database.write() as session:
        assert await cancel(session=session, cause="session:1") == 2
    assert [row.state for row in await _rows(database)] == ["cancelled", "cancelled", "due"]


async def test_claims_take_one_row_per_chat_and_skip_busy_chats(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    for index, chat in enumerate((1, 1, 2, 3)):
        await queue_text(database, recipient=chat, text=f"m{index}", due_at=now, now=now)
    await queue_text(database, recipient=4, text="later", due_at=now + timedelta(hours=1), now=now)
    async with database.write() as session:
        claimed = await claims.claim_due_messages(
            session=session, now=now, lease=timedelta(seconds=30), skip_chats={3}
        )
    assert sorted(row.recipient for row in claimed) == [1, 2]
    assert all(row.state == MessageState.SENDING for row in claimed)


async def test_two_concurrent_claims_never_share_a_row(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    for chat in range(40):
        await queue_text(database, recipient=chat, text="x", due_at=now, now=now)
    other = Database(database.url)

    async def claim(db: Database) -> list[int]:
        async with db.write() as session:
            rows = await claims.claim_due_messages(
                session=session, now=now, lease=timedelta(seconds=30)
            )
            return [row.id for row in rows if row.id is not None]

    try:
        first, second = await asyncio.gather(claim(database), claim(other))
    finally:
        await other.dispose()
    assert len(first) == len(second) == 20
    assert not set(first) & set(second)


async def test_an_expired_lease_makes_the_row_due_again(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    await queue_text(database, recipient=1, text="x", due_at=now, now=now)
    async with database.write() as session:
        await claims.claim_due_messages(session=session, now=now, lease=timedelta(seconds=30))
    async with database.write() as session:
        assert await claims.release_expired_leases(session=session, now=now) == 0
        later = now + timedelta(seconds=31)
        assert await claims.release_expired_leases(session=session, now=later) == 1
    assert [row.state for row in await _rows(database)] == ["due"]


async def test_only_the_projects_own_sessions_wake_the_dispatcher(
    database: Database, clock: ManualClock
) -> None:
    """A session of other code in the process (same engine, SQLAlchemy's own session class)
    never triggers the commit hook; a write through `Database.write()` does."""
    woken: list[str] = []
    unsubscribe = on_outbox_commit(lambda: woken.append("woken"))
    try:
        async with AsyncSession(database.engine) as foreign:
            await enqueue(
                session=foreign,
                recipient=1,
                kind="text",
                payload={"text": "from elsewhere"},
                due_at=clock.now(),
                idempotency_key="foreign",
                now=clock.now(),
            )
            await foreign.commit()
        assert woken == []
        await queue_text(database, recipient=1, text="ours", due_at=clock.now(), now=clock.now())
        assert woken == ["woken"]
    finally:
        unsubscribe()


async def test_staff_messages_are_one_per_member_and_read_back_as_values(
    database: Database, clock: ManualClock
) -> None:
    """`enqueue_to_staff` keys each row `<prefix>:<staff id>` (a retry queues nothing more);
    `pending_for_cause` hands back frozen values; each row keeps the lane it was given."""
    for _ in range(2):
        async with database.write() as session:
            await enqueue_to_staff(
                session=session,
                staff_ids=[7, 8],
                kind="text",
                payload={"text": "alert"},
                due_at=clock.now(),
                key_prefix="alert:1",
                now=clock.now(),
                cause="report:1",
                priority=Priority.ALERT_HIGH,
            )
    rows = await _rows(database)
    assert [row.idempotency_key for row in rows] == ["alert:1:7", "alert:1:8"]
    assert all(row.priority == Priority.ALERT_HIGH for row in rows)
    async with database.write() as session:
        pending = await pending_for_cause(session=session, cause="report:1")
    assert [message.recipient for message in pending] == [7, 8]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pending[0].due_at = clock.now()  # type: ignore[misc]
