"""The one session mover: what a move writes, and what a refused one leaves (both databases)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.db import Database
from mesobot.models import Appointment, Course, ResourceDay
from mesobot.scheduling.localtime import utc_instant, zone_named
from mesobot.session_moves import CourseSeries, NotReplanned, move_series_session
from mesobot.staff.audit import StaffActor
from mesobot.staff.sessions import StaffChangeMade, move_course_session
from tests.booking.test_patient_changes import facial, services_for, sessions_of
from tests.factories import add_patients, sample_clinic

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def test_a_staff_move_writes_the_zone_the_sequence_and_utc_of_each_moved_session(
    database: Database,
) -> None:
    """Sessions stored under a stale zone take the slot's zone and UTC when staff move them."""
    [patient] = await add_patients(database, 1, now=NOW)
    booked = await facial(database, patient)
    async with database.write() as session:
        for appointment in booked:
            appointment.zone = "Atlantic/Canary"  # as if the clinic had changed its zone
            session.add(appointment)
    async with database.write() as session:
        result = await move_course_session(
            session=session,
            services=services_for(database),
            appointment_id=booked[0].id or 0,
            seen_version=booked[0].version,
            new_date=date(2026, 12, 9),
            new_time=time(10),
            staff=StaffActor(telegram_id=777, name="Rita"),
            now=NOW,
        )
    assert isinstance(result, StaffChangeMade)
    after = await sessions_of(database, booked[0].course_id)
    madrid = zone_named("Europe/Madrid")
    assert [a.local_date for a in after] == [
        date(2026, 12, 9),
        date(2026, 12, 23),
        date(2027, 1, 6),
        date(2027, 1, 20),
    ]
    assert {a.zone for a in after} == {"Europe/Madrid"}
    assert [a.start_utc for a in after] == [
        utc_instant(a.local_date, a.local_time, madrid) for a in after
    ]
    assert [a.calendar_sequence for a in after] == [b.calendar_sequence + 1 for b in booked]
    assert [(m[0].id, m[1]) for m in result.moved] == [(b.id, b.start_utc) for b in booked]


async def test_a_refused_move_leaves_nothing_in_the_callers_transaction(
    database: Database,
) -> None:
    """A plan the caller refuses: no session moves and no lock row stays behind."""
    [patient] = await add_patients(database, 1, now=NOW)
    booked = await facial(database, patient)
    clinic = sample_clinic()
    lock_rows = select(func.count()).select_from(ResourceDay)
    async with database.read() as session:
        before = (await session.exec(lock_rows)).one()
    async with database.write() as session:
        course = await session.get(Course, booked[0].course_id)
        assert course is not None
        found = CourseSeries(course, await sessions_of_in(session, course.id))
        result = await move_series_session(
            session=session,
            calendar=clinic.calendar(),
            rule=clinic.treatments["facial_rejuvenation"].series_rule(),
            found=found,
            number=1,
            new_date=date(2026, 12, 9),
            new_time=time(10),
            now=NOW,
            accept=lambda _plan: False,
        )
    assert isinstance(result, NotReplanned)
    after = await sessions_of(database, booked[0].course_id)
    assert [(a.local_date, a.calendar_sequence) for a in after] == [
        (b.local_date, b.calendar_sequence) for b in booked
    ]
    async with database.read() as session:
        assert (await session.exec(lock_rows)).one() == before


async def sessions_of_in(session: AsyncSession, course_id: int | None) -> list[Appointment]:
    """A course's sessions in order, read in `session`."""
    query = select(Appointment).where(Appointment.course_id == course_id)
    return list(await session.exec(query.order_by(col(Appointment.number))))
