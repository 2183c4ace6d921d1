"""Restarts, stale buttons, and /appointments: moving and cancelling, end to end."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from mesobot.booking import day_free_times
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.models import Appointment, CourseState, SessionState
from mesobot.outbox.models import OutboxMessage
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard, courses_of
from tests.booking.test_flow import (
    book_through_flow,
    through_consent,
    through_contact,
    through_questions,
)
from tests.factories import add_patients, book, sample_clinic, shown_series
from tests.staff.conftest import started

FRIDAY = date(2026, 12, 11)


async def test_a_restart_in_the_middle_of_the_flow_loses_nothing(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """Stop the bot at the time step, start a new one on the same database: the tap goes on."""
    settings = settings_for(emulator, database_url=database_url)
    ana = emulator.create_user("Ana")
    async with running_bot(settings, clock=clock) as app:
        patient = PatientAtKeyboard(emulator, app, ana)
        await through_consent(patient)
        await patient.tap("Facial rejuvenation")
        await patient.tap("Book this treatment")
        await through_questions(patient)
        await through_contact(patient)
        await patient.tap("7")
        times = patient.last
    async with running_bot(settings, clock=clock) as app:
        patient = PatientAtKeyboard(emulator, app, ana)
        await patient.tap("10:00", message=times)
        assert "Your treatment" in patient.last.text
        await patient.tap("Confirm")
    [(course, appointments)] = await courses_of(database, ana.id)
    assert course.answers["note"] == "I bruise easily"
    assert appointments[0].local_date == date(2026, 12, 7)


async def test_an_old_date_button_after_the_last_place_went_explains_and_shows_the_calendar(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """Another patient takes the last place of a Friday; Ana's old button for it says so."""
    await fill_but_one_place(database, FRIDAY, clock.now())
    settings = settings_for(emulator, database_url=database_url)
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_until_calendar(ana)
        calendar = ana.last
        assert "11" in calendar.button_labels
        bo = PatientAtKeyboard(emulator, app, emulator.create_user("Bo"))
        await book_until_calendar(bo)
        await bo.tap("11")
        await bo.tap(bo.last.button_labels[0])
        await bo.tap("Confirm")
        notice, replies = await ana.tap("11", message=calendar)
    assert notice is not None
    assert "no longer free" in notice
    assert "no longer free" in replies[-1].text
    assert "11" not in replies[-1].button_labels
    assert "10" in replies[-1].button_labels  # the calendar again, with the other dates


async def fill_but_one_place(database: Database, day: date, now: datetime) -> None:
    """Book a day's blepharoplasty places full, then free the last one booked."""
    clinic = sample_clinic()
    rule = clinic.treatments["lower_blepharoplasty"].series_rule()
    patients = iter(await add_patients(database, 40, now=now))
    last = None
    while True:
        async with database.read() as session:
            times = await day_free_times(
                session=session,
                calendar=clinic.calendar(),
                rule=rule,
                session_count=1,
                day=day,
                now=now,
            )
        if not times:
            break
        series = shown_series(
            "lower_blepharoplasty", session_count=1, first=day, at=times[0], now=now
        )
        last = await book(database, next(patients), "lower_blepharoplasty", series, now=now)
    assert last is not None
    async with database.write() as session:
        appointment = await session.get(Appointment, last.appointments[0].id)
        assert appointment is not None
        appointment.state = SessionState.CANCELLED
        session.add(appointment)


async def book_until_calendar(patient: PatientAtKeyboard) -> None:
    """A blepharoplasty booking up to the calendar."""
    await through_consent(patient)
    await patient.tap("Lower blepharoplasty")
    await patient.tap("Book this treatment")
    await through_questions(patient)
    await through_contact(patient)


