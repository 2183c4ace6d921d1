"""Staff changes to a course's sessions: move one (through the one session mover) or change
the count. A move of a confirmed session is told to the patient through the outbox. Done,
no-show and cancel: `mesobot.staff.session_outcomes`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import appointment_from_slot, lock_resource_days
from mesobot.calendar_cache import calendar_under_lock
from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course, CourseState, SessionState
from mesobot.scheduling.planner import add_session
from mesobot.scheduling.series import Impossible, Obstacle, PlannedSeries
from mesobot.scheduling.slots import FreeSlotFinder
from mesobot.session_moves import (
    CourseSeries,
    NotReplanned,
    bookings_around,
    move_finder,
    move_series_session,
    series_rule_of,
    slot_of,
)
from mesobot.staff import patient_notices
from mesobot.staff.audit import StaffActor, record_action
from mesobot.staff.closures import clinic_calendar
from mesobot.staff.decisions import (
    Superseded,
    claim_course,
    claim_requested_course,
    course_sessions,
    course_snapshot,
    superseded,
)
from mesobot.states import OPEN_SESSION_STATES, move_session

if TYPE_CHECKING:
    from mesobot.services import Services

# How far ahead the first session of a course may be moved by staff.
FIRST_SESSION_HORIZON_DAYS = 60


@dataclass(frozen=True)
class StaffChangeMade:
    """A change went through; `moved` pairs each moved session with its former start."""

    course: Course
    appointments: list[Appointment]
    moved: list[tuple[Appointment, datetime]]


@dataclass(frozen=True)
class Stale:
    """The session is no longer in a state that allows the action (someone acted first)."""

    appointment: Appointment | None


def active_sessions(appointments: list[Appointment]) -> list[Appointment]:
    """The sessions that make up the series (cancelled ones have left it), in order."""
    return [a for a in appointments if a.state != SessionState.CANCELLED]


@dataclass(frozen=True)
class MoveChoices:
    """Where a session can go: a finder over the right window, and that window's days."""

    finder: FreeSlotFinder
    days: list[date]


