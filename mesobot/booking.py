"""Booking a whole course race-safely: lock the resource-days, check, then insert, in one go.

Sessions of different lengths overlap in ways no unique constraint can catch, so the last free
place of a slot is settled by locks: on PostgreSQL the `resource_day` rows of every day the
series touches, taken with SELECT ... FOR UPDATE in sorted order (so two bookings never wait on
each other in a circle); on SQLite the database's write lock, taken up front by BEGIN IMMEDIATE.

Planning for showing (`month_free_dates`, `day_free_times`, `plan_from_database`) reads the
snapshot fresh, one query, and looks the answer up by its digest (mesobot.scheduling.cache);
`request_course` reads closures and bookings again under the lock and plans: never cached.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking_snapshots import load_bookings, load_snapshot
from mesobot.calendar_cache import calendar_under_lock
from mesobot.models import (
    Appointment,
    Course,
    CourseState,
    ResourceDay,
    SessionState,
    StateEvent,
)
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.cache import SCREENS, BookingSnapshot
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.planner import plan_series
from mesobot.scheduling.series import PlannedSeries, PlanResult, SeriesRule, SessionSlot

_CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "O0I1")

AfterBooking = Callable[[AsyncSession, Course, list[Appointment]], Awaitable[None]]


@dataclass(frozen=True)
class CourseRequest:
    """What a patient asks for: a treatment, the series they were shown, and their answers."""

    patient_id: int
    treatment: str
    area: str | None
    rule: SeriesRule
    shown: PlannedSeries
    answers: dict[str, Any]
    expires_at: datetime | None


@dataclass(frozen=True)
class Booked:
    """The course was stored as requested, with its sessions holding their resources."""

    course: Course
    appointments: list[Appointment]


@dataclass(frozen=True)
class Taken:
    """Another booking took a place first; `fresh` is the plan from the same first slot now."""

    fresh: PlanResult


def new_session_code() -> str:
    """A short code staff can type for a session: 6 characters that are hard to misread."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def new_calendar_uid() -> str:
    """A random, stable calendar UID for a session, with no personal data in it."""
    return f"{secrets.token_hex(16)}@mesobot"


def snapshot_window(first_date: date, rule: SeriesRule, session_count: int) -> tuple[date, date]:
    """The local days a series starting on `first_date` can touch (one day of slack each side)."""
    span = rule.max_gap_days * max(session_count - 1, 0)
    return first_date - timedelta(days=1), first_date + timedelta(days=span + 1)


