"""The one session mover: move or drop a session of a course and re-plan the later ones, locked.

Staff and patients both move sessions through here; each caller keeps its own policy (staff:
the version claim, the audit record and the patient's notice; patients: the check against the
plan they were shown and a moved confirmed session going back to staff).

A change locks, in one `lock_resource_days` call (sorted, so two changes never wait on each
other in a circle), every resource on every local day the old series holds from the changed
session on and every day the new series can reach: the changed session's day, and the
treatment's longest gap for each later session after it. The re-plan then reads the bookings of
exactly those days under the lock, so what it applies can never land on a day it did not lock.
Under the lock both the bookings and the closures are read again, never from a cache.
On SQLite the caller's transaction already holds the write lock (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import bookings_between_days, lock_resource_days
from mesobot.calendar_cache import calendar_under_lock
from mesobot.lifecycle import Change, SessionChange
from mesobot.models import Appointment, Course
from mesobot.scheduling import planner
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.series import PlannedSeries, PlanResult, SeriesRule, SessionSlot
from mesobot.scheduling.slots import FreeSlotFinder
from mesobot.states import count_session_change

if TYPE_CHECKING:
    from mesobot.clinic import Clinic


@dataclass(frozen=True)
class CourseSeries:
    """A course with the sessions that still count (not cancelled), in order."""

    course: Course
    sessions: list[Appointment]

    def series(self) -> PlannedSeries:
        """The sessions as the planner sees them."""
        return PlannedSeries(tuple(slot_of(a) for a in self.sessions))

    def position(self, appointment_id: int) -> int:
        """The 1-based place of a session among those that count."""
        return [a.id for a in self.sessions].index(appointment_id) + 1


@dataclass(frozen=True)
class MovedSession:
    """A session the change put somewhere else, and where it started before."""

    appointment: Appointment
    previous_start: datetime

    def change(self) -> SessionChange:
        """The move as the parts that hang off sessions hear of it."""
        return SessionChange(self.appointment, Change.MOVED, self.previous_start)


@dataclass(frozen=True)
class Replanned:
    """The fresh plan was applied under the lock; `moved` are the sessions it moved."""

    plan: PlannedSeries
    moved: list[MovedSession]


@dataclass(frozen=True)
class NotReplanned:
    """Nothing changed: no series fits any more, or the caller refused the fresh plan."""

    fresh: PlanResult


Acceptance = Callable[[PlannedSeries], bool]


def _any_plan(_plan: PlannedSeries) -> bool:
    return True


def series_rule_of(clinic: Clinic, course: Course) -> SeriesRule:
    """The series rule of a course's treatment: what every move of its sessions is planned by."""
    return clinic.treatments[course.treatment].series_rule()


def slot_of(appointment: Appointment) -> SessionSlot:
    """A stored session as a planner slot."""
    return SessionSlot(
        clinic_id=appointment.clinic_id,
        resource_id=appointment.resource_id,
        local_date=appointment.local_date,
        local_time=appointment.local_time,
        zone=appointment.zone,
        duration_minutes=appointment.duration_minutes,
    )


def reach(rule: SeriesRule, first: date, last: date, sessions_after: int) -> tuple[date, date]:
    """The local days a series can touch when one session lies between `first` and `last`
    (both included) and `sessions_after` follow it, each at most the longest gap later."""
    return first, last + timedelta(days=rule.max_gap_days * sessions_after)


async def bookings_around(
    *, session: AsyncSession, calendar: Calendar, course_id: int | None, days: tuple[date, date]
) -> BookingIndex:
    """What other courses hold on `days` (local, both included), with a day of slack each side."""
    first, last = days
    return await bookings_between_days(
        session=session,
        calendar=calendar,
        first=first - timedelta(days=1),
        last=last + timedelta(days=1),
        exclude_course_id=course_id,
    )


async def move_finder(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    found: CourseSeries,
    number: int,
    candidates: tuple[date, date],
    now: datetime,
) -> FreeSlotFinder:
    """Free dates and times between `candidates` for session `number` (1-based): the rest of
    the course must still fit after it."""
    remaining = len(found.sessions) - number + 1
    days = reach(rule, *candidates, remaining - 1)
    bookings = await bookings_around(
        session=session, calendar=calendar, course_id=found.course.id, days=days
    )
    return FreeSlotFinder(
        rule=rule,
        session_count=remaining,
        calendar=calendar,
        bookings=bookings,
        now=now,
        previous_date=found.sessions[number - 2].local_date if number > 1 else None,
    )


def _move_days(
    rule: SeriesRule, found: CourseSeries, number: int, new_date: date
) -> tuple[date, date]:
    return reach(rule, new_date, new_date, len(found.sessions) - number)


FreshPlan = Callable[[Calendar, BookingIndex], PlanResult]


