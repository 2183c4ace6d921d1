"""/start and /help through the real application and the emulator."""

from __future__ import annotations

from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.models import Patient
from tests.app_harness import running_bot, settings_for


async def test_start_greets_with_escaped_name_and_remembers_the_patient(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """A new user gets the welcome, their name escaped, and is stored with their language."""
    async with running_bot(settings_for(emulator, database_url=database_url), clock=clock):
        ana = emulator.create_user('<Ana & "Bo">', language_code="es-ES")
        ana.send_command("start")
        reply = await ana.next_bot_message()
    assert '<Ana & "Bo">' in reply.text
    assert "Soy el asistente" in reply.text  # Spanish, from Telegram's language_code
    async with database.read() as session:
        patient = (await session.exec(select(Patient))).one()
    assert patient.telegram_user_id == ana.id
    assert patient.language == "es"
    assert patient.created_at == clock.now()


async def test_command_menu_is_published_in_each_language(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> None:
    """Start-up publishes the patients' command menu in each language the clinic declares,
    the first (English) as the menu of every other app language."""
    async with running_bot(settings_for(emulator, database_url=database_url), clock=clock):
        pass
    calls = [call.params for call in emulator.calls if call.method == "setMyCommands"]
    languages = sorted(str(params.get("language_code", "")) for params in calls)
    assert languages == ["", "de", "es", "fr", "it", "pt"]


async def test_help_lists_commands_for_an_unknown_language(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> None:
    """A language without a catalog falls back to English."""
    async with running_bot(settings_for(emulator, database_url=database_url), clock=clock):
        user = emulator.create_user("Kai", language_code="fi")
        user.send_command("help")
        reply = await user.next_bot_message()
    assert "What I can do" in reply.text
