"""The blepharoplasty review end to end on the test clock, through the emulator: the first
session Done, the six-week review to staff, the second session added, chosen by the patient
inside the 42-49 day window, requested and confirmed, then its reminders and aftercare."""

from __future__ import annotations

from datetime import date, time

from sqlmodel import col, select

from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.staff import buttons
from mesobot.staff.reviews import FOLLOW_UP_OF, REVIEW_KEY
from mesobot.texts.dates import day_label
from tests.booking.driver import PatientAtKeyboard
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_schedule import madrid


def _day(year: int, month: int, day: int) -> str:
    # As the bot writes dates to an English reader (one formatter for every message).
    return day_label(date(year, month, day), "en")


async def _courses(app: MesobotApplication, patient_id: int) -> list[Course]:
    async with app.bot_data.services.database.read() as session:
        query = select(Course).where(Course.patient_id == patient_id).order_by(col(Course.id))
        return list(await session.exec(query))


async def _sessions(app: MesobotApplication, course_id: int | None) -> list[Appointment]:
    async with app.bot_data.services.database.read() as session:
        query = select(Appointment).where(Appointment.course_id == course_id)
        return list(await session.exec(query.order_by(col(Appointment.number))))


async def _patient_ready_to_book(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> int:
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    async with services.database.write() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        patient.adult_confirmed_at = clock.now()
        patient.display_name, patient.phone = "Lucía", "+34 600 111 222"
        session.add(patient)
    return patient_id


async def test_the_second_session_is_added_at_six_weeks_booked_and_confirmed(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    services = app.bot_data.services
    patient_id = await _patient_ready_to_book(app, world, clock)
    [first] = await booked_and_confirmed(
        services, patient_id, treatment="lower_blepharoplasty", session_count=1
    )  # Thu 3 Dec 2026 10:00 Madrid
    marta = PatientAtKeyboard(world.emulator, app, world.staff[0])
    lucia = PatientAtKeyboard(world.emulator, app, world.patient)

    # The first session is Done, from /agenda; the agenda then offers the review.
    clock.set(madrid(2026, 12, 3, 10, 20))
    [agenda] = await marta.command("agenda", "2026-12-03")
    done = services.codec.encode(buttons.SessionAction(first.id or 0, first.version, "d"))
    await marta.tap(data=done, message=agenda)
    [agenda] = await marta.command("agenda", "2026-12-03")
    assert "Add the second session" in agenda.button_labels
    assert "Not needed" in agenda.button_labels

    # At the six-week check-in (day 42, 14 January), each staff member is asked.
    clock.set(madrid(2027, 1, 14, 9, 59))
    await world.emulator.wait_until_delivered()
    assert not [m for m in marta.user.bot_messages if "Six-week review" in (m.text or "")]
    clock.set(madrid(2027, 1, 14, 10, 0))
    review = await marta.user.next_bot_message(where=lambda m: "Six-week review" in (m.text or ""))
    assert "Lucía" in (review.text or "")
    assert f"between {_day(2027, 1, 14)} and {_day(2027, 1, 21)}" in (review.text or "")
    notice, _ = await marta.tap("Add the second session", message=review)
    assert notice == "Second session added; the patient is asked to choose a time."
    assert "the patient is choosing a time" in (review.text or "")
    [course] = await _courses(app, patient_id)
    assert course.answers[REVIEW_KEY] == "added"

    # The patient picks a time inside the window, with the booking flow's calendar.
    offer = await lucia.user.next_bot_message(where=lambda m: "advises a second" in (m.text or ""))
    assert f"between {_day(2027, 1, 14)} and {_day(2027, 1, 21)}" in (offer.text or "")
    await lucia.tap("Choose a time", message=offer)
    calendar = lucia.last
    assert "Choose the date of your second session" in (calendar.text or "")
    days = [label for label in calendar.button_labels if label.isdigit()]
    # Not today (the notice period), nothing after day 49; weekdays only.
    assert days == ["15", "18", "19", "20", "21"]
    await lucia.tap("18", message=calendar)
    await lucia.tap("10:00")
    assert "Your treatment" in (lucia.last.text or "")
    _, replies = await lucia.tap("Confirm")
    assert "not confirmed yet" in (replies[-1].text if replies else lucia.last.text or "")
    original, follow_up = await _courses(app, patient_id)
    assert original.answers[REVIEW_KEY] == "booked"
    assert follow_up.answers[FOLLOW_UP_OF] == original.id
    assert follow_up.state == CourseState.REQUESTED
    [second] = await _sessions(app, follow_up.id)
    assert (second.local_date, second.local_time) == (date(2027, 1, 18), time(10, 0))
    assert (second.local_date - first.local_date).days == 46

    # Staff confirm it as any request; the patient is told.
    confirm = services.codec.encode(buttons.ConfirmAll(follow_up.id or 0, follow_up.version))
    request = await marta.user.next_bot_message(
        where=lambda m: any(b.get("callback_data") == confirm for b in m.buttons)
    )
    await marta.tap(data=confirm, message=request)
    [second] = await _sessions(app, follow_up.id)
    assert second.state == SessionState.CONFIRMED
    confirmed = await lucia.user.next_bot_message(
        where=lambda m: "confirmed" in (m.text or "") and "2027" in (m.text or "")
    )

    # Its cortisone preparation, reminders and aftercare follow on the test clock.
    preparation = await lucia.user.next_bot_message(
        where=lambda m: "Getting ready" in (m.text or "")
    )
    assert "cortisone" in (preparation.text or "")
    clock.set(madrid(2027, 1, 17, 10, 0))
    reminder = await lucia.user.next_bot_message(
        after=confirmed, where=lambda m: "Reminder" in (m.text or "")
    )
    assert "10:00" in (reminder.text or "")
    clock.set(madrid(2027, 1, 18, 10, 20))
    done = services.codec.encode(buttons.SessionAction(second.id or 0, second.version, "d"))
    [agenda] = await marta.command("agenda", "2027-01-18")
    await marta.tap(data=done, message=agenda)
    aftercare = await lucia.user.next_bot_message(
        after=reminder, where=lambda m: "After your" in (m.text or "")
    )
    assert "up to 6 weeks" in (aftercare.text or "")
    [agenda] = await marta.command("agenda", "2027-01-18")
    assert "Add the second session" not in agenda.button_labels  # a follow-up has no review


async def test_not_needed_from_the_agenda_ends_the_review(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """Decided from /agenda: the six-week message to staff is then not sent, nor any offer."""
    services = app.bot_data.services
    patient_id = await _patient_ready_to_book(app, world, clock)
    [first] = await booked_and_confirmed(
        services, patient_id, treatment="lower_blepharoplasty", session_count=1
    )
    marta = PatientAtKeyboard(world.emulator, app, world.staff[0])
    clock.set(madrid(2026, 12, 3, 10, 20))
    [agenda] = await marta.command("agenda", "2026-12-03")
    done = services.codec.encode(buttons.SessionAction(first.id or 0, first.version, "d"))
    await marta.tap(data=done, message=agenda)
    [agenda] = await marta.command("agenda", "2026-12-03")
    notice, _ = await marta.tap("Not needed", message=agenda)
    assert notice == "Saved: no second session."
    # The pressed message now shows the decision, without buttons.
    assert "No second session needed." in (agenda.text or "")
    assert not agenda.button_labels
    [course] = await _courses(app, patient_id)
    assert course.answers[REVIEW_KEY] == "not_needed"
    [again] = await marta.command("agenda", "2026-12-03")
    assert "Add the second session" not in again.button_labels
    before = {user.id: len(user.bot_messages) for user in (*world.staff, world.patient)}
    clock.set(madrid(2027, 1, 14, 12, 0))
    await world.emulator.wait_until_delivered()
    for user in (*world.staff, world.patient):
        later = [m.text or "" for m in user.bot_messages[before[user.id] :]]
        assert not [t for t in later if "Six-week review" in t or "advises a second" in t]
