"""Booking a course: stored whole, and the last places of a slot go to exactly that many."""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import UTC, date, datetime, time
from multiprocessing.synchronize import Barrier

import pytest
from sqlmodel import col, select

from mesobot.booking import Booked, Taken, day_free_times, month_free_dates, request_course
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.models import Appointment, Course, CourseState, SessionState, StateEvent
from mesobot.scheduling.series import PlannedSeries
from tests.factories import add_patients, book, course_request, sample_clinic, shown_series

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
MONDAY = date(2026, 12, 7)


async def test_a_requested_course_is_stored_whole(database: Database) -> None:
    """Course, sessions (wall time, zone, derived UTC) and the first event, in one go."""
    [patient] = await add_patients(database, 1, now=NOW)
    series = shown_series(
        "facial_rejuvenation", session_count=4, first=MONDAY, at=time(10), now=NOW
    )
    booked = await book(database, patient, "facial_rejuvenation", series, now=NOW)
    async with database.read() as session:
        course = (await session.exec(select(Course))).one()
        appointments = (
            await session.exec(select(Appointment).order_by(col(Appointment.number)))
        ).all()
        events = (await session.exec(select(StateEvent))).all()
    assert course.id == booked.course.id
    assert course.state is CourseState.REQUESTED
    assert [s.state for s in appointments] == [SessionState.REQUESTED] * 4
    assert [(s.local_date, s.local_time, s.zone) for s in appointments] == [
        (slot.local_date, slot.local_time, slot.zone) for slot in series.sessions
    ]
    assert [s.start_utc for s in appointments] == [slot.start_utc for slot in series.sessions]
    assert len({s.code for s in appointments}) == 4
    assert [(e.to_state, e.actor) for e in events] == [(CourseState.REQUESTED, "patient")]


async def test_a_taken_slot_gives_the_fresh_plan(database: Database) -> None:
    """When both practitioners are taken at the shown time, the patient gets the new plan."""
    patients = await add_patients(database, 3, now=NOW)
    series = shown_series(
        "lower_blepharoplasty", session_count=1, first=MONDAY, at=time(10), now=NOW
    )
    first = await book(database, patients[0], "lower_blepharoplasty", series, now=NOW)
    second = await book(database, patients[1], "lower_blepharoplasty", series, now=NOW)
    assert {first.appointments[0].resource_id, second.appointments[0].resource_id} == {
        "dr-lopez",
        "dr-costa",
    }
    async with database.write() as session:
        third = await request_course(
            session=session,
            calendar=sample_clinic().calendar(),
            request=course_request(patients[2], "lower_blepharoplasty", series),
            now=NOW,
        )
    assert isinstance(third, Taken)
    assert not isinstance(third.fresh, PlannedSeries)  # the first slot itself is full


async def test_booked_slots_leave_the_free_dates(database: Database, clock: ManualClock) -> None:
    """A day whose every slot is taken is no longer offered in the month's dates."""
    clinic = sample_clinic()
    rule = clinic.treatments["lower_blepharoplasty"].series_rule()
    async with database.read() as session:
        before = await month_free_dates(
            session=session,
            calendar=clinic.calendar(),
            rule=rule,
            session_count=1,
            year=2026,
            month=12,
            now=NOW,
        )
    assert date(2026, 12, 11) in before  # a Friday, 09:00-14:00
    patients = await add_patients(database, 40, now=NOW)
    friday, booked = date(2026, 12, 11), 0
    while True:
        async with database.read() as session:
            times = await day_free_times(
                session=session,
                calendar=clinic.calendar(),
                rule=rule,
                session_count=1,
                day=friday,
                now=NOW,
            )
        if not times:
            break
        series = shown_series(
            "lower_blepharoplasty", session_count=1, first=friday, at=times[0], now=NOW
        )
        await book(database, patients[booked], "lower_blepharoplasty", series, now=NOW)
        booked += 1
    async with database.read() as session:
        after = await month_free_dates(
            session=session,
            calendar=clinic.calendar(),
            rule=rule,
            session_count=1,
            year=2026,
            month=12,
            now=NOW,
        )
    # Two practitioners, each at 09:00, 09:45, ... 12:45: 30 minutes plus a 10-minute buffer,
    # on a 15-minute grid, the last one ending its buffer by 14:00.
    assert booked == 12
    assert date(2026, 12, 11) not in after
    assert set(after) == set(before) - {date(2026, 12, 11)}


def _book_in_a_process(
    database_url: str, patient_id: int, barrier: Barrier, results: multiprocessing.Queue[str]
) -> None:
    async def attempt() -> str:
        database = Database(database_url)
        try:
            series = shown_series(
                "facial_rejuvenation", session_count=4, first=MONDAY, at=time(10), now=NOW
            )
            request = course_request(patient_id, "facial_rejuvenation", series)
            barrier.wait()  # every process asks at the same moment
            async with database.write() as session:
                result = await request_course(
                    session=session,
                    calendar=sample_clinic().calendar(),
                    request=request,
                    now=NOW,
                )
            return "booked" if isinstance(result, Booked) else "taken"
        finally:
            await database.dispose()

    results.put(asyncio.run(attempt()))


@pytest.mark.slow
def test_fifty_processes_racing_for_two_places_book_exactly_two(database_url: str) -> None:
    """50 patients in separate processes ask for the same series; capacity is 2 practitioners."""
    database = Database(database_url)
    patients = asyncio.run(_add_patients_and_close(database))
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(patients))
    results: multiprocessing.Queue[str] = context.Queue()
    workers = [
        context.Process(target=_book_in_a_process, args=(database_url, p, barrier, results))
        for p in patients
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert all(worker.exitcode == 0 for worker in workers)
    assert sorted(outcomes).count("booked") == 2
    assert asyncio.run(_holding_sessions_and_close(Database(database_url))) == 8


async def _add_patients_and_close(database: Database) -> list[int]:
    try:
        return await add_patients(database, 50, now=NOW)
    finally:
        await database.dispose()


async def _holding_sessions_and_close(database: Database) -> int:
    try:
        async with database.read() as session:
            rows = await session.exec(
                select(Appointment).where(col(Appointment.state) == SessionState.REQUESTED)
            )
            return len(rows.all())
    finally:
        await database.dispose()
