"""What is published, on both databases: one file per transaction, SEQUENCE once per file."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlmodel import col, select

from mesobot.calendar_delivery.delivery import CALENDAR_KIND, publish_course
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.models import Appointment, Course, CourseState, SessionState
from mesobot.outbox.models import OutboxMessage
from mesobot.scheduling.localtime import utc_instant, zone_named
from mesobot.states import move_course, move_session
from tests.factories import add_patients, book, shown_series


async def _confirmed_course(database: Database, clock: ManualClock) -> int:
    now = clock.now()
    [patient_id] = await add_patients(database, 1, now=now)
    series = shown_series(
        "facial_rejuvenation", session_count=4, first=date(2026, 12, 2), at=time(10, 0), now=now
    )
    booked = await book(database, patient_id, "facial_rejuvenation", series, now=now)
    course_id = booked.course.id
    assert course_id is not None
    async with database.write() as session:
        assert await publish_course(session=session, course_id=course_id, now=now) is None
        course = await session.get(Course, course_id)
        assert course is not None
        await move_course(
            session=session, course=course, to=CourseState.CONFIRMED, at=now, actor="t"
        )
        for appointment in await _sessions(session, course_id):
            await move_session(
                session=session,
                appointment=appointment,
                to=SessionState.CONFIRMED,
                at=now,
                actor="t",
            )
        assert await publish_course(session=session, course_id=course_id, now=now) is not None
    return course_id


async def _sessions(session: object, course_id: int) -> list[Appointment]:
    query = select(Appointment).where(Appointment.course_id == course_id)
    return list(await session.exec(query.order_by(col(Appointment.number))))  # type: ignore[attr-defined]


def _later(appointment: Appointment, minutes: int) -> None:
    wall = (
        utc_instant(appointment.local_date, appointment.local_time, zone_named(appointment.zone))
        + timedelta(minutes=minutes)
    ).astimezone(zone_named(appointment.zone))
    appointment.local_time = wall.time()
    appointment.start_utc = utc_instant(appointment.local_date, wall.time(), wall.tzinfo)  # type: ignore[arg-type]
    appointment.end_utc = appointment.start_utc + timedelta(minutes=appointment.duration_minutes)


async def _files(database: Database) -> list[OutboxMessage]:
    async with database.read() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == CALENDAR_KIND)
        return list(await session.exec(query.order_by(col(OutboxMessage.id))))


async def test_two_changes_in_one_transaction_give_one_file_and_one_sequence_step(
    database: Database, clock: ManualClock
) -> None:
    course_id = await _confirmed_course(database, clock)
    async with database.write() as session:
        first, second, *_ = await _sessions(session, course_id)
        _later(first, 60)
        session.add(first)
        await publish_course(session=session, course_id=course_id, now=clock.now())
        _later(first, 30)
        _later(second, 30)
        session.add_all([first, second])
        await publish_course(session=session, course_id=course_id, now=clock.now())
    files = await _files(database)
    assert len(files) == 2  # the confirmation's and one for both changes
    previous = {e["uid"]: e for e in files[1].payload["previous"]}
    current = {e["uid"]: e for e in files[1].payload["current"]}
    async with database.read() as session:
        stored = await _sessions(session, course_id)
    assert [s.calendar_sequence for s in stored] == [1, 1, 0, 0]
    assert previous[stored[0].calendar_uid]["time"] == "10:00:00"  # what the calendar held
    assert current[stored[0].calendar_uid]["time"] == "11:30:00"
    assert [current[s.calendar_uid]["sequence"] for s in stored] == [1, 1, 0, 0]


async def test_a_change_with_nothing_new_for_calendars_sends_no_file(
    database: Database, clock: ManualClock
) -> None:
    course_id = await _confirmed_course(database, clock)
    async with database.write() as session:
        assert await publish_course(session=session, course_id=course_id, now=clock.now()) is None
    assert len(await _files(database)) == 1


async def test_a_session_moved_by_the_patient_keeps_its_published_time_until_confirmed(
    database: Database, clock: ManualClock
) -> None:
    course_id = await _confirmed_course(database, clock)
    async with database.write() as session:
        first = (await _sessions(session, course_id))[0]
        _later(first, 60)
        await move_session(
            session=session,
            appointment=first,
            to=SessionState.REQUESTED,
            at=clock.now(),
            actor="p",
        )
        assert await publish_course(session=session, course_id=course_id, now=clock.now()) is None
    async with database.write() as session:
        first = (await _sessions(session, course_id))[0]
        await move_session(
            session=session,
            appointment=first,
            to=SessionState.CONFIRMED,
            at=clock.now(),
            actor="s",
        )
        message = await publish_course(session=session, course_id=course_id, now=clock.now())
        assert message is not None
        moved = next(e for e in message.payload["current"] if e["uid"] == first.calendar_uid)
        assert (moved["time"], moved["sequence"]) == ("11:00:00", 1)
