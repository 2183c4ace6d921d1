"""Staff messages to someone no longer in MESOBOT_STAFF_IDS: cancelled at start, paused ones
included, and refused by the dispatcher whoever queued them; everyone else's still go."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.outbox.api import cancel_for_former_staff
from mesobot.outbox.claims import mark_unreachable, resume_recipient
from mesobot.outbox.kinds import TEXT, default_kinds
from mesobot.outbox.models import OutboxMessage
from mesobot.outbox.policies import ALWAYS_SEND, KindRegistry
from tests.outbox.factories import RecordingSender, make_dispatcher, queue_text

STAFF, FORMER, GROUP, OLD_GROUP = 900, 901, -500, -501
NOTICE = "staff.notice"


def _kinds() -> KindRegistry:
    kinds = default_kinds()
    text = kinds.get(TEXT)
    assert text is not None
    kinds.register(NOTICE, render=text.render, late_policy=ALWAYS_SEND, for_staff=True)
    return kinds


async def _queue_both(database: Database, clock: ManualClock, tag: str) -> None:
    """A staff notice to each chat, and a patient's message to the former staff member."""
    now = clock.now()
    for chat in (STAFF, FORMER, GROUP, OLD_GROUP):
        await queue_text(
            database, recipient=chat, text=f"{tag} notice {chat}", due_at=now, now=now, kind=NOTICE
        )
    await queue_text(database, recipient=FORMER, text=f"{tag} own reminder", due_at=now, now=now)


async def _states(database: Database) -> dict[str, str]:
    async with database.read() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return {str(row.payload["text"]): row.state for row in rows}


async def test_at_start_former_staff_lose_their_queued_and_paused_staff_messages(
    database: Database, clock: ManualClock
) -> None:
    """Cancelled: due and paused staff messages to the former member and to an old group.
    Left: theirs as a patient, and everything to current staff and the staff group; after
    their unblock or /start, only their own message resumes."""
    await _queue_both(database, clock, "queued")
    async with database.write() as session:
        await mark_unreachable(session=session, chat_id=FORMER, reason="blocked", now=clock.now())
        cancelled = await cancel_for_former_staff(
            session=session, staff_kinds=[NOTICE], staff_ids=[STAFF], staff_chat_id=GROUP
        )
    assert cancelled == 2
    async with database.write() as session:
        assert await resume_recipient(session=session, chat_id=FORMER, now=clock.now()) == 1
    sender = RecordingSender()
    dispatcher = make_dispatcher(database, clock, sender, kinds=_kinds(), staff_ids=[STAFF])
    await dispatcher.drain()
    await dispatcher.stop()
    assert sorted(sender.sent) == sorted(
        [
            (STAFF, f"queued notice {STAFF}"),
            (GROUP, f"queued notice {GROUP}"),
            (FORMER, "queued own reminder"),
        ]
    )
    assert (await _states(database))[f"queued notice {FORMER}"] == "cancelled"


async def test_the_dispatcher_refuses_staff_messages_to_former_staff(
    database: Database, clock: ManualClock
) -> None:
    """Queued after start (by a process still running with the old list): the staff message
    to the former member is cancelled at send time; the rest go."""
    await _queue_both(database, clock, "late")
    sender = RecordingSender()
    dispatcher = make_dispatcher(database, clock, sender, kinds=_kinds(), staff_ids=[STAFF])
    # A chat's second message may wait for Telegram's per-chat pace: drain until it has gone.
    for _ in range(100):
        await dispatcher.drain()
        if (FORMER, "late own reminder") in sender.sent:
            break
        await asyncio.sleep(0.05)
    await dispatcher.stop()
    assert FORMER not in [chat for chat, text in sender.sent if "notice" in text]
    assert (FORMER, "late own reminder") in sender.sent
    assert (STAFF, f"late notice {STAFF}") in sender.sent
    assert (await _states(database))[f"late notice {FORMER}"] == "cancelled"
