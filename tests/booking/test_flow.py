"""The booking flow end to end: the real application against the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time

import pytest
from sqlmodel import select

from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.models import CourseState, FlowDraft, Patient, SessionState
from mesobot.outbox.models import OutboxMessage
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard, courses_of
from tests.emulator.server import BotApiEmulator



@pytest.fixture
async def patient(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[PatientAtKeyboard]:
    """Ana, talking to the running bot (staff: one member)."""
    rita = emulator.create_user("Rita")
    rita.user.started_bot = True  # staff have opened the bot before
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        yield PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))


async def through_consent(patient: PatientAtKeyboard) -> None:
    """From /start to the list of treatments."""
    replies = await patient.command("start")
    assert "Before you book" in replies[-1].text
    await patient.tap("I agree")
    await patient.tap("Yes, I am 18 or older")
    assert "Our treatments" in patient.last.text


async def through_questions(patient: PatientAtKeyboard) -> None:
    """Answer the questionnaire: an allergy to lidocaine, everything else no."""
    await patient.tap("Yes: lidocaine or procaine")
    await patient.tap("No")
    await patient.tap("No")
    await patient.tap("No")
    await patient.tap("Never had injections")
    await patient.text("I bruise easily")


async def through_contact(patient: PatientAtKeyboard, name: str = "Ana María") -> None:
    """Name typed, phone shared with the contact button."""
    await patient.text(name)
    await patient.contact("34600111222")


async def pick_first_slot(patient: PatientAtKeyboard, day: int, at: str) -> None:
    """Pick a date of the calendar shown and a time, up to the preview."""
    await patient.tap(str(day))
    await patient.tap(at)
    assert "Your course" in patient.last.text


async def test_a_facial_course_is_requested_with_its_answers(
    patient: PatientAtKeyboard, database: Database
) -> None:
    """The whole flow: the course is stored as requested with flagged answers; staff told."""
    await through_consent(patient)
    await patient.tap("Facial rejuvenation")
    info = patient.last.text
    assert "4 sessions, 14 to 21 days apart" in info
    assert "$1,000.00 to $2,400.00" in info
    assert "insurance" in info
    await patient.tap("Book this treatment")
    await through_questions(patient)
    await through_contact(patient)
    assert "December 2026" in patient.last.text
    await pick_first_slot(patient, 7, "10:00")
    preview = patient.last.text
    assert "Mon, 7 Dec 2026, 10:00" in preview
    assert "(14 days after the previous one)" in preview
    _notice, replies = await patient.tap("Confirm")
    assert "not confirmed yet" in replies[-1].text
    [(course, sessions)] = await courses_of(database, patient.user.id)
    assert course.state is CourseState.REQUESTED
    assert course.treatment == "facial_rejuvenation"
    assert [s.local_date for s in sessions] == [
        date(2026, 12, 7), date(2026, 12, 21), date(2027, 1, 4), date(2027, 1, 18)
    ]
    assert all(s.local_time == time(10) and s.state is SessionState.REQUESTED for s in sessions)
    assert course.answers["questionnaire"]["allergies"] == "anaesthetic"
    assert course.answers["note"] == "I bruise easily"
    assert course.answers["flags"] == ["allergies", "note"]
    async with database.sessions() as session:
        stored = (await session.exec(select(Patient).where(Patient.telegram_user_id == patient.user.id))).one()
        drafts = (await session.exec(select(FlowDraft))).all()
        notices = (await session.exec(select(OutboxMessage))).all()
    assert (stored.display_name, stored.phone) == ("Ana María", "34600111222")
    assert stored.consent_version is not None and stored.consent_at is not None
    assert stored.adult_confirmed_at is not None
    assert drafts == []
    assert len(notices) == 1  # the new request, to the one staff member