async def lock_resource_days(
    *, session: AsyncSession, clinic_id: str, days: Iterable[tuple[str, date]]
) -> None:
    """Serialise bookings touching the same resource-days (PostgreSQL; SQLite is locked whole)."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return
    keys = sorted(set(days))
    rows = [{"clinic_id": clinic_id, "resource_id": r, "local_date": d} for r, d in keys]
    await session.exec(postgres_insert(ResourceDay).values(rows).on_conflict_do_nothing())
    key_columns = tuple_(ResourceDay.clinic_id, ResourceDay.resource_id, ResourceDay.local_date)
    wanted = [(clinic_id, r, d) for r, d in keys]
    await session.exec(
        select(ResourceDay)
        .where(key_columns.in_(wanted))
        .order_by(col(ResourceDay.resource_id), col(ResourceDay.local_date))
        .with_for_update()
    )


def _same_times(shown: PlannedSeries, fresh: PlanResult) -> bool:
    """Whether a fresh plan keeps every date and time the patient was shown (not the resource)."""
    if not isinstance(fresh, PlannedSeries) or len(fresh.sessions) != len(shown.sessions):
        return False
    return all(
        (a.local_date, a.local_time) == (b.local_date, b.local_time)
        for a, b in zip(shown.sessions, fresh.sessions, strict=True)
    )


def _locked_window(series: PlannedSeries) -> tuple[datetime, datetime]:
    starts = [slot.start_utc for slot in series.sessions]
    return min(starts) - timedelta(days=1), max(starts) + timedelta(days=1)


def appointment_from_slot(
    slot: SessionSlot, *, course_id: int, number: int, state: SessionState
) -> Appointment:
    """A session row for a planned slot; the UTC columns are derived from the wall time."""
    return Appointment(
        course_id=course_id,
        number=number,
        clinic_id=slot.clinic_id,
        resource_id=slot.resource_id,
        local_date=slot.local_date,
        local_time=slot.local_time,
        zone=slot.zone,
        duration_minutes=slot.duration_minutes,
        start_utc=slot.start_utc,
        end_utc=slot.end_utc,
        state=state,
        code=new_session_code(),
        calendar_uid=new_calendar_uid(),
    )


async def request_course(
    *,
    session: AsyncSession,
    calendar: Calendar,
    request: CourseRequest,
    now: datetime,
    after_booking: AfterBooking | None = None,
) -> Booked | Taken:
    """Store a requested course if the series shown to the patient is still free.

    `session` is the caller's, inside a write transaction (`Database.write()`, which on
    SQLite has taken the write lock with BEGIN IMMEDIATE before anything was read); the caller
    commits. Under the lock the series is planned again from the same first slot; if every date
    and time is unchanged it is stored (a practitioner may differ from the one shown), otherwise
    the patient gets the fresh plan to look at and nothing is written. `after_booking` runs in
    the same transaction (to enqueue the staff notice, say), so the course and what it causes
    commit together or not at all.
    """
    shown = request.shown
    first = shown.sessions[0]
    days = {slot.local_date for slot in shown.sessions}
    # On PostgreSQL this may insert `resource_day` rows: lock anchors that hold no booking, so
    # keeping them when the series turns out taken changes nothing.
    await lock_resource_days(
        session=session,
        clinic_id=calendar.clinic_id,
        days=[(resource, day) for resource in calendar.resource_ids for day in days],
    )
    calendar = await calendar_under_lock(session, calendar)
    start, end = _locked_window(shown)
    bookings = await load_bookings(
        session=session, clinic_id=calendar.clinic_id, start=start, end=end
    )
    fresh = plan_series(
        rule=request.rule,
        session_count=len(shown.sessions),
        first_date=first.local_date,
        first_time=first.local_time,
        calendar=calendar,
        bookings=bookings,
        now=now,
    )
    if not isinstance(fresh, PlannedSeries) or not _same_times(shown, fresh):
        return Taken(fresh)
    course, appointments = await _store_course(
        session=session, calendar=calendar, request=request, series=fresh, now=now
    )
    if after_booking is not None:
        await after_booking(session, course, appointments)
    return Booked(course, appointments)


async def _store_course(
    *,
    session: AsyncSession,
    calendar: Calendar,
    request: CourseRequest,
    series: PlannedSeries,
    now: datetime,
) -> tuple[Course, list[Appointment]]:
    """The requested course, its first event and its sessions, flushed."""
    course = Course(
        clinic_id=calendar.clinic_id,
        patient_id=request.patient_id,
        treatment=request.treatment,
        area=request.area,
        session_count=len(series.sessions),
        state=CourseState.REQUESTED,
        requested_at=now,
        expires_at=request.expires_at,
        answers=request.answers,
    )
    session.add(course)
    await session.flush()
    assert course.id is not None
    session.add(
        StateEvent(course_id=course.id, to_state=CourseState.REQUESTED, at=now, actor="patient")
    )
    appointments = [
        appointment_from_slot(slot, course_id=course.id, number=n, state=SessionState.REQUESTED)
        for n, slot in enumerate(series.sessions, start=1)
    ]
    session.add_all(appointments)
    await session.flush()
    return course, appointments


def _local_day_bounds(first: date, last: date, calendar: Calendar) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tzinfo=calendar.zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=calendar.zone)
    return start, end


async def bookings_between_days(
    *,
    session: AsyncSession,
    calendar: Calendar,
    first: date,
    last: date,
    exclude_course_id: int | None = None,
) -> BookingIndex:
    """What holds a resource from local day `first` to local day `last` (both whole), in one
    query; leave out the course being changed with `exclude_course_id`."""
    start, end = _local_day_bounds(first, last, calendar)
    return await load_bookings(
        session=session,
        clinic_id=calendar.clinic_id,
        start=start,
        end=end,
        exclude_course_id=exclude_course_id,
    )


async def _series_snapshot(
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    session_count: int,
    first_start: date,
    last_start: date | None = None,
) -> BookingSnapshot:
    """What is booked on every day a series starting between `first_start` and `last_start`
    (default: the same day) can reach, in one query."""
    first, _ = snapshot_window(first_start, rule, session_count)
    _, last = snapshot_window(last_start or first_start, rule, session_count)
    start, end = _local_day_bounds(first, last, calendar)
    return await load_snapshot(session=session, clinic_id=calendar.clinic_id, start=start, end=end)


async def plan_from_database(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    session_count: int,
    first_date: date,
    first_time: time,
    now: datetime,
) -> PlanResult:
    """The series from a first slot against what is booked now, in one query (for showing:
    `request_course` plans again under the lock)."""
    return SCREENS.plan(
        rule=rule,
        session_count=session_count,
        first_date=first_date,
        first_time=first_time,
        calendar=calendar,
        snapshot=await _series_snapshot(session, calendar, rule, session_count, first_date),
        now=now,
    )


async def month_free_dates(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    session_count: int,
    year: int,
    month: int,
    now: datetime,
) -> tuple[date, ...]:
    """The dates of a month from which a whole series can be booked, in one query."""
    month_start = date(year, month, 1)
    month_end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return SCREENS.free_dates(
        rule=rule,
        session_count=session_count,
        year=year,
        month=month,
        calendar=calendar,
        snapshot=await _series_snapshot(
            session, calendar, rule, session_count, month_start, month_end
        ),
        now=now,
    )


async def day_free_times(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    session_count: int,
    day: date,
    now: datetime,
) -> tuple[time, ...]:
    """The times of a date from which a whole series can be booked, in one query."""
    return SCREENS.free_times(
        rule=rule,
        session_count=session_count,
        day=day,
        calendar=calendar,
        snapshot=await _series_snapshot(session, calendar, rule, session_count, day),
        now=now,
    )
