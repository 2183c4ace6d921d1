"""Driving a course as staff code will, and reading the files the bot sends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, select

from botapi_emulator.state import Message
from mesobot.handlers.context import MesobotApplication
from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course, CourseState, SessionState
from mesobot.patients import record_patient
from mesobot.scheduling.localtime import utc_instant, zone_named
from mesobot.states import move_course, move_session
from tests.calendar_files.parsers import ParsedEvent, read_with_all
from tests.factories import book, shown_series

MADRID = zone_named("Europe/Madrid")


async def booked_course(
    application: MesobotApplication,
    telegram_user_id: int,
    *,
    first: date,
    treatment: str = "facial_rejuvenation",
    session_count: int = 4,
    name: str = "Anna García",
) -> int:
    """A requested course at 10:00 for the Telegram user, who gave the clinic `name` as the
    booking flow asks; returns the course id."""
    services = application.bot_data.services
    now = services.clock.now()
    async with services.database.write() as session:
        patient = await record_patient(
            session=session, telegram_user_id=telegram_user_id, language="en", now=now
        )
        patient.display_name = name
    assert patient.id is not None
    series = shown_series(
        treatment, session_count=session_count, first=first, at=time(10, 0), now=now
    )
    booked = await book(services.database, patient.id, treatment, series, now=now)
    assert booked.course.id is not None
    return booked.course.id


async def sessions_of(application: MesobotApplication, course_id: int) -> list[Appointment]:
    """The course's sessions, by number."""
    async with application.bot_data.services.database.read() as session:
        query = select(Appointment).where(Appointment.course_id == course_id)
        return list(await session.exec(query.order_by(col(Appointment.number))))


async def confirm(application: MesobotApplication, course_id: int) -> None:
    """Confirm a course and its sessions, as the staff side does."""
    services = application.bot_data.services
    now = services.clock.now()
    async with services.database.write() as session:
        course = await session.get(Course, course_id)
        assert course is not None
        await move_course(
            session=session, course=course, to=CourseState.CONFIRMED, at=now, actor="staff:1"
        )
        appointments = await session.exec(
            select(Appointment).where(Appointment.course_id == course_id)
        )
        changes = []
        for appointment in appointments:
            await move_session(
                session=session,
                appointment=appointment,
                to=SessionState.CONFIRMED,
                at=now,
                actor="staff:1",
            )
            changes.append(SessionChange(appointment, Change.CONFIRMED))
        await sessions_changed(session=session, services=services, changes=changes, now=now)


def _move(appointment: Appointment, day: date, wall: time) -> datetime:
    previous = appointment.start_utc
    appointment.local_date, appointment.local_time = day, wall
    appointment.start_utc = utc_instant(day, wall, zone_named(appointment.zone))
    appointment.end_utc = appointment.start_utc + timedelta(minutes=appointment.duration_minutes)
    return previous


async def move(
    application: MesobotApplication, course_id: int, moves: dict[int, tuple[date, time]]
) -> None:
    """Move sessions (by number) of a confirmed course, as staff do, in one transaction."""
    services = application.bot_data.services
    async with services.database.write() as session:
        changes = []
        for number, (day, wall) in moves.items():
            appointment = (
                await session.exec(
                    select(Appointment).where(
                        Appointment.course_id == course_id, Appointment.number == number
                    )
                )
            ).one()
            previous = _move(appointment, day, wall)
            session.add(appointment)
            changes.append(SessionChange(appointment, Change.MOVED, previous))
        await sessions_changed(
            session=session, services=services, changes=changes, now=services.clock.now()
        )


async def cancel(application: MesobotApplication, course_id: int, number: int) -> None:
    """Cancel one session of a course, as staff do."""
    services = application.bot_data.services
    now = services.clock.now()
    async with services.database.write() as session:
        appointment = (
            await session.exec(
                select(Appointment).where(
                    Appointment.course_id == course_id, Appointment.number == number
                )
            )
        ).one()
        await move_session(
            session=session,
            appointment=appointment,
            to=SessionState.CANCELLED,
            at=now,
            actor="staff:1",
        )
        change = SessionChange(appointment, Change.CANCELLED)
        await sessions_changed(session=session, services=services, changes=[change], now=now)


def events_of(message: Message) -> list[ParsedEvent]:
    """The events of a document the bot sent, after every parser agreed on them."""
    assert message.document is not None, message.text
    assert message.document.file_name is not None
    assert message.document.file_name.endswith(".ics")
    return read_with_all(message.document.content)


def by_uid(events: list[ParsedEvent]) -> dict[str, ParsedEvent]:
    return {event.uid: event for event in events}


def assert_instants_are_stored(events: list[ParsedEvent], appointments: list[Appointment]) -> None:
    """Every parser's instant is the stored one, and shows the stored wall time in Madrid."""
    stored = {appointment.calendar_uid: appointment for appointment in appointments}
    for event in events:
        appointment = stored[event.uid.removeprefix("staff-")]
        assert event.start_utc == appointment.start_utc.astimezone(UTC)
        assert event.end_utc == appointment.end_utc.astimezone(UTC)
        local = event.start_utc.astimezone(MADRID)
        assert (local.date(), local.time()) == (appointment.local_date, appointment.local_time)
