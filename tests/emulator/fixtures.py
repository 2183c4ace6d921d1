"""Pytest fixtures for the Bot API emulator; register with pytest_plugins."""

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from .server import BotApiEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A running emulator; the test fails at teardown if it recorded an unexpected violation."""
    async with BotApiEmulator() as running:
        yield running
        running.assert_clean()


@pytest.fixture
async def emulator_bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """A real PTB Bot, initialised, that talks HTTP to the emulator."""
    bot = Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url)
    async with bot:
        yield bot
