"""The dispatcher with a recording sender and the test clock: timing, late policy, failures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlmodel import select

from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.outbox.claims import claim_due_messages, resume_recipient
from mesobot.outbox.enqueue import cancel, reschedule
from mesobot.outbox.kinds import default_kinds, render_text
from mesobot.outbox.models import MessageState, OutboxMessage, OutboxRecipient
from mesobot.outbox.policies import ALWAYS_SEND, LateAction, LatePolicy
from mesobot.outbox.sending import FloodWait, Rejected, TransientFailure, Unreachable
from tests.outbox.factories import RecordingSender, make_dispatcher, queue_text

STAFF = 900


async def _states(database: Database) -> dict[str, str]:
    async with database.write() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return {str(row.payload.get("text", row.kind)): row.state for row in rows}


async def test_a_message_due_later_goes_when_the_clock_reaches_it(
    database: Database, clock: ManualClock
) -> None:
    sender = RecordingSender()
    dispatcher = make_dispatcher(database, clock, sender)
    await queue_text(
        database,
        recipient=1,
        text="soon",
        due_at=clock.now() + timedelta(hours=1),
        now=clock.now(),
    )
    await dispatcher.drain()
    assert sender.sent == []
    clock.advance(timedelta(minutes=59))
    await dispatcher.drain()
    assert sender.sent == []
    clock.advance(timedelta(minutes=1))
    await dispatcher.drain()
    assert sender.sent == [(1, "soon")]
    await dispatcher.drain()
    assert sender.sent == [(1, "soon")]
    await dispatcher.stop()


async def test_moving_and_cancelling_the_cause_moves_and_cancels_its_messages(
    database: Database, clock: ManualClock
) -> None:
    sender = RecordingSender()
    dispatcher = make_dispatcher(database, clock, sender)
    due = clock.now() + timedelta(hours=1)
    await queue_text(database, recipient=1, text="moved", due_at=due, now=clock.now(), cause="s:1")
    await queue_text(database, recipient=2, text="gone", due_at=due, now=clock.now(), cause="s:2")
    async with database.write() as session:
        await reschedule(session=session, cause="s:1", delta=timedelta(hours=1))
        await cancel(session=session, cause="s:2")
    clock.advance(timedelta(hours=1))
    await dispatcher.drain()
    assert sender.sent == []
    clock.advance(timedelta(hours=1))
    await dispatcher.drain()
    assert sender.sent == [(1, "moved")]
    assert await _states(database) == {"moved": "sent", "gone": "cancelled"}
    await dispatcher.stop()


async def test_each_kind_meets_its_late_policy_after_a_downtime(
    database: Database, clock: ManualClock
) -> None:
    """Stopped, then started after every message fell due: dropped, worded late, or as is."""
    kinds = default_kinds()
    kinds.register(
        "reminder",
        render=render_text,
        late_policy=LatePolicy(action=LateAction.DROP, grace=timedelta(minutes=10)),
    )
    kinds.register(
        "aftercare",
        render=render_text,
        late_policy=LatePolicy(
            action=LateAction.SEND_WITH_LATENESS, max_lateness=timedelta(days=2)
        ),
    )
    kinds.register(
        "old-aftercare", render=render_text, late_policy=kinds.kinds["aftercare"].late_policy
    )
    kinds.register("alert", render=render_text, late_policy=ALWAYS_SEND, for_staff=True)
    now = clock.now()
    first = make_dispatcher(database, clock, RecordingSender(), kinds=kinds)
    await first.drain()
    await first.stop()
    for chat, kind, minutes in [
        (1, "reminder", 60),
        (2, "reminder", 175),
        (3, "aftercare", 60),
        (4, "alert", 60),
        (5, "old-aftercare", 60),
    ]:
        await queue_text(
            database,
            recipient=chat,
            text=kind,
            kind=kind,
            due_at=now + timedelta(minutes=minutes),
            now=now,
        )
    clock.advance(timedelta(minutes=3 * 60))
    sender = RecordingSender()
    # Chat 4 is a staff member: staff messages go to staff only.
    second = make_dispatcher(database, clock, sender, kinds=kinds, staff_ids=[4])
    await second.drain()
    await second.drain()
    await second.stop()
    texts = dict(sender.sent)
    assert set(texts) == {2, 3, 4, 5}  # the reminder two hours late is dropped
    assert texts[2] == "reminder"  # five minutes late is within its grace
    assert "120 minutes late" in texts[3]
    assert texts[4] == "alert"
    async with database.write() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert sorted(row.state for row in rows) == ["dropped"] + ["sent"] * 4


async def test_a_flood_wait_retries_without_counting_an_attempt(
    database: Database, clock: ManualClock
) -> None:
    sender = RecordingSender(failures={1: [FloodWait(0.05)]})
    dispatcher = make_dispatcher(database, clock, sender)
    await queue_text(database, recipient=1, text="x", due_at=clock.now(), now=clock.now())
    await dispatcher.drain()
    assert sender.sent == []
    clock.advance(timedelta(seconds=1))
    await dispatcher.drain()
    assert sender.sent == [(1, "x")]
    async with database.write() as session:
        row = (await session.exec(select(OutboxMessage))).one()
    assert row.attempts == 1  # the send that worked; the 429 was not an attempt
    await dispatcher.stop()


async def test_a_blocked_chat_is_paused_staff_are_told_and_unblocking_resumes_it(
    database: Database, clock: ManualClock
) -> None:
    blocked = Unreachable("Forbidden: bot was blocked by the user")
    sender = RecordingSender(failures={1: [blocked]})
    dispatcher = make_dispatcher(database, clock, sender, staff_ids=[STAFF])
    await queue_text(database, recipient=1, text="a", due_at=clock.now(), now=clock.now())
    await dispatcher.drain()
    await dispatcher.drain()
    await queue_text(database, recipient=1, text="b", due_at=clock.now(), now=clock.now())
    await dispatcher.drain()
    assert sender.texts_to(1) == []
    [notice] = sender.texts_to(STAFF)
    assert "blocked the bot" in notice
    assert await _states(database) == {
        "a": "paused",
        "b": "paused",
        "outbox.recipient_unreachable": "sent",
    }
    async with database.write() as session:
        assert await resume_recipient(session=session, chat_id=1, now=clock.now()) == 2
        recipient = await session.get(OutboxRecipient, 1)
        assert recipient is not None
        assert recipient.unreachable_since is None
    await dispatcher.drain()
    await dispatcher.drain()
    assert sorted(sender.texts_to(1)) == ["a", "b"]
    await dispatcher.stop()


async def test_transient_failures_back_off_then_fail_with_a_staff_notice(
    database: Database, clock: ManualClock
) -> None:
    errors = [TransientFailure("Timed out"), TransientFailure("Internal Server Error (500)")]
    sender = RecordingSender(failures={1: [*errors, TransientFailure("Bad Gateway (502)")]})
    dispatcher = make_dispatcher(database, clock, sender, staff_ids=[STAFF], max_attempts=3)
    await queue_text(database, recipient=1, text="x", due_at=clock.now(), now=clock.now())
    await dispatcher.drain()
    clock.advance(timedelta(minutes=1))  # first backoff
    await dispatcher.drain()
    clock.advance(timedelta(minutes=1))
    await dispatcher.drain()
    assert await _states(database) == {"x": "due"}
    clock.advance(timedelta(minutes=1))  # second backoff: twice the first
    await dispatcher.drain()
    await dispatcher.drain()
    states = await _states(database)
    assert states["x"] == "failed"
    [notice] = sender.texts_to(STAFF)
    assert "could not be delivered after 3 attempts" in notice
    assert "x" not in notice.split("(")[0]  # the notice names the message, not its text
    await dispatcher.stop()


async def test_a_rejected_message_fails_at_once(database: Database, clock: ManualClock) -> None:
    sender = RecordingSender(failures={1: [Rejected("Bad Request: can't parse entities")]})
    dispatcher = make_dispatcher(database, clock, sender, staff_ids=[STAFF])
    await queue_text(database, recipient=1, text="x", due_at=clock.now(), now=clock.now())
    await dispatcher.drain()
    await dispatcher.drain()
    assert (await _states(database))["x"] == MessageState.FAILED
    assert len(sender.texts_to(STAFF)) == 1
    await dispatcher.stop()


def _count_commits(database: Database) -> list[object]:
    commits: list[object] = []
    event.listen(database.engine.sync_engine, "commit", commits.append)
    return commits


async def test_an_idle_dispatcher_commits_nothing_and_still_sends_and_recovers(
    database: Database, clock: ManualClock
) -> None:
    """Passes that find nothing due only read (on SQLite a write would hold up every tap),
    yet plan the wake-up for the next message, send it when due, and release a dead
    dispatcher's expired lease."""
    wakes: list[float] = []
    dispatcher = make_dispatcher(database, clock, RecordingSender())
    dispatcher.schedule_wake = wakes.append
    sender = dispatcher.sender
    assert isinstance(sender, RecordingSender)
    await dispatcher.drain()  # becomes the active dispatcher
    await queue_text(
        database,
        recipient=1,
        text="later",
        due_at=clock.now() + timedelta(seconds=90),
        now=clock.now(),
    )
    commits = _count_commits(database)
    for _ in range(5):
        await dispatcher.drain()
    assert commits == []
    assert wakes[-1] == 90.0
    clock.advance(timedelta(seconds=90))
    await dispatcher.drain()
    assert sender.sent == [(1, "later")]
    # A row a dead dispatcher claimed comes back once its lease is over.
    await queue_text(database, recipient=2, text="orphan", due_at=clock.now(), now=clock.now())
    async with database.write() as session:
        await claim_due_messages(session=session, now=clock.now(), lease=timedelta(seconds=30))
    await dispatcher.drain()
    assert sender.texts_to(2) == []
    clock.advance(timedelta(seconds=31))
    await dispatcher.drain()
    assert sender.texts_to(2) == ["orphan"]
    await dispatcher.stop()
