"""Per-user order and fairness, through the real application and the emulator: a user with a
thousand queued updates keeps their order and loses no text or photo, while another user is
served at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from tests.app_harness import running_bot, settings_for
from tests.databases import SqliteDatabases

# The processor does not depend on the database: SQLite only, to keep the test short.


@pytest.fixture
async def app(
    emulator: BotApiEmulator,
    sqlite_databases: SqliteDatabases,
    migrated_sqlite_file: Path,
    clock: ManualClock,
) -> AsyncIterator[MesobotApplication]:
    """The real application, with a probe that records the order updates are handled in."""
    url = sqlite_databases.copy_of(migrated_sqlite_file)
    async with running_bot(settings_for(emulator, database_url=url), clock=clock) as application:
        yield application


def _record_handling(application: MesobotApplication) -> list[Update]:
    handled: list[Update] = []

    async def record(update: Update, _context: object) -> None:
        handled.append(update)

    # Group -100 runs before every feature and lets the update go on to them.
    application.add_handler(TypeHandler(Update, record), group=-100)
    return handled


async def _started(emulator: BotApiEmulator, name: str) -> TelegramUser:
    user = emulator.create_user(name)
    sent = user.send_command("start")
    await user.next_bot_message(sent)
    await emulator.wait_until_delivered()
    return user


async def test_a_backlog_of_one_user_neither_delays_another_nor_loses_its_own_messages(
    emulator: BotApiEmulator, app: MesobotApplication
) -> None:
    """A queues 1,000 updates (texts, photos, one button pressed 500 times, /help 300 times),
    then B sends /help: B is handled before A's second queued update, A's updates keep their
    order, every text and photo of A's is handled, repeats are dropped, no press is left
    unanswered."""
    patient_a, patient_b = await _started(emulator, "Ana"), await _started(emulator, "Bruno")
    await emulator.wait_for(lambda: patient_a.bot_messages and patient_b.bot_messages)
    handled = _record_handling(app)
    consent = patient_a.bot_messages[-1]
    kept: list[int] = []  # the message ids of A's texts and photos, in the order sent
    for number in range(1000):
        kind = number % 10
        if kind < 5:
            patient_a.press_button(message=consent, data=consent.buttons[0]["callback_data"])
        elif kind < 8:
            patient_a.send_command("help")
        elif kind == 8:
            kept.append(patient_a.send_text(f"message {number}").message_id)
        else:
            kept.append(patient_a.send_photo().message_id)
    patient_b.send_command("help")

    await emulator.wait_until_delivered(within=120)
    await emulator.wait_for(lambda: app.update_processor.current_concurrent_updates == 0, 120)

    senders = [u.effective_user.id for u in handled if u.effective_user]
    assert patient_b.id in senders[:2], "B waited behind A's backlog"
    of_a = [u for u in handled if u.effective_user and u.effective_user.id == patient_a.id]
    ids = [u.update_id for u in of_a]
    assert ids == sorted(ids), "A's updates were handled out of order"
    handled_messages = [u.message.message_id for u in of_a if u.message and not _is_help(u)]
    assert handled_messages == kept, "a text or photo of A's was dropped"
    assert sum(1 for u in of_a if u.callback_query) < 500  # the repeated press was coalesced
    assert sum(1 for u in of_a if _is_help(u)) < 300
    assert emulator.unanswered_callback_queries() == []


def _is_help(update: Update) -> bool:
    return bool(update.message and update.message.text == "/help")
