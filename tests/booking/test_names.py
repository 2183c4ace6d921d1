"""Names lose Unicode format and control characters, typed or taken from Telegram, so that a
patient cannot change how their name (and the rest of the line) shows to staff."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.flow.steps import clean_name, visible_name
from mesobot.migrate import alembic_config
from mesobot.models import Patient
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard
from tests.booking.test_flow import pick_first_slot, through_consent, through_questions

RLO, LRI, PDI, ZWJ, ZWSP = "\u202e", "\u2066", "\u2069", "\u200d", "\u200b"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HIDDEN = frozenset({"Cc", "Cf", "Cs"})


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (f"Ana{RLO} Pérez", "Ana Pérez"),  # would turn the rest of a staff line around
        (f"{LRI}Ana{PDI} Pérez", "Ana Pérez"),
        (f"A{ZWJ}na Pé{ZWSP}rez", "Ana Pérez"),  # looks like "Ana Pérez", would not match it
        ("Ana\x85Pérez\x9b", "Ana Pérez"),  # C1 controls: a line break and CSI
        ("Ana Pe\u0301rez", "Ana Pérez"),  # composed, as typed on another keyboard
        ("An\u00ada", "Ana"),  # a soft hyphen
    ],
)
def test_a_name_keeps_only_what_shows(typed: str, stored: str) -> None:
    assert clean_name(typed) == stored


def test_a_name_of_invisible_characters_is_no_name() -> None:
    assert clean_name(f"{RLO}{ZWSP}{ZWJ}\x85") is None
    assert clean_name(f"{ZWSP}/start") is None  # a command with a zero-width prefix


@given(st.text())
def test_no_name_keeps_a_format_or_control_character(text: str) -> None:
    name = clean_name(text)
    if name is not None:
        assert not {unicodedata.category(c) for c in name} & HIDDEN
        assert name == name.strip() == visible_name(name)


async def test_a_spoofed_name_reaches_staff_as_it_shows(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """Ana types her name with a right-to-left override and zero-width joiners; Bo takes his
    Telegram name, which has a zero-width space: staff read plain names, and so is stored."""
    rita = emulator.create_user("Rita")
    rita.user.started_bot = True
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        bo = PatientAtKeyboard(emulator, app, emulator.create_user(f"B{ZWSP}o{RLO}"))
        for patient, at in ((ana, "10:00"), (bo, "11:00")):
            await through_consent(patient)
            await patient.tap("Facial rejuvenation")
            await patient.tap("Book this treatment")
            await through_questions(patient)
            if patient is ana:
                await patient.text(f"{RLO}Ana{ZWJ} María{LRI} (staff)")
            else:
                assert "Use “Bo”" in patient.last.button_labels
                await patient.tap("Use “Bo”")
            await patient.contact("34600111222")
            await pick_first_slot(patient, 7, at)
            await patient.tap("Confirm")
        await emulator.wait_for(lambda: len(rita.bot_messages) >= 2)
    notices = [m.text or "" for m in rita.bot_messages]
    assert any("Ana María (staff)" in text for text in notices)
    assert any("Bo" in text for text in notices)
    assert not {unicodedata.category(c) for text in notices for c in text} & {"Cf"}
    async with database.read() as session:
        names = set(await session.exec(select(Patient.display_name)))
    assert names == {"Ana María (staff)", "Bo"}


def test_names_stored_before_are_cleaned_by_the_migration(empty_database_url: str) -> None:
    """A name stored by an older bot, with an override and a zero-width space, is plain
    after the upgrade; a name of nothing but such characters becomes no name."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "366720cd5f8b")
    names = [f"Ana{RLO}{ZWSP} Pérez", "Bo", f"{ZWJ}{LRI}"]
    asyncio.run(_store_old_names(empty_database_url, names))
    command.upgrade(config, "head")
    assert asyncio.run(_stored_names(empty_database_url)) == ["Ana Pérez", "Bo", None]


async def _store_old_names(url: str, names: list[str]) -> None:
    database = Database(url)
    try:
        async with database.write() as session:
            connection = await session.connection()
            for n, name in enumerate(names):
                await connection.execute(
                    sa.text(
                        "INSERT INTO patient (telegram_user_id, language, created_at, "
                        "last_seen_at, display_name) VALUES (:id, 'en', :at, :at, :name)"
                    ),
                    {"id": 500 + n, "name": name, "at": NOW},
                )
    finally:
        await database.dispose()


async def _stored_names(url: str) -> list[str | None]:
    database = Database(url)
    try:
        async with database.read() as session:
            return list(await session.exec(select(Patient.display_name).order_by(Patient.id)))
    finally:
        await database.dispose()
