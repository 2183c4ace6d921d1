"""Start and stop the real mesobot application against the emulator, as run_polling would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.app import build_application
from mesobot.clock import Clock
from mesobot.config import DEFAULT_CLINIC_FILE, Settings
from mesobot.handlers.context import MesobotApplication
from mesobot.outbox.pacing import Pacer


def settings_for(
    emulator: BotApiEmulator,
    *,
    database_url: str,
    staff_ids: list[int] | None = None,
    staff_chat_id: int | None = None,
    clinic_file: Path = DEFAULT_CLINIC_FILE,
) -> Settings:
    """Settings that point the bot at the emulator and a test database."""
    return Settings(
        telegram_bot_token=emulator.token,  # type: ignore[arg-type]
        telegram_api_base_url=emulator.base_url,
        telegram_api_base_file_url=emulator.base_file_url,
        database_url=database_url,
        mesobot_staff_ids=staff_ids or [],
        mesobot_staff_chat_id=staff_chat_id,
        mesobot_clinic_file=clinic_file,
    )


def quick_pacer() -> Pacer:
    """Telegram's budget at rates that keep tests quick: a test patient taps faster than a
    person can, and the emulator enforces no flood limits unless a test turns them on. The
    budget's own tests use `Pacer()`, Telegram's real limits, against those flood limits."""
    return Pacer(per_second=1000, per_chat_interval=0.001, group_limit=1000)


@asynccontextmanager
async def running_bot(
    settings: Settings, *, clock: Clock, pacer: Pacer | None = None
) -> AsyncIterator[MesobotApplication]:
    """The application started with long polling, and stopped cleanly afterwards."""
    application = build_application(settings, clock=clock, pacer=pacer or quick_pacer())
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)


def started_user(
    emulator: BotApiEmulator, name: str, last_name: str | None = None
) -> TelegramUser:
    """An emulator user who has pressed Start, so that the bot may write to them."""
    user = emulator.create_user(name, last_name=last_name)
    assert user.chat.user is not None
    user.chat.user.started_bot = True
    return user