def _plan_after_move(
    rule: SeriesRule,
    found: CourseSeries,
    number: int,
    new_date: date,
    new_time: time,
    now: datetime,
) -> FreshPlan:
    """The re-plan after moving session `number`, for showing (`plan_move`) and for applying
    under the lock (`move_series_session`): one planner call, so the two cannot differ."""

    def fresh_plan(calendar: Calendar, bookings: BookingIndex) -> PlanResult:
        return planner.replan_after_move(
            rule=rule,
            series=found.series(),
            session_number=number,
            new_date=new_date,
            new_time=new_time,
            calendar=calendar,
            bookings=bookings,
            now=now,
        )

    return fresh_plan


async def plan_move(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    found: CourseSeries,
    number: int,
    new_date: date,
    new_time: time,
    now: datetime,
) -> PlanResult:
    """The course after moving session `number` (1-based), the later ones re-planned, against
    what is booked now (no lock: for showing; `move_series_session` plans again locked)."""
    bookings = await bookings_around(
        session=session,
        calendar=calendar,
        course_id=found.course.id,
        days=_move_days(rule, found, number, new_date),
    )
    return _plan_after_move(rule, found, number, new_date, new_time, now)(calendar, bookings)


async def move_series_session(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    found: CourseSeries,
    number: int,
    new_date: date,
    new_time: time,
    now: datetime,
    accept: Acceptance = _any_plan,
) -> Replanned | NotReplanned:
    """Move session `number` (1-based) and re-plan the later ones, under the lock, if the fresh
    plan fits and `accept` takes it."""
    return await _replan_locked(
        session,
        calendar,
        found,
        number,
        days=_move_days(rule, found, number, new_date),
        fresh_plan=_plan_after_move(rule, found, number, new_date, new_time, now),
        applies_to=found.sessions,
        accept=accept,
    )


async def replan_without_session(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    found: CourseSeries,
    number: int,
    now: datetime,
) -> Replanned | NotReplanned:
    """Re-plan the course without session `number` (1-based), under the lock; the later ones
    move when the gap would break the window. The caller cancels the session itself."""
    anchor = found.sessions[max(number - 2, 0)].local_date

    def fresh_plan(calendar: Calendar, bookings: BookingIndex) -> PlanResult:
        return planner.cancel_session(
            rule=rule,
            series=found.series(),
            session_number=number,
            calendar=calendar,
            bookings=bookings,
            now=now,
        )

    dropped = found.sessions[number - 1]
    return await _replan_locked(
        session,
        calendar,
        found,
        number,
        days=reach(rule, anchor, anchor, len(found.sessions) - number),
        fresh_plan=fresh_plan,
        applies_to=[a for a in found.sessions if a is not dropped],
        accept=_any_plan,
    )


async def _replan_locked(
    session: AsyncSession,
    calendar: Calendar,
    found: CourseSeries,
    number: int,
    *,
    days: tuple[date, date],
    fresh_plan: FreshPlan,
    applies_to: list[Appointment],
    accept: Acceptance,
) -> Replanned | NotReplanned:
    """Lock, plan against the closures and the bookings of the locked days read again under
    the lock, then apply or leave nothing behind."""
    first, last = days
    touched = {a.local_date for a in found.sessions[number - 1 :]}
    touched |= {first + timedelta(days=n) for n in range((last - first).days + 1)}
    # A refusal rolls this savepoint back: not even the lock rows stay in the caller's work.
    savepoint = await session.begin_nested()
    await lock_resource_days(
        session=session,
        clinic_id=calendar.clinic_id,
        days=[(resource, day) for resource in calendar.resource_ids for day in touched],
    )
    calendar = await calendar_under_lock(session, calendar)
    bookings = await bookings_around(
        session=session, calendar=calendar, course_id=found.course.id, days=days
    )
    fresh = fresh_plan(calendar, bookings)
    if not isinstance(fresh, PlannedSeries) or not accept(fresh):
        await savepoint.rollback()
        return NotReplanned(fresh)
    moved = await apply_plan(session, applies_to, fresh)
    await savepoint.commit()
    return Replanned(fresh, moved)


def _place(slot: SessionSlot) -> tuple[str, date, time, str]:
    return slot.resource_id, slot.local_date, slot.local_time, slot.zone


async def apply_plan(
    session: AsyncSession, appointments: list[Appointment], plan: PlannedSeries
) -> list[MovedSession]:
    """Put each session on its planned slot (zone too; UTC derived from the wall time)."""
    moved = []
    for appointment, slot in zip(appointments, plan.sessions, strict=True):
        if _place(slot_of(appointment)) == _place(slot):
            continue
        previous_start = appointment.start_utc
        appointment.local_date, appointment.local_time = slot.local_date, slot.local_time
        appointment.resource_id, appointment.zone = slot.resource_id, slot.zone
        appointment.start_utc, appointment.end_utc = slot.start_utc, slot.end_utc
        appointment.calendar_sequence += 1
        appointment.patient_answer = None  # a reminder's answer or a request: about the old time
        session.add(appointment)
        await count_session_change(session, appointment)
        moved.append(MovedSession(appointment, previous_start))
    await session.flush()
    return moved
