"""With no staff configured, the bot says so at start and promises patients nothing staff would
have to keep: wherever they would read "staff have it", they read whom to call instead."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.outbox.models import OutboxMessage
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard
from tests.booking.test_flow import (
    pick_first_slot,
    through_consent,
    through_contact,
    through_questions,
)
from tests.care.conftest import add_patient, booked_and_confirmed, started
from tests.care.test_schedule import madrid
from tests.factories import sample_clinic

CALL_THE_CLINIC = "Nobody at the clinic reads this bot yet: please call the clinic on {phone}."
PHONE = sample_clinic().clinic.phone


def _text(message: Message) -> str:
    return message.text or message.caption or ""


async def test_without_staff_a_report_gives_the_clinics_phone_and_the_start_log_warns(
    emulator: BotApiEmulator,
    database_url: str,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The report, its description and a reschedule answer: each reply says to call, and the
    bot never claims staff have it; nobody but the patient is sent anything."""
    lucia = started(emulator.create_user("Lucía"))
    settings = settings_for(emulator, database_url=database_url)  # MESOBOT_STAFF_IDS empty
    with caplog.at_level(logging.WARNING, logger="mesobot"):
        async with running_bot(settings, clock=clock) as app:
            warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
            assert any("MESOBOT_STAFF_IDS is empty" in line for line in warnings), warnings
            services = app.bot_data.services
            patient_id = await add_patient(
                services.database, lucia.id, language="en", now=clock.now()
            )
            await booked_and_confirmed(services, patient_id)
            await lucia.next_bot_message(where=lambda m: m.document is not None)
            clock.set(madrid(2026, 12, 3, 11, 0))  # an hour after session 1: the clinic is open
            await emulator.wait_until_delivered()
            lucia.send_command("report")
            question = await lucia.next_bot_message(where=lambda m: "What do you see" in _text(m))
            assert "staff" not in _text(question)
            lucia.press_button(sample_clinic().care.signs["infection"].label.in_language("en"))
            prompt = await lucia.next_bot_message(
                after=question, where=lambda m: "send a photo" in _text(m)
            )
            replies = lucia.chat.messages[lucia.chat.messages.index(question) + 1 :]
            received = next(m for m in replies if "Your report is stored" in _text(m))
            assert CALL_THE_CLINIC.format(phone=PHONE) in _text(received)
            assert "emergency services (112)" in _text(received)
            lucia.send_text("Red and warm since yesterday", reply_to=prompt)
            added = await lucia.next_bot_message(where=lambda m: "with your report" in _text(m))
            assert _text(added) == (
                "Thank you, it is stored with your report. " + CALL_THE_CLINIC.format(phone=PHONE)
            )
            clock.set(madrid(2026, 12, 16, 10, 5))  # a day before session 2: its reminder
            reminder = await lucia.next_bot_message(
                after=added, where=lambda m: "I need to move it" in m.button_labels
            )
            lucia.press_button("I need to move it", message=reminder)
            answer = await lucia.next_bot_message(
                after=reminder, where=lambda m: "/appointments" in _text(m)
            )
            assert _text(answer) == (
                "Thank you. Use /appointments to choose a new date. "
                + CALL_THE_CLINIC.format(phone=PHONE)
            )
            async with services.database.read() as session:
                recipients = {m.recipient for m in (await session.exec(select(OutboxMessage)))}
    assert recipients == {lucia.id}
    told = " ".join(_text(m) for m in lucia.bot_messages)
    assert "staff have" not in told
    assert "will contact you" not in told


async def test_without_staff_a_request_and_a_cancellation_say_whom_to_call(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> None:
    """The preview, the request sent and cancelled sessions: no "the clinic will confirm"
    and no "the clinic has been told", since nobody would."""
    settings = settings_for(emulator, database_url=database_url)  # MESOBOT_STAFF_IDS empty
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await through_consent(ana)
        await ana.tap("Facial rejuvenation")
        await ana.tap("Book this treatment")
        await through_questions(ana)
        await through_contact(ana)
        await pick_first_slot(ana, 7, "10:00")
        call = CALL_THE_CLINIC.format(phone=PHONE)
        assert f"This is a request. {call}" in ana.last.text
        assert "will confirm" not in ana.last.text
        await ana.tap("Confirm")
        assert ana.last.text == f"Your request is stored, but it is not confirmed. {call}"
        await ana.command("appointments")
        await ana.tap("Cancel session 2")
        await ana.tap("Cancel this and all later sessions")
        cancelled = next(m for m in reversed(ana.user.bot_messages) if "Cancelled" in m.text)
        assert cancelled.text.startswith(f"Cancelled. {call}")
        assert "has been told" not in cancelled.text
