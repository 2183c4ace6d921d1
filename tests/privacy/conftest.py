"""Fixtures of the privacy tests: the running bot with one staff member and a patient at the
keyboard, and those shared with care (the bot on the test clock, a patient, staff, a group)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard
from tests.care.conftest import app, world

__all__ = ["Clinic", "app", "clinic", "world"]


@dataclass
class Clinic:
    """The running bot, the patient at the keyboard and one staff member."""

    app: MesobotApplication
    patient: PatientAtKeyboard
    rita: TelegramUser
    database_url: str


@pytest.fixture
async def clinic(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[Clinic]:
    rita = emulator.create_user("Rita")
    rita.user.started_bot = True
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        user = emulator.create_user("Inés", language_code="en")
        yield Clinic(app, PatientAtKeyboard(emulator, app, user), rita, database_url)
