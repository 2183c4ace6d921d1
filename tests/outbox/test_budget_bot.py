"""The budget as the bot's rate limiter, over HTTP to the emulator: 429s on direct calls are
waited out, button answers are never held by a broadcast, failed replies reach the outbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ExtBot

from botapi_emulator.driver import TelegramUser
from botapi_emulator.faults import FloodLimits
from botapi_emulator.server import BotApiEmulator
from mesobot.handlers.budget import TelegramBudget
from mesobot.outbox.calls import CALL
from mesobot.outbox.models import OutboxMessage
from mesobot.outbox.pacing import Precedence
from tests.outbox.conftest import RunningBot


@pytest.fixture
def emulator_clock() -> Callable[[], float]:
    """Real time for the emulator here: its flood windows pass as the budget's waits do."""
    return time.time


@pytest.fixture
async def budget_bot(emulator: BotApiEmulator) -> AsyncIterator[ExtBot[Precedence]]:
    """PTB's bot with the project's budget as its rate limiter, as mesobot.app builds it."""
    bot: ExtBot[Precedence] = ExtBot(
        emulator.token, base_url=emulator.base_url, rate_limiter=TelegramBudget()
    )
    async with bot:
        yield bot


def _budget(bot: ExtBot[Precedence]) -> TelegramBudget:
    assert isinstance(bot.rate_limiter, TelegramBudget)
    return bot.rate_limiter


def _started(emulator: BotApiEmulator, name: str = "Anna") -> TelegramUser:
    user = emulator.create_user(name)
    assert user.chat.user is not None
    user.chat.user.started_bot = True
    return user


async def test_a_direct_reply_told_429_is_sent_after_the_wait(
    emulator: BotApiEmulator, budget_bot: ExtBot[Precedence]
) -> None:
    anna = _started(emulator)
    emulator.enable_flood_control()
    for _ in range(FloodLimits().per_chat_burst):  # Anna's chat has had its burst
        emulator.flood.admit(anna.id)
    await budget_bot.send_message(anna.id, "Here is your answer")
    assert [m.text for m in anna.bot_messages] == ["Here is your answer"]
    [flood] = emulator.take_violations()
    assert flood.status == 429


async def test_a_button_answer_is_not_held_by_sends_waiting_for_the_budget(
    emulator: BotApiEmulator, budget_bot: ExtBot[Precedence]
) -> None:
    """A callback answer is no message: while every send waits, it still goes at once."""
    anna = _started(emulator)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes")]])
    await budget_bot.send_message(anna.id, "Coming?", reply_markup=markup)
    press = anna.press_button("Yes")
    _budget(budget_bot).pacer.flood_wait(chat_id=None, retry_after=60)
    waiting = asyncio.ensure_future(
        budget_bot.send_message(anna.id, "bulk", rate_limit_args=Precedence.BULK)
    )
    await asyncio.wait_for(budget_bot.answer_callback_query(press.id), timeout=10)
    assert press.answered
    assert not waiting.done()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_a_reply_that_fails_is_handed_to_the_outbox_and_arrives(
    running_bot: RunningBot,
) -> None:
    """A 5xx on a direct reply: the patient gets the reply from the outbox, not an apology."""
    anna = running_bot.started_user()
    anna.send_command("help")
    answer = await anna.next_bot_message(within=10)
    running_bot.emulator.fail_next("sendMessage", status=500, chat_id=anna.id)
    anna.send_command("help")
    again = await anna.next_bot_message(within=10)
    assert again.text == answer.text
    assert again.button_labels == answer.button_labels
    await asyncio.sleep(0.2)  # nothing else (no "something went wrong") follows
    assert [m.text for m in anna.bot_messages] == [answer.text, answer.text]
    async with running_bot.application.bot_data.services.database.read() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert [(row.kind, row.recipient, row.state) for row in rows] == [(CALL, anna.id, "sent")]


async def test_a_flow_screen_that_fails_arrives_from_the_outbox_with_its_buttons(
    running_bot: RunningBot,
) -> None:
    """/start's welcome gets a 5xx: it is handed over, the consent screen after it is queued
    behind it (not sent ahead, not lost), both arrive in order, and the screen's buttons (sent
    as ready JSON, `MesobotBot.send_screens`) work."""
    anna = running_bot.started_user()
    running_bot.emulator.fail_next("sendMessage", status=500, chat_id=anna.id)
    anna.send_command("start")  # a welcome, then the consent screen's buttons
    await running_bot.emulator.wait_for(lambda: len(anna.bot_messages) >= 2 or None, within=10)
    welcome, screen = anna.bot_messages
    assert not welcome.button_labels
    assert screen.button_labels
    async with running_bot.application.bot_data.services.database.read() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert [row.kind for row in rows] == [CALL, CALL]
    anna.press_button(screen.button_labels[0])
    await running_bot.emulator.wait_for(lambda: len(anna.bot_messages) >= 3 or None, within=10)
