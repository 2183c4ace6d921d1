"""Issue 14's acceptance: a patient's commands during a reminder wave, with flood limits on.

450 messages fall due at once while a patient sends /help every second, against the emulator
enforcing Telegram's limits (30 a second, one a second per chat with a burst of five, 20 a
minute per group). Every command is answered, each reply goes before any outbox message
queued after its command, and any 429 is waited out: every message arrives, once.

Telegram's pacing is real time, so the emulator and the bot run on it here: the wave takes
its 15 seconds. How fast replies are under the wave is measured in
bench/reply_during_broadcast.py, not here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import ApiCall, BotApiEmulator
from mesobot.clock import Clock
from mesobot.outbox.api import enqueue
from mesobot.outbox.pacing import Pacer
from tests.app_harness import running_bot, settings_for

WAVE = 450
COMMANDS = 12  # one a second, all while the wave is still going out

pytestmark = pytest.mark.slow  # the wave takes its real 15 seconds, on each backend


@pytest.fixture
def emulator_clock() -> Callable[[], float]:
    """Real time for the emulator: its flood windows pass as the bot's waits do."""
    return time.time


def _started(emulator: BotApiEmulator, name: str) -> TelegramUser:
    user = emulator.create_user(name)
    assert user.chat.user is not None
    user.chat.user.started_bot = True
    return user


async def _queue(session: AsyncSession, recipient: int, text: str, now: datetime) -> None:
    await enqueue(
        session=session,
        recipient=recipient,
        kind="text",
        payload={"text": text},
        due_at=now,
        idempotency_key=f"wave:{recipient}:{text}",
        now=now,
    )


def _sends_to(calls: list[ApiCall], chat_id: int) -> list[int]:
    """Where in the emulator's accepted calls each message into `chat_id` is."""
    return [
        n
        for n, call in enumerate(calls)
        if call.method == "sendMessage" and call.params.get("chat_id") == chat_id
    ]


async def test_every_command_is_answered_during_a_wave_before_what_was_queued_after_it(
    emulator: BotApiEmulator, database_url: str
) -> None:
    emulator.enable_flood_control()
    patients = [_started(emulator, f"P{n}") for n in range(WAVE)]
    latecomers = [_started(emulator, f"L{n}") for n in range(COMMANDS)]
    anna = _started(emulator, "Anna")
    clock = Clock()
    settings = settings_for(emulator, database_url=database_url)
    async with running_bot(settings, clock=clock, pacer=Pacer()) as application:
        database = application.bot_data.services.database
        async with database.write() as session:
            for patient in patients:
                await _queue(session, patient.id, "Your session is tomorrow", clock.now())
        for latecomer in latecomers:
            anna.send_command("help")
            # An outbox message queued after the command: the reply must not wait for it.
            async with database.write() as session:
                await _queue(session, latecomer.id, "Queued after a command", clock.now())
            await asyncio.sleep(1.0)
        total = WAVE + 2 * COMMANDS
        await emulator.wait_for(lambda: emulator.call_counts["sendMessage"] >= total, 60)
    replies = _sends_to(emulator.calls, anna.id)
    assert len(replies) == COMMANDS  # none lost, none twice
    assert len({m.text for m in anna.bot_messages}) == 1  # each the answer to /help
    for reply, latecomer in zip(replies, latecomers, strict=True):
        [queued_after] = _sends_to(emulator.calls, latecomer.id)
        assert reply < queued_after
    for patient in patients:  # every message of the wave arrived, once
        assert [m.text for m in patient.bot_messages] == ["Your session is tomorrow"]
    # Any 429 was waited out (every message arrived above); none other was refused.
    refused = emulator.take_violations()
    assert {v.status for v in refused} <= {429}
