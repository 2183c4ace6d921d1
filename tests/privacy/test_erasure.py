"""Erasure end to end: /forget and staff's Erase through the emulator, then scans of every
table, of SQLite's files and of the log for what the patient gave."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Text, cast, select
from sqlmodel import SQLModel

from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.lifecycle import Change
from mesobot.models import Appointment, Patient, SessionState
from mesobot.outbox.models import OutboxMessage
from mesobot.privacy.models import ClinicalIdentity
from mesobot.texts.dates import day_label
from tests.booking.driver import courses_of
from tests.booking.test_flow import pick_first_slot, through_consent
from tests.care.conftest import change_session
from tests.privacy.conftest import Clinic

NAME = "Inés Peñalver"
PHONE = "34611987654"
NOTE = "Moratón fácil tras la última sesión"


def _text(message: Message) -> str:
    return message.text or ""


async def _book_and_confirm(clinic: Clinic) -> list[Appointment]:
    """Inés books a facial course through the flow, with her name, phone and a note; Rita
    confirms it all, so reminders and the calendar file are queued for her."""
    patient = clinic.patient
    await through_consent(patient)
    await patient.tap("Facial rejuvenation")
    await patient.tap("Book this treatment")
    for answer in ("Yes: lidocaine or procaine", "No", "No", "No", "Never had injections"):
        await patient.tap(answer)
    await patient.text(NOTE)
    await patient.text(NAME)
    await patient.contact(PHONE)
    await pick_first_slot(patient, 7, "10:00")
    await patient.tap("Confirm")
    notice = await clinic.rita.next_bot_message(
        after=None, where=lambda m: "✅ Confirm all" in m.button_labels, within=10
    )
    clinic.rita.press_button("✅ Confirm all", message=notice)
    await patient.user.next_bot_message(
        after=None, where=lambda m: "Confirmed" in _text(m), within=10
    )
    [(_course, appointments)] = await courses_of(
        patient.app.bot_data.services.database, patient.user.id
    )
    return appointments


def _needles() -> list[str]:
    found = []
    for value in (NAME, PHONE, NOTE, "Peñalver"):
        found += [value, json.dumps(value)[1:-1]]  # as json.dumps writes it: \u00f1
    return sorted(set(found))


async def _tables_holding(database: Database) -> set[str]:
    """Every table with a column whose text holds one of the needles."""
    holding = set()
    async with database.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            columns = [cast(column, Text) for column in table.columns]
            for row in (await session.exec(select(*columns))).all():  # type: ignore[call-overload]
                if any(needle in str(value) for value in row for needle in _needles()):
                    holding.add(table.name)
    return holding


def _sqlite_files_holding(database_url: str) -> list[str]:
    """Which of the SQLite files (database, -wal, -journal) hold a needle's bytes."""
    path = Path(database_url.removeprefix("sqlite:///"))
    holding = []
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-journal")):
        if file.exists():
            content = file.read_bytes()
            if any(needle.encode() in content for needle in _needles()):
                holding.append(file.name)
    return holding


async def _outbox_rows_to(database: Database, chat_id: int) -> int:
    """How many outbox rows, in any state, are addressed to `chat_id`."""
    async with database.read() as session:
        rows = await session.exec(
            select(OutboxMessage.id).where(OutboxMessage.recipient == chat_id)  # type: ignore[call-overload]
        )
        return len(rows.all())


async def _weeks_pass(clinic: Clinic, clock: ManualClock) -> None:
    """Eight weeks pass: every reminder, preparation and check-in would have been due."""
    dispatcher = clinic.app.bot_data.dispatcher
    assert dispatcher is not None
    for _ in range(8):
        clock.advance(timedelta(days=7))
        await dispatcher.drain()


