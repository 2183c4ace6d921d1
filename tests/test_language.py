"""/language for patients through the real application and the emulator: Telegram's language
decides the first time only; the choice is stored, confirmed in it, used by the outbox, and
sets that chat's command menu."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.languages import LanguageChoice
from mesobot.models import Patient
from tests.app_harness import running_bot, settings_for
from tests.outbox.factories import queue_text

FRENCH_HELP = "Ce que je peux faire"
GERMAN_HELP = "Was ich für Sie tun kann"
LANGUAGES = ["English", "Español", "Português", "Français", "Italiano", "Deutsch"]


def _labels(message: Message) -> list[str]:
    return [label.removeprefix("✓ ") for label in message.button_labels]


async def _help(user: TelegramUser) -> str:
    user.send_command("help")
    return (await user.next_bot_message()).text or ""


async def _choose(emulator: BotApiEmulator, user: TelegramUser, label: str) -> Message:
    """/language, then the button `label`; the question, edited into the confirmation."""
    user.send_command("language")
    question = await user.next_bot_message()
    press = user.press_button(label, message=question)
    await emulator.wait_for(lambda: press.answered and question.buttons == [])
    return question


def _chat_menus(emulator: BotApiEmulator, chat_id: int) -> list[dict[str, object]]:
    """The setMyCommands calls scoped to this chat, in order."""
    return [
        call.params
        for call in emulator.calls
        if call.method == "setMyCommands"
        and (call.params.get("scope") or {}).get("chat_id") == chat_id
    ]


async def test_a_patient_starts_in_telegrams_language_and_switches_with_language(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    settings = settings_for(emulator, database_url=database_url)
    async with running_bot(settings, clock=clock):
        marie = emulator.create_user("Marie", language_code="fr")
        assert FRENCH_HELP in await _help(marie)
        marie.send_command("language")
        question = await marie.next_bot_message()
        assert question.text == "Dans quelle langue voulez-vous que je vous écrive ?"
        assert _labels(question) == LANGUAGES
        assert "✓ Français" in question.button_labels
        assert _chat_menus(emulator, marie.id) == []  # the per-language menus, until now
        press = marie.press_button("Deutsch", message=question)
        await emulator.wait_for(lambda: press.answered and question.buttons == [])
        assert question.text == "Erledigt: Ab jetzt schreibe ich Ihnen auf Deutsch."
        assert GERMAN_HELP in await _help(marie)
    async with database.read() as session:
        patient = (await session.exec(select(Patient))).one()
    assert patient.language == "de"
    [menu] = _chat_menus(emulator, marie.id)
    assert "language_code" not in menu  # the chat's menu in every app language
    descriptions = {c["command"]: c["description"] for c in menu["commands"]}  # type: ignore[attr-defined]
    assert descriptions["language"] == "Sprache wählen, in der ich Ihnen schreibe"
    assert descriptions["forget"] == "Ihre Daten löschen"
    assert emulator.world.commands[(repr([("chat_id", marie.id), ("type", "chat")]), "")]

    # Restarted, the bot still writes German to her French Telegram, the outbox too.
    async with running_bot(settings, clock=clock):
        assert GERMAN_HELP in await _help(marie)
        await queue_text(
            database,
            recipient=marie.id,
            text="Hallo",
            due_at=clock.now() - timedelta(minutes=10),
            now=clock.now(),
        )
        sent = await marie.next_bot_message(where=lambda m: (m.text or "").startswith("Hallo"))
    assert "10 Minuten verspätet gesendet" in (sent.text or "")


async def test_a_language_the_clinic_does_not_declare_gets_its_first_one(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    async with running_bot(settings_for(emulator, database_url=database_url), clock=clock):
        kai = emulator.create_user("Kai", language_code="fi")
        kai.send_command("language")
        question = await kai.next_bot_message()
        assert question.text == "In which language should I write to you?"
        assert "✓ English" in question.button_labels
        question = await _choose(emulator, kai, "Español")
        assert question.text == "Hecho: a partir de ahora te escribiré en español."
        assert "Qué puedo hacer" in await _help(kai)
    async with database.read() as session:
        patient = (await session.exec(select(Patient))).one()
    assert patient.language == "es"


async def test_a_forged_or_undeclared_language_button_changes_nothing(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    async with running_bot(
        settings_for(emulator, database_url=database_url), clock=clock
    ) as application:
        codec = application.bot_data.services.codec
        lena = emulator.create_user("Lena", language_code="de")
        lena.send_command("language")
        question = await lena.next_bot_message()
        press = lena.press_button(data=codec.encode(LanguageChoice("fi")), message=question)
        await emulator.wait_for(lambda: press.answered)
        assert GERMAN_HELP in await _help(lena)
    assert _chat_menus(emulator, lena.id) == []