async def test_moving_session_two_of_four_re_plans_three_and_four_inside_the_window(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """Session 2 moves a week later; 3 and 4 follow, every gap in 14-21 days; staff told."""
    rita = emulator.create_user("Rita")
    rita.user.started_bot = True
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_through_flow(ana, "Facial rejuvenation")
        [(_course, before)] = await courses_of(database, ana.user.id)
        await ana.command("appointments")
        await ana.tap("Move session 2")
        assert "new date for session 2" in ana.last.text
        await ana.tap("28")
        await ana.tap("10:00")
        preview = ana.last.text
        assert "Mon, 28 Dec 2026, 10:00" in preview
        await ana.tap("Confirm")
        assert "not confirmed yet" in ana.last.text
        await emulator.wait_for(lambda: len(rita.bot_messages) >= 2)
    [(course, after)] = await courses_of(database, ana.user.id)
    assert [s.local_date for s in before] == [
        date(2026, 12, 7),
        date(2026, 12, 21),
        date(2027, 1, 4),
        date(2027, 1, 18),
    ]
    assert [s.local_date for s in after] == [
        date(2026, 12, 7),
        date(2026, 12, 28),
        date(2027, 1, 11),
        date(2027, 1, 25),
    ]
    gaps = [(b.local_date - a.local_date).days for a, b in itertools.pairwise(after)]
    assert all(14 <= gap <= 21 for gap in gaps)
    assert [s.calendar_sequence for s in after] == [0, 1, 1, 1]
    assert course.state is CourseState.REQUESTED
    assert "moved by the patient" in rita.bot_messages[-1].text


async def test_cancelling_the_rest_of_a_course_after_a_confirmation(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """Cancel session 2 and all later ones: asked first, then cancelled, staff told."""
    rita = emulator.create_user("Rita")
    rita.user.started_bot = True
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_through_flow(ana, "Facial rejuvenation")
        await ana.command("appointments")
        await ana.tap("Cancel session 2")
        assert "Cancel session 2 on Mon, 21 Dec 2026 at 10:00?" in ana.last.text
        [(_c, unchanged)] = await courses_of(database, ana.user.id)
        assert all(s.state is SessionState.REQUESTED for s in unchanged)
        await ana.tap("Cancel this and all later sessions")
        assert "Cancelled" in ana.last.text
        assert ana.last.button_labels == ["Move session 1", "Cancel session 1", "Move me earlier"]
        await emulator.wait_for(lambda: len(rita.bot_messages) >= 2)
        notice, _replies = await ana.tap("Cancel session 3")
    assert notice is not None
    assert "can no longer be changed" in notice
    [(course, appointments)] = await courses_of(database, ana.user.id)
    assert [s.state for s in appointments] == [SessionState.REQUESTED] + [
        SessionState.CANCELLED
    ] * 3
    assert course.session_count == 1
    assert course.state is CourseState.REQUESTED
    async with database.read() as session:
        kinds = [m.kind for m in (await session.exec(select(OutboxMessage))).all()]
    assert kinds.count("staff.patient_change") == 1


async def test_cancelling_the_only_session_ends_the_course(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """Blepharoplasty's one session cancelled: too few to cancel alone; the rest ends it."""
    rita = emulator.create_user("Rita")
    rita.user.started_bot = True  # with staff, as a clinic runs (without, texts say so)
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_through_flow(ana, "Lower blepharoplasty")
        await ana.command("appointments")
        await ana.tap("Cancel session 1")
        await ana.tap("Cancel this session")
        assert "needs at least 1 session" in ana.last.text
        await ana.tap("Cancel this and all later sessions")
        assert "no upcoming sessions" in ana.last.text
    [(course, appointments)] = await courses_of(database, ana.user.id)
    assert course.state is CourseState.CANCELLED
    assert appointments[0].state is SessionState.CANCELLED


async def test_a_day_staff_blocked_is_not_offered_to_patients(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> None:
    """After a receptionist's /block of a Friday, a patient's calendar no longer offers it."""
    rita = started(emulator, "Rita")
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_until_calendar(ana)
        assert "11" in ana.last.button_labels
        rita.send_command("block", f"{FRIDAY.isoformat()} training")
        await rita.next_bot_message()
        bo = PatientAtKeyboard(emulator, app, emulator.create_user("Bo"))
        await book_until_calendar(bo)
        assert "10" in bo.last.button_labels
        assert "11" not in bo.last.button_labels
