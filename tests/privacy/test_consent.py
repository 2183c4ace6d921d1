"""Consent through the emulator: the text names what is kept, /consent withdraws and gives
it again, and while it is withdrawn tips, check-ins and bookings stop but reminders and
/report go on. Every change is in the consent history."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import col, select

from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.flow.steps import CONSENT_VERSION
from mesobot.models import Patient
from mesobot.privacy.models import ConsentEvent
from mesobot.scheduling.localtime import utc_instant, zone_named
from tests.booking.test_flow import through_consent
from tests.care.conftest import booked_and_confirmed
from tests.privacy.conftest import Clinic

MADRID = zone_named("Europe/Madrid")


def madrid(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Madrid wall time in 2026 as a UTC instant."""
    return utc_instant(date(2026, month, day), time(hour, minute), MADRID)


def _text(message: Message) -> str:
    return message.text or ""


async def _patient(clinic: Clinic) -> Patient:
    async with clinic.app.bot_data.services.database.read() as session:
        found = await session.exec(
            select(Patient).where(Patient.telegram_user_id == clinic.patient.user.id)
        )
        return found.one()


async def _history(clinic: Clinic, patient_id: int) -> list[tuple[str, bool, str]]:
    async with clinic.app.bot_data.services.database.read() as session:
        events = await session.exec(
            select(ConsentEvent)
            .where(ConsentEvent.patient_id == patient_id)
            .order_by(col(ConsentEvent.id))
        )
        return [(event.version, event.given, event.actor) for event in events]


async def _delivered_after(clinic: Clinic, clock: ManualClock, at: datetime) -> list[str]:
    """Move the clock to `at`, let the outbox send what is due; the texts the patient got."""
    count = len(clinic.patient.user.bot_messages)
    clock.set(at)
    dispatcher = clinic.app.bot_data.dispatcher
    assert dispatcher is not None
    await dispatcher.drain()
    await clinic.patient.emulator.wait_until_delivered()
    return [_text(m) for m in clinic.patient.user.bot_messages[count:]]


async def test_the_consent_text_names_everything_kept_and_the_patients_choices(
    clinic: Clinic,
) -> None:
    replies = await clinic.patient.command("start")
    text = replies[-1].text
    for kept in ("check-ins", "reaction you report", "photos", "phone number", "health"):
        assert kept in text
    for command in ("/mydata", "/consent", "/forget"):
        assert command in text
    assert "5 years after your last visit" in text  # the clinic file's retention, told
    assert "ask the clinic at any time" not in text  # the old promise nothing kept


async def test_withdrawing_stops_tips_check_ins_and_booking_until_given_again(
    clinic: Clinic, clock: ManualClock
) -> None:
    patient = clinic.patient
    await through_consent(patient)
    ana = await _patient(clinic)
    assert ana.id is not None
    assert await _history(clinic, ana.id) == [(CONSENT_VERSION, True, "patient")]
    services = clinic.app.bot_data.services
    await booked_and_confirmed(services, ana.id)  # Thu 3 Dec 10:00 Madrid, 4 sessions

    replies = await patient.command("consent")
    assert "You agreed on Mon, 30 Nov 2026" in replies[-1].text
    _, replies = await patient.tap("Withdraw consent")
    assert "Your consent is withdrawn" in replies[-1].text
    assert (await _patient(clinic)).consent_version is None

    # The reminder of a booked session still comes; preparation, aftercare, check-in do not.
    got = await _delivered_after(clinic, clock, madrid(12, 2, 10, 0))
    assert any("Reminder" in text for text in got)
    got += await _delivered_after(clinic, clock, madrid(12, 2, 18, 0))
    got += await _delivered_after(clinic, clock, madrid(12, 3, 10, 30))
    got += await _delivered_after(clinic, clock, madrid(12, 4, 10, 0))
    assert not any("Tomorrow" in text for text in got)  # preparation
    assert not any("one to two weeks" in text for text in got)  # aftercare
    assert not any("treated area" in text for text in got)  # the day-1 check-in

    # /report stays open; /notifications says why tips are off; booking asks for consent.
    replies = await patient.command("report")
    assert "What do you see" in replies[-1].text
    replies = await patient.command("notifications")
    assert "consent is withdrawn" in replies[-1].text
    replies = await patient.command("start")
    assert "Before you book" in replies[-1].text

    # Given again from /consent: check-ins come again.
    replies = await patient.command("consent")
    assert "You have not given your consent" in replies[0].text
    await patient.tap("I agree")
    assert [given for _, given, _ in await _history(clinic, ana.id)] == [True, False, True]
    got = await _delivered_after(clinic, clock, madrid(12, 6, 10, 0))  # the day-3 check-in
    assert any("treated area" in text for text in got)


async def test_a_patient_under_an_older_text_is_asked_again_and_declining_withdraws(
    clinic: Clinic,
) -> None:
    patient = clinic.patient
    await through_consent(patient)
    ana = await _patient(clinic)
    assert ana.id is not None
    async with clinic.app.bot_data.services.database.write() as session:
        stored = await session.get(Patient, ana.id)
        assert stored is not None
        stored.consent_version = "2026-11"  # agreed before the text changed
        session.add(stored)

    replies = await patient.command("start")
    assert "Before you book" in replies[-1].text  # the new text, before any booking
    await patient.tap("No, thanks")
    assert (await _patient(clinic)).consent_version is None
    assert await _history(clinic, ana.id) == [
        (CONSENT_VERSION, True, "patient"),
        ("2026-11", False, "patient"),
    ]
