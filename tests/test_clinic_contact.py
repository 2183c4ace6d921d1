"""The clinic one tap away: /clinic with its map pin and hours, /help with /report first, and
Talk to a person, which tells each staff member privately, once an hour per patient."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Chat, Message
from mesobot.clock import ManualClock
from mesobot.config import DEFAULT_CLINIC_FILE
from mesobot.handlers.context import MesobotApplication
from tests.app_harness import running_bot, settings_for


def _text(message: Message) -> str:
    return message.text or ""


@dataclass
class Clinic:
    """The running bot, two staff members and their group."""

    app: MesobotApplication
    emulator: BotApiEmulator
    staff: list[TelegramUser]
    group: Chat


async def _clinic(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock, clinic_file: Path
) -> AsyncIterator[Clinic]:
    staff = [emulator.create_user(name) for name in ("Marta", "Rui")]
    for member in staff:
        member.user.started_bot = True
    group = emulator.create_group("Clinic staff", staff)
    settings = settings_for(
        emulator,
        database_url=database_url,
        staff_ids=[member.id for member in staff],
        staff_chat_id=group.id,
        clinic_file=clinic_file,
    )
    async with running_bot(settings, clock=clock) as app:
        yield Clinic(app, emulator, staff, group)


@pytest.fixture
async def clinic(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[Clinic]:
    async for running in _clinic(emulator, database_url, clock, DEFAULT_CLINIC_FILE):
        yield running


async def test_clinic_shows_the_map_pin_then_address_phone_and_hours(clinic: Clinic) -> None:
    ana = clinic.emulator.create_user("Ana", language_code="en")
    ana.send_command("clinic")
    card = await ana.next_bot_message(where=lambda m: "Opening hours" in _text(m))
    [pin] = [m for m in ana.bot_messages if m.venue is not None]
    assert pin.venue is not None
    assert pin.venue["location"] == {"latitude": 40.4169, "longitude": -3.7035}
    assert pin.venue["title"] == "Mesobot Demo Clinic"
    assert pin.message_id < card.message_id  # the pin first, the card under it
    text = _text(card)
    assert "Calle de Ejemplo 1, 28001 Madrid" in text
    assert "+34 910 000 000" in text
    assert "Today: 09:00-13:00, 15:00-19:00" in text  # Monday 30 November, in Madrid
    assert "Friday: 09:00-14:00" in text
    assert "Sunday: closed" in text
    assert card.button_labels == ["📞 Talk to a person"]


async def test_clinic_in_spanish_and_without_coordinates_as_text_only(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock, tmp_path: Path
) -> None:
    sample = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    unplaced = "".join(
        line
        for line in sample.splitlines(keepends=True)
        if not line.startswith(("latitude", "longitude"))
    )
    clinic_file = tmp_path / "clinic.toml"
    clinic_file.write_text(unplaced, encoding="utf-8")
    async for clinic in _clinic(emulator, database_url, clock, clinic_file):
        lucia = clinic.emulator.create_user("Lucía", language_code="es")
        lucia.send_command("clinic")
        card = await lucia.next_bot_message(where=lambda m: "Horario" in _text(m))
        assert "Hoy: 09:00-13:00, 15:00-19:00" in _text(card)
        assert "domingo: cerrado" in _text(card)
        assert all(m.venue is None for m in lucia.bot_messages)
        assert card.button_labels == ["📞 Hablar con una persona"]
        press = lucia.press_button("📞 Hablar con una persona", message=card)
        await clinic.emulator.wait_for(lambda press=press: press.answered)
        told = await lucia.next_bot_message(where=lambda m: "te llame" in _text(m))
        assert "He pedido a la clínica que te llame" in _text(told)
        assert "+34 910 000 000" in _text(told)


async def test_help_puts_report_first_and_talk_to_a_person_tells_staff_privately(
    clinic: Clinic,
) -> None:
    ana = clinic.emulator.create_user("Ana", language_code="en")
    ana.send_command("help")
    help_reply = await ana.next_bot_message(where=lambda m: "What I can do" in _text(m))
    text = _text(help_reply)
    assert text.index("/report") < text.index("/start")
    for command in ("/calendar", "/notifications", "/clinic", "/consent", "/forget"):
        assert command in text
    assert "+34 910 000 000" in text
    for _ in range(2):  # pressed twice: staff hear it once
        press = ana.press_button("📞 Talk to a person", message=help_reply)
        await clinic.emulator.wait_for(lambda press=press: press.answered)
    told = await ana.next_bot_message(where=lambda m: "call you back" in _text(m))
    assert "+34 910 000 000" in _text(told)
    for member in clinic.staff:
        notice = await member.next_bot_message(where=lambda m: "asked to talk" in _text(m))
        links = [entity.get("url") for entity in notice.entities]
        assert f"tg://user?id={ana.id}" in links  # a tap opens her chat
        assert "no phone number" in _text(notice)  # she never booked, so none is on record
    await clinic.emulator.wait_until_delivered()
    for member in clinic.staff:
        asks = [m for m in member.bot_messages if "asked to talk" in _text(m)]
        assert len(asks) == 1
    assert not any("asked to" in _text(m) for m in clinic.group.messages)
