"""The outbox in the real application, through the emulator: timing and Telegram's failures."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from botapi_emulator.clock import ManualClock as EmulatorClock
from botapi_emulator.faults import FloodLimits
from mesobot.clock import ManualClock
from mesobot.outbox.api import cancel, enqueue
from mesobot.outbox.models import MessageState, OutboxMessage
from tests.outbox.conftest import RunningBot


async def _queue(
    bot: RunningBot, chat_id: int, text: str, *, delay: timedelta = timedelta()
) -> int:
    services = bot.application.bot_data.services
    now = services.clock.now()
    async with services.database.write() as session:
        row = await enqueue(
            session=session,
            recipient=chat_id,
            kind="text",
            payload={"text": text},
            due_at=now + delay,
            idempotency_key=f"e2e:{chat_id}:{text}",
            now=now,
            cause=f"test:{text}",
        )
    assert row.id is not None
    return row.id


async def _state(bot: RunningBot, message_id: int) -> str:
    async with bot.application.bot_data.services.database.write() as session:
        row = await session.get(OutboxMessage, message_id)
    assert row is not None
    return row.state


def _texts(user: object) -> list[str]:
    return [m.text or "" for m in user.bot_messages]  # type: ignore[attr-defined]


async def test_a_message_due_later_goes_when_the_test_clock_reaches_it(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    anna = running_bot.started_user()
    await _queue(running_bot, anna.id, "See you at 10:00", delay=timedelta(hours=1))
    cancelled = await _queue(running_bot, anna.id, "Cancelled one", delay=timedelta(hours=1))
    async with running_bot.application.bot_data.services.database.write() as session:
        await cancel(session=session, cause="test:Cancelled one")
    clock.advance(timedelta(minutes=59))
    await _queue(running_bot, anna.id, "Queued now, sent at once")
    message = await anna.next_bot_message()
    assert message.text == "Queued now, sent at once"
    clock.advance(timedelta(minutes=1))
    message = await anna.next_bot_message(after=message)
    assert message.text == "See you at 10:00"
    assert await _state(running_bot, cancelled) == MessageState.CANCELLED
    assert _texts(anna) == ["Queued now, sent at once", "See you at 10:00"]


async def _eventually_state(
    bot: RunningBot, message_id: int, *, error: str = "", state: str | None = None
) -> None:
    """Wait (by condition, up to 10 s) until the row records `error` and is in `state`."""
    for _ in range(200):
        async with bot.application.bot_data.services.database.write() as session:
            row = await session.get(OutboxMessage, message_id)
        assert row is not None
        if error.lower() in (row.last_error or "").lower() and state in (None, row.state):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} never recorded {error!r}")


async def test_a_429_is_waited_out_and_the_message_still_goes(
    running_bot: RunningBot, clock: ManualClock, emulator_clock: EmulatorClock
) -> None:
    anna = running_bot.started_user()
    emulator = running_bot.emulator
    emulator.enable_flood_control()
    for _ in range(FloodLimits().per_chat_burst):  # the clock stands still: the burst is used
        emulator.flood.admit(anna.id)
    message_id = await _queue(running_bot, anna.id, "after the flood")
    await emulator.wait_for_violation("Too Many Requests: retry after 1")
    await _eventually_state(running_bot, message_id, error="flood control")
    assert anna.bot_messages == []
    emulator_clock.advance(2)
    clock.advance(timedelta(seconds=2))
    message = await anna.next_bot_message(within=10)
    assert message.text == "after the flood"


async def test_a_blocked_user_is_paused_staff_told_and_unblocking_resumes(
    running_bot: RunningBot,
) -> None:
    anna = running_bot.started_user()
    anna.block_bot()
    message_id = await _queue(running_bot, anna.id, "Your reminder")
    await running_bot.emulator.wait_for_violation("bot was blocked by the user")
    notice = await running_bot.staff.next_bot_message(within=10)
    assert notice.text is not None
    assert f"Chat {anna.id} has blocked the bot" in notice.text
    assert "Your reminder" not in notice.text
    assert await _state(running_bot, message_id) == MessageState.PAUSED
    anna.unblock_bot()
    message = await anna.next_bot_message(within=10)
    assert message.text == "Your reminder"


async def test_a_user_who_never_started_the_bot_is_reported_to_staff(
    running_bot: RunningBot,
) -> None:
    stranger = running_bot.emulator.create_user("Stranger")
    message_id = await _queue(running_bot, stranger.id, "Hello")
    await running_bot.emulator.wait_for_violation("can't initiate conversation")
    notice = await running_bot.staff.next_bot_message(within=10)
    assert notice.text is not None
    assert "has never started the bot" in notice.text
    assert await _state(running_bot, message_id) == MessageState.PAUSED


async def test_a_user_who_never_started_the_bot_gets_their_messages_after_start(
    running_bot: RunningBot,
) -> None:
    """/start brings no my_chat_member update: the /start handler resumes paused messages."""
    stranger = running_bot.emulator.create_user("Stranger")
    message_id = await _queue(running_bot, stranger.id, "Your appointment is confirmed")
    await running_bot.emulator.wait_for_violation("can't initiate conversation")
    await running_bot.staff.next_bot_message(within=10)
    await _eventually_state(running_bot, message_id, state=MessageState.PAUSED)
    stranger.send_command("start")
    await running_bot.emulator.wait_for(
        lambda: "Your appointment is confirmed" in _texts(stranger), within=10
    )
    await _eventually_state(running_bot, message_id, state=MessageState.SENT)


async def test_a_500_is_retried_after_its_backoff(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    anna = running_bot.started_user()
    running_bot.emulator.fail_next("sendMessage", status=500, chat_id=anna.id)
    message_id = await _queue(running_bot, anna.id, "retried")
    await _eventually_state(running_bot, message_id, error="injected fault (500)")
    clock.advance(timedelta(seconds=5))
    message = await anna.next_bot_message(within=10)
    assert message.text == "retried"
    await _eventually_state(running_bot, message_id, state=MessageState.SENT)


async def test_a_timeout_is_retried_and_the_message_arrives_at_least_once(
    running_bot: RunningBot, clock: ManualClock
) -> None:
    anna = running_bot.started_user()
    # PTB gives up after 5 s; the emulator then still delivers, as Telegram may.
    running_bot.emulator.delay_next("sendMessage", 6.0, chat_id=anna.id)
    message_id = await _queue(running_bot, anna.id, "slow")
    await _eventually_state(running_bot, message_id, error="timed out")
    clock.advance(timedelta(seconds=5))
    await running_bot.emulator.wait_for(lambda: _texts(anna).count("slow") >= 1, within=10)
    await _eventually_state(running_bot, message_id, state=MessageState.SENT)