async def test_forget_erases_everything_of_a_patient_never_treated(
    clinic: Clinic, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """/forget explains, asks, cancels the sessions (staff told by codes and dates), sends
    nothing more but the confirmation, and leaves the name, phone and note nowhere."""
    caplog.set_level(logging.INFO)
    appointments = await _book_and_confirm(clinic)
    patient = clinic.patient
    if clinic.database_url.startswith("sqlite"):
        assert _sqlite_files_holding(clinic.database_url)  # the scan sees what is there
    [explanation] = await patient.command("forget")
    text = _text(explanation)
    assert "Deleted at once" in text
    assert "4 future sessions will be cancelled" in text
    assert "must keep:</b> nothing" in text or "must keep: nothing" in text
    assert "48 hours" in text
    assert explanation.button_labels == ["Yes, delete my data", "Keep my data"]
    await patient.tap("Yes, delete my data")
    # The confirmation replaces the question: the last message the patient gets.
    assert "Your data has been deleted" in _text(explanation)
    told = await clinic.rita.next_bot_message(
        after=None, where=lambda m: "Sessions cancelled" in _text(m), within=10
    )
    for appointment in appointments:
        assert appointment.code in _text(told)
        assert day_label(appointment.local_date, "en") in _text(told)
    assert "Inés" not in _text(told)
    messages_before = len(patient.user.chat.messages)
    await _weeks_pass(clinic, clock)
    assert len(patient.user.chat.messages) == messages_before
    assert await _outbox_rows_to(clinic.app.bot_data.services.database, patient.user.id) == 0
    database = clinic.app.bot_data.services.database
    async with database.read() as session:
        assert (await session.exec(select(Patient))).all() == []  # type: ignore[call-overload]
    assert await _tables_holding(database) == set()
    if clinic.database_url.startswith("sqlite"):
        await database.checkpoint()
        assert _sqlite_files_holding(clinic.database_url) == []
    assert caplog.records
    for needle in _needles():
        assert needle not in caplog.text


async def test_a_stale_forget_button_erases_nothing(clinic: Clinic, clock: ManualClock) -> None:
    """Confirm pressed again after the erasure, once the patient began anew, does nothing."""
    patient = clinic.patient
    await through_consent(patient)
    [explanation] = await patient.command("forget")
    stale = str(explanation.buttons[0]["callback_data"])
    await patient.tap("Yes, delete my data", message=explanation)
    clock.advance(timedelta(minutes=1))
    await through_consent(patient)  # a new patient now, maybe with the same id (SQLite)
    await patient.tap(data=stale, message=explanation)
    database = clinic.app.bot_data.services.database
    async with database.read() as session:
        [again] = (await session.exec(select(Patient))).all()  # type: ignore[call-overload]
    assert again[0].telegram_user_id == patient.user.id
    assert again[0].consent_at is not None


async def test_staff_erase_keeps_the_given_sessions_identity_only_in_clinical_identity(
    clinic: Clinic, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Erase in /patient asks again, erases, and keeps the record of the session given: the
    name, phone and note are then only in clinical_identity, and /patient shows them there."""
    caplog.set_level(logging.INFO)
    appointments = await _book_and_confirm(clinic)
    services = clinic.app.bot_data.services
    clock.advance(appointments[0].start_utc + timedelta(hours=2) - clock.now())
    await change_session(services, appointments[0].id or 0, SessionState.DONE, Change.DONE)
    rita = clinic.rita
    async with services.database.read() as session:
        [patient] = (await session.exec(select(Patient))).all()  # type: ignore[call-overload]
    patient_id = patient[0].id
    rita.send_command("patient", str(patient_id))
    view = await rita.next_bot_message(where=lambda m: f"Erase #{patient_id}" in m.button_labels)
    rita.press_button(f"Erase #{patient_id}", message=view)
    question = await rita.next_bot_message(
        after=view, where=lambda m: "Erase now" in m.button_labels
    )
    assert "cannot be undone" in _text(question)
    rita.press_button("Erase now", message=question)
    told = await rita.next_bot_message(
        after=question, where=lambda m: "Sessions cancelled" in _text(m), within=10
    )
    for appointment in appointments[1:]:
        assert appointment.code in _text(told)
    assert appointments[0].code not in _text(told)
    await clinic.patient.emulator.wait_for(lambda: "erased;" in _text(question))
    assert await _tables_holding(services.database) == {ClinicalIdentity.__tablename__}
    messages_before = len(clinic.patient.user.chat.messages)
    await _weeks_pass(clinic, clock)
    assert len(clinic.patient.user.chat.messages) == messages_before
    assert await _outbox_rows_to(services.database, clinic.patient.user.id) == 0
    async with services.database.read() as session:
        identity = await session.get(ClinicalIdentity, patient_id)
        kept = await session.get(Appointment, appointments[0].id)
    assert identity is not None
    assert (identity.display_name, identity.phone) == (NAME, PHONE)
    assert NOTE in json.dumps(identity.record, ensure_ascii=False)
    assert identity.keep_until.year == appointments[0].start_utc.year + 5
    assert kept is not None
    assert kept.state is SessionState.DONE
    rita.send_command("patient", "peñalver")  # found by the kept identity's name
    shown = await rita.next_bot_message(where=lambda m: "Erased patient" in _text(m))
    assert NAME in _text(shown)
    assert PHONE in _text(shown)
    for needle in _needles():
        assert needle not in caplog.text


async def test_forget_after_a_session_staff_have_not_marked_keeps_its_record(
    clinic: Clinic, clock: ManualClock
) -> None:
    """The first session is over but not marked Done: it may have been given, so /forget
    keeps the clinical identity for it (a Done marked later would otherwise have nobody)."""
    appointments = await _book_and_confirm(clinic)
    clock.advance(appointments[0].start_utc + timedelta(hours=2) - clock.now())
    replies = await clinic.patient.command("forget")
    assert "5 years after your last session" in replies[-1].text
    await clinic.patient.tap("Yes, delete my data")
    services = clinic.app.bot_data.services
    async with services.database.read() as session:
        identities = (await session.exec(select(ClinicalIdentity))).all()  # type: ignore[call-overload]
        first = await session.get(Appointment, appointments[0].id)
    [(identity,)] = identities
    assert identity.keep_until == appointments[0].start_utc.replace(
        year=appointments[0].start_utc.year + 5
    )
    assert first is not None
    assert first.state is SessionState.CONFIRMED  # left for staff to mark
