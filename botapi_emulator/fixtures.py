"""Pytest fixtures for the Bot API emulator; register with pytest_plugins."""

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from .clock import ManualClock
from .server import BotApiEmulator


@pytest.fixture
def emulator_clock() -> ManualClock:
    """The emulator's time: it stands still until the test advances it."""
    return ManualClock()


@pytest.fixture
async def emulator(emulator_clock: ManualClock) -> AsyncIterator[BotApiEmulator]:
    """A running emulator; the test fails at teardown if it recorded an unexpected violation
    or the bot left a button press unanswered."""
    async with BotApiEmulator(clock=emulator_clock) as running:
        yield running
        running.assert_clean()


@pytest.fixture
async def emulator_bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """A real PTB Bot, initialised, that talks HTTP to the emulator."""
    bot = Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url)
    async with bot:
        yield bot
