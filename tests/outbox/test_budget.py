"""Telegram's one budget: who goes first when sends wait, bursts for replies, and edits;
and how an outbox row competes.

On the pacer's own time (it moves when the pacer sleeps): the order and the instants at which
slots are handed out, not how long anything takes on this machine.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.outbox.api import enqueue
from mesobot.outbox.calls import queue_call
from mesobot.outbox.claims import claim_due_messages
from mesobot.outbox.models import Priority
from mesobot.outbox.pacing import Pacer, Precedence
from mesobot.outbox.precedence import precedence_of
from tests.outbox.test_pacing import FakeTime, pacer_on, send

ALERT, REPLY, BULK = Precedence.ALERT, Precedence.REPLY, Precedence.BULK


async def _sends_in_order(pacer: Pacer, waiting: list[tuple[str, int, Precedence]]) -> list[str]:
    """Start every send at once; the names in the order their slots were handed out."""
    order: list[str] = []

    async def one(name: str, chat_id: int, precedence: Precedence) -> None:
        async with pacer.slot(chat_id, precedence):
            order.append(name)

    await asyncio.gather(*(one(*send) for send in waiting))
    return order


async def test_alerts_then_replies_then_bulk_whatever_came_first() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.flood_wait(chat_id=None, retry_after=2)  # everything waits: a queue forms
    order = await _sends_in_order(
        pacer,
        [
            ("bulk 1", 1, BULK),
            ("reply 1", 2, REPLY),
            ("bulk 2", 3, BULK),
            ("alert", 4, ALERT),
            ("reply 2", 5, REPLY),
        ],
    )
    assert order == ["alert", "reply 1", "reply 2", "bulk 1", "bulk 2"]


async def test_a_reply_waiting_for_its_chat_does_not_hold_up_other_chats() -> None:
    """The overall slot goes to the best send that may go, not to the best one waiting."""
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.flood_wait(chat_id=7, retry_after=5)  # chat 7 is told to wait
    order = await _sends_in_order(pacer, [("reply to 7", 7, REPLY), ("bulk to 8", 8, BULK)])
    assert order == ["bulk to 8", "reply to 7"]
    assert time.now == pytest.approx(105.0)


async def test_replies_burst_into_a_chat_while_bulk_keeps_to_one_a_second() -> None:
    time = FakeTime()
    pacer = pacer_on(time, chat_burst=3, per_chat_interval=1.0)
    replies = [await send_with(pacer, time, 7, REPLY) for _ in range(4)]
    # Three at once (only spaced by the overall rate), then the chat's average holds.
    assert replies[2] - replies[0] < 0.1
    assert replies[3] == pytest.approx(101.0)
    time.now = 200.0  # the chat is long quiet again
    bulk = [await send_with(pacer, time, 8, BULK) for _ in range(2)]
    assert bulk[1] - bulk[0] == pytest.approx(1.0)
    # Bulk leaves the chat's burst unused: a reply right after bulk goes at the next
    # overall slot, not at the chat's next second.
    assert await send_with(pacer, time, 8, REPLY) < bulk[1] + 0.05


async def test_an_edit_takes_an_overall_slot_only() -> None:
    """An edit is not a new message in its chat: no per-chat spacing, but it waits out a 429."""
    time = FakeTime()
    pacer = pacer_on(time, per_second=10, chat_burst=1)
    await send_with(pacer, time, 7, REPLY)
    edit = await send_with(pacer, time, 7, REPLY, message=False)
    assert edit <= 100.1  # the next overall slot, not the chat's next second
    pacer.flood_wait(chat_id=7, retry_after=3)
    assert await send_with(pacer, time, 7, REPLY, message=False) == pytest.approx(edit + 3)


async def test_a_send_cancelled_while_waiting_leaves_the_queue() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.flood_wait(chat_id=None, retry_after=1)
    waiting = asyncio.ensure_future(send_with(pacer, time, 1, ALERT))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await send_with(pacer, time, 2, BULK) == pytest.approx(101.0)
    assert pacer.busy_chats() == {2}  # nothing of the cancelled send is left


async def send_with(
    pacer: Pacer, time: FakeTime, chat_id: int, precedence: Precedence, *, message: bool = True
) -> float:
    """Send through the pacer with a precedence; returns when the request started."""
    async with pacer.slot(chat_id, precedence, message=message):
        return time.now


async def test_send_counts_as_bulk_by_default() -> None:
    """The outbox's own tests and tools that name no precedence are bulk."""
    time = FakeTime()
    pacer = pacer_on(time)
    first = await send(pacer, time, 1)
    assert await send(pacer, time, 1) == pytest.approx(first + 1.0)


async def test_replies_keep_to_the_count_alone_while_bulk_is_spaced_evenly() -> None:
    """A person waits for a reply: ten replies at once go at once, within the window's count;
    bulk goes one interval apart."""
    time = FakeTime()
    pacer = pacer_on(time, per_second=10)
    replies = [await send_with(pacer, time, chat_id, REPLY) for chat_id in range(10)]
    assert replies == [100.0] * 10
    assert await send_with(pacer, time, 99, REPLY) == pytest.approx(101.0)  # the count is full
    time.now = 200.0
    bulk = [await send_with(pacer, time, chat_id, BULK) for chat_id in range(3)]
    assert bulk[2] - bulk[1] == pytest.approx(0.1)  # (after an idle spell, half of it first)


async def test_each_claimed_row_competes_as_what_it_is(
    database: Database, clock: ManualClock
) -> None:
    """A report's first alert (in the high lane) is an alert, a handed-over reply a reply, a
    reminder bulk."""
    now = clock.now()
    async with database.write() as session:
        for recipient, priority in ((1, Priority.ALERT_HIGH), (2, Priority.NORMAL)):
            await enqueue(
                session=session,
                recipient=recipient,
                kind="text",
                payload={"text": "x"},
                due_at=now,
                idempotency_key=f"precedence:{recipient}",
                now=now,
                priority=priority,
            )
        reply = {"chat_id": 3, "text": "Your answer"}
        await queue_call(
            session=session, chat_id=3, endpoint="sendMessage", parameters=reply, now=now
        )
    async with database.write() as session:
        claimed = await claim_due_messages(session=session, now=now, lease=timedelta(seconds=30))
    assert {row.recipient: precedence_of(row) for row in claimed} == {1: ALERT, 2: BULK, 3: REPLY}


async def test_after_a_burst_of_replies_bulk_waits_only_until_one_is_left_for_a_reply() -> None:
    time = FakeTime()
    pacer = pacer_on(time, chat_burst=5, per_chat_interval=1.0)
    for _ in range(5):
        await send_with(pacer, time, 7, REPLY)
    # The burst is used up until 105; bulk goes once two of it are back, keeping one.
    assert await send_with(pacer, time, 7, BULK) == pytest.approx(102.0)
    assert await send_with(pacer, time, 7, REPLY) == pytest.approx(102.0, abs=0.05)
