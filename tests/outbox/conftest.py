"""Fixtures for the outbox's end-to-end tests: the real application against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.app import build_application
from mesobot.clock import ManualClock
from mesobot.config import Settings
from mesobot.handlers.context import MesobotApplication
from tests.app_harness import quick_pacer


@dataclass
class RunningBot:
    """The real application, polling the emulator, with one staff member who started it."""

    application: MesobotApplication
    emulator: BotApiEmulator
    staff: TelegramUser

    def started_user(self, name: str = "Anna") -> TelegramUser:
        """A user who has pressed Start (without a /start update to handle)."""
        user = self.emulator.create_user(name)
        assert user.chat.user is not None
        user.chat.user.started_bot = True
        return user


@pytest.fixture
async def running_bot(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """mesobot started as `bot.py` starts it (post_init included), on the test clock."""
    staff = emulator.create_user("Staff")
    assert staff.chat.user is not None
    staff.chat.user.started_bot = True
    settings = Settings(
        telegram_bot_token=SecretStr(emulator.token),
        telegram_api_base_url=emulator.base_url,
        database_url=database_url,
        mesobot_staff_ids=[staff.id],
    )
    application = build_application(settings, clock=clock, pacer=quick_pacer())
    assert application.post_init
    assert application.post_stop
    assert application.post_shutdown
    async with application:
        await application.post_init(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        yield RunningBot(application, emulator, staff)
        await application.updater.stop()
        await application.stop()
        await application.post_stop(application)
    await application.post_shutdown(application)
