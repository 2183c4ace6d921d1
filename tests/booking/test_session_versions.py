"""Every change of a session counts in its version, whoever makes it; a patient's Cancel drawn
before staff moved the session asks again instead of cancelling."""

from __future__ import annotations

from datetime import date, time

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.flow.steps import plan_digest
from mesobot.models import Appointment, CourseState, SessionState
from mesobot.patient_changes import cancel_one_session, cancel_rest_of_course, reschedule_session
from mesobot.staff.audit import StaffActor
from mesobot.staff.decisions import confirm_course, decline_course
from mesobot.staff.session_outcomes import record_outcome
from mesobot.staff.sessions import StaffChangeMade, change_session_count, move_course_session
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard, courses_of
from tests.booking.test_flow import book_through_flow
from tests.booking.test_patient_changes import (
    MONDAY,
    NOW,
    facial,
    services_for,
    sessions_of,
    shown_move,
)
from tests.factories import add_patients, book, shown_series

RITA = StaffActor(telegram_id=777, name="Rita")


def _versions(appointments: list[Appointment]) -> list[int]:
    return [a.version for a in appointments]


async def test_each_writer_of_a_session_adds_to_its_version(database: Database) -> None:
    """Confirming, a staff move (and the later sessions it re-plans), a patient's move, Done,
    a cancellation and a count change: each adds to exactly the sessions it changed."""
    services = services_for(database)
    [patient] = await add_patients(database, 1, now=NOW)
    booked = await facial(database, patient)
    course_id = booked[0].course_id
    assert _versions(booked) == [1, 1, 1, 1]
    async with database.write() as session:
        await confirm_course(
            session=session,
            services=services,
            course_id=course_id,
            seen_version=1,
            staff=RITA,
            now=NOW,
        )
    assert _versions(await sessions_of(database, course_id)) == [2, 2, 2, 2]
    # Session 2 a week later: 3 and 4 follow it, session 1 stays.
    async with database.write() as session:
        moved = await move_course_session(
            session=session,
            services=services,
            appointment_id=booked[1].id or 0,
            seen_version=2,
            new_date=date(2026, 12, 28),
            new_time=time(10),
            staff=RITA,
            now=NOW,
        )
    assert isinstance(moved, StaffChangeMade)
    assert _versions(await sessions_of(database, course_id)) == [2, 3, 3, 3]
    # The patient moves session 4 by an hour: moved, and back to staff (requested).
    later = await sessions_of(database, course_id)
    plan = await shown_move(database, patient, later[3], later[3].local_date, time(11))
    async with database.write() as session:
        await reschedule_session(
            session=session,
            services=services,
            patient_id=patient,
            appointment_id=later[3].id or 0,
            new_date=later[3].local_date,
            new_time=time(11),
            shown_digest=plan_digest(plan),
            now=NOW,
        )
    assert _versions(await sessions_of(database, course_id)) == [2, 3, 3, 5]
    async with database.write() as session:
        await record_outcome(
            session=session,
            services=services,
            appointment_id=booked[0].id or 0,
            seen_version=2,
            outcome=SessionState.DONE,
            staff=RITA,
            now=NOW,
        )
        await cancel_rest_of_course(
            session=session,
            services=services,
            patient_id=patient,
            appointment_id=booked[2].id or 0,
            seen_version=3,
            now=NOW,
        )
    after = await sessions_of(database, course_id)
    assert [a.state for a in after] == [
        SessionState.DONE,
        SessionState.CONFIRMED,
        SessionState.CANCELLED,
        SessionState.CANCELLED,
    ]
    assert _versions(after) == [3, 3, 4, 6]


async def test_a_decline_and_a_shorter_count_add_to_the_sessions_they_cancel(
    database: Database,
) -> None:
    """Cutting a request by a session counts on the cut one; declining, on every session."""
    services = services_for(database)
    [patient, other] = await add_patients(database, 2, now=NOW)
    series = shown_series("cellulite", session_count=4, first=MONDAY, at=time(11), now=NOW)
    cellulite = (await book(database, patient, "cellulite", series, now=NOW)).appointments
    async with database.write() as session:
        cut = await change_session_count(
            session=session,
            services=services,
            course_id=cellulite[0].course_id,
            seen_version=1,
            count=3,
            staff=RITA,
            now=NOW,
        )
    assert isinstance(cut, StaffChangeMade)
    assert _versions(await sessions_of(database, cellulite[0].course_id)) == [1, 1, 1, 2]
    declined = await facial(database, other)
    async with database.write() as session:
        await decline_course(
            session=session,
            services=services,
            course_id=declined[0].course_id,
            seen_version=1,
            reason="preset:times",
            staff=RITA,
            now=NOW,
        )
    after = await sessions_of(database, declined[0].course_id)
    assert {a.state for a in after} == {SessionState.CANCELLED}
    assert _versions(after) == [2, 2, 2, 2]


async def test_a_patients_cancel_asked_before_staff_moved_the_session_asks_again(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """Ana is asked about cancelling session 2 on 28 December; Rita moves it to 4 January;
    Ana's "Cancel this session" cancels nothing and asks again, naming 4 January."""
    rita = emulator.create_user("Rita")
    rita.user.started_bot = True
    settings = settings_for(emulator, database_url=database_url, staff_ids=[rita.id])
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_through_flow(ana, "Cellulite treatment", count="4 sessions (from $1,000.00)")
        [(course, sessions)] = await courses_of(database, ana.user.id)
        await ana.command("appointments")
        await ana.tap("Cancel session 2")
        asked = ana.last
        assert "Cancel session 2 on Mon, 28 Dec 2026 at 10:00?" in asked.text
        async with database.write() as session:
            moved = await move_course_session(
                session=session,
                services=services_for(database),
                appointment_id=sessions[1].id or 0,
                seen_version=sessions[1].version,
                new_date=date(2027, 1, 4),
                new_time=time(10),
                staff=RITA,
                now=clock.now(),
            )
        assert isinstance(moved, StaffChangeMade)
        notice, replies = await ana.tap("Cancel this session", message=asked)
        assert notice == "This session has changed since I asked: here it is as it is now."
        assert "Cancel session 2 on Mon, 4 Jan 2027 at 10:00?" in replies[-1].text
        [(_course, unchanged)] = await courses_of(database, ana.user.id)
        assert unchanged[1].state is SessionState.REQUESTED
        # Asked again as it is now, the same button cancels it.
        await ana.tap("Cancel this session", message=replies[-1])
        [(after, cancelled)] = await courses_of(database, ana.user.id)
    assert cancelled[1].state is SessionState.CANCELLED
    assert after.state is CourseState.REQUESTED
    assert course.id == after.id


async def test_a_stale_cancel_is_refused_without_writing(database: Database) -> None:
    """At another version than the one asked about, cancel_one_session changes nothing."""
    [patient] = await add_patients(database, 1, now=NOW)
    booked = await facial(database, patient)
    async with database.write() as session:
        result = await cancel_one_session(
            session=session,
            services=services_for(database),
            patient_id=patient,
            appointment_id=booked[1].id or 0,
            seen_version=booked[1].version + 1,
            now=NOW,
        )
    assert getattr(result, "reason", None) == "changed"
    after = await sessions_of(database, booked[0].course_id)
    assert [a.state for a in after] == [SessionState.REQUESTED] * 4
    assert _versions(after) == [1, 1, 1, 1]
