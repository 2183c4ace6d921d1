"""The collaborators the render tests use: every kind registered, no application running."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mesobot.app import build_services
from mesobot.clock import ManualClock
from mesobot.config import DEFAULT_CLINIC_FILE, Settings
from mesobot.services import Services
from tests.rendering.world import NOW, STAFF_GROUP, STAFF_IDS


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    """The collaborators with every kind registered, on a fresh database and the test clock."""
    settings = Settings(
        telegram_bot_token="123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678",  # type: ignore[arg-type]
        database_url=database_url,
        mesobot_staff_ids=STAFF_IDS,
        mesobot_staff_chat_id=STAFF_GROUP,
        mesobot_clinic_file=DEFAULT_CLINIC_FILE,
    )
    services = build_services(settings, clock=ManualClock(NOW))
    yield services
    await services.database.dispose()