async def move_choices(
    *, session: AsyncSession, services: Services, appointment: Appointment, now: datetime
) -> MoveChoices | None:
    """The days (and, through the finder, times) session `appointment` can move to."""
    course = await session.get(Course, appointment.course_id)
    if course is None or appointment.state not in OPEN_SESSION_STATES:
        return None
    appointments = await course_sessions(session=session, course_id=course.id or 0)
    found = CourseSeries(course, active_sessions(appointments))
    number = found.position(appointment.id or 0)
    rule = series_rule_of(services.clinic, course)
    calendar = await clinic_calendar(session, services.clinic)
    today = now.astimezone(calendar.zone).date()
    previous = found.sessions[number - 2].local_date if number > 1 else None
    if previous is None:
        first, last = today, today + timedelta(days=FIRST_SESSION_HORIZON_DAYS)
    else:
        first = max(today, previous + timedelta(days=rule.min_gap_days))
        last = previous + timedelta(days=rule.max_gap_days)
    finder = await move_finder(
        session=session,
        calendar=calendar,
        rule=rule,
        found=found,
        number=number,
        candidates=(first, last),
        now=now,
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return MoveChoices(finder, [day for day in days if finder.date_is_free(day)])


async def _claim_open_session(
    session: AsyncSession, appointment_id: int, seen_version: int
) -> tuple[Appointment, Course] | Superseded | Stale:
    """The session, at the version the staff member saw, and its course, claimed, if both can
    still change.

    The course is claimed at the version it has now: staff changing a course one at a time is
    what the claim is for (a second claim of that version finds it taken and gets
    `Superseded`); whether this session is still the one seen is its own version's business.
    """
    appointment = await session.get(Appointment, appointment_id)
    current = await session.get(Course, appointment.course_id) if appointment else None
    if appointment is None or current is None:
        return Stale(None)
    course = await claim_course(
        session=session, course_id=current.id or 0, seen_version=current.version
    )
    if course is None:
        return await superseded(session=session, course_id=appointment.course_id)
    await session.refresh(appointment)
    if (
        appointment.version != seen_version
        or appointment.state not in OPEN_SESSION_STATES
        or course.state not in (CourseState.REQUESTED, CourseState.CONFIRMED)
    ):
        return Stale(appointment)
    return appointment, course


async def move_course_session(
    *,
    session: AsyncSession,
    services: Services,
    appointment_id: int,
    seen_version: int,
    new_date: date,
    new_time: time,
    staff: StaffActor,
    now: datetime,
) -> StaffChangeMade | Impossible | Superseded | Stale:
    """Move one session (if still at `seen_version`), re-planning the later ones by the
    planner's rules.

    A requested course stays requested (the patient hears at confirmation); in a confirmed
    course the patient is told at once of every session that moved.
    """
    claimed = await _claim_open_session(session, appointment_id, seen_version)
    if not isinstance(claimed, tuple):
        return claimed
    appointment, course = claimed
    appointments = await course_sessions(session=session, course_id=course.id or 0)
    before = course_snapshot(course, appointments)
    found = CourseSeries(course, active_sessions(appointments))
    result = await move_series_session(
        session=session,
        calendar=await clinic_calendar(session, services.clinic),
        rule=series_rule_of(services.clinic, course),
        found=found,
        number=found.position(appointment_id),
        new_date=new_date,
        new_time=new_time,
        now=now,
    )
    if isinstance(result, NotReplanned):
        assert isinstance(result.fresh, Impossible)  # staff take any plan that fits
        return result.fresh
    changes = [m.change() for m in result.moved]
    await sessions_changed(session=session, services=services, changes=changes, now=now)
    moved = [(m.appointment, m.previous_start) for m in result.moved]
    if course.state == CourseState.CONFIRMED and moved:
        await patient_notices.enqueue_sessions_moved(
            session=session, course=course, moved=moved, now=now
        )
    after = course_snapshot(course, appointments)
    await record_session_action(
        session, staff, "move", appointment, course, now, before=before, after=after
    )
    return StaffChangeMade(course, appointments, moved)


async def change_session_count(
    *,
    session: AsyncSession,
    services: Services,
    course_id: int,
    seen_version: int,
    count: int,
    staff: StaffActor,
    now: datetime,
) -> StaffChangeMade | Impossible | Superseded:
    """Before confirming: cut the requested series short, or add sessions after the last."""
    course = await claim_requested_course(
        session=session, course_id=course_id, seen_version=seen_version
    )
    if isinstance(course, Superseded):
        return course
    rule = series_rule_of(services.clinic, course)
    appointments = await course_sessions(session=session, course_id=course_id)
    before = course_snapshot(course, appointments)
    series = active_sessions(appointments)
    if not rule.min_sessions <= count <= rule.max_sessions:
        return Impossible(
            count, Obstacle.SESSION_COUNT, f"{count} is outside the treatment's range"
        )
    changes: list[SessionChange] = []
    for appointment in series[count:]:
        await move_session(
            session=session,
            appointment=appointment,
            to=SessionState.CANCELLED,
            at=now,
            actor=staff.actor,
            note="count",
        )
        changes.append(SessionChange(appointment, Change.CANCELLED))
    if count > len(series):
        extra = count - len(series)
        added = await _add_sessions(session, services, course, appointments, extra, now)
        if isinstance(added, Impossible):
            return added
        changes += [SessionChange(a, Change.REQUESTED) for a in added]
        appointments += added
    course.session_count = count
    session.add(course)
    await sessions_changed(session=session, services=services, changes=changes, now=now)
    await record_action(
        session=session,
        staff=staff,
        action="count",
        at=now,
        patient_id=course.patient_id,
        course_id=course.id,
        before=before,
        after=course_snapshot(course, appointments),
    )
    return StaffChangeMade(course, appointments, [])


async def _add_sessions(
    session: AsyncSession,
    services: Services,
    course: Course,
    appointments: list[Appointment],
    how_many: int,
    now: datetime,
) -> list[Appointment] | Impossible:
    calendar = await clinic_calendar(session, services.clinic)
    rule = series_rule_of(services.clinic, course)
    series = active_sessions(appointments)
    planned = PlannedSeries(tuple(slot_of(a) for a in series))
    last = series[-1].local_date
    span = last + timedelta(days=rule.max_gap_days * (how_many + 1))
    await lock_resource_days(
        session=session,
        clinic_id=calendar.clinic_id,
        days=[
            (r, last + timedelta(days=d))
            for r in calendar.resource_ids
            for d in range((span - last).days + 1)
        ],
    )
    calendar = await calendar_under_lock(session, calendar)  # closures read again, locked
    bookings = await bookings_around(
        session=session, calendar=calendar, course_id=course.id, days=(last, span)
    )
    for _ in range(how_many):
        result = add_session(
            rule=rule, series=planned, calendar=calendar, bookings=bookings, now=now
        )
        if isinstance(result, Impossible):
            return result
        planned = result
    number = max(a.number for a in appointments)
    added = [
        appointment_from_slot(
            slot, course_id=course.id or 0, number=number + n, state=SessionState.REQUESTED
        )
        for n, slot in enumerate(planned.sessions[len(series) :], start=1)
    ]
    session.add_all(added)
    await session.flush()
    return added


async def record_session_action(
    session: AsyncSession,
    staff: StaffActor,
    action: str,
    appointment: Appointment,
    course: Course | None,
    now: datetime,
    *,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Audit a staff action on one session, filed under the session, its course and patient."""
    await record_action(
        session=session,
        staff=staff,
        action=action,
        at=now,
        patient_id=course.patient_id if course else None,
        course_id=appointment.course_id,
        appointment_id=appointment.id,
        before=before,
        after=after,
    )
