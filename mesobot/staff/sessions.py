"""Staff actions on single sessions: move (planner rules), change the count, done, no-show,
cancel. A move or cancel of a confirmed session is told to the patient through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import appointment_from_slot, load_bookings, lock_resource_days
from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course, CourseState, SessionState
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.planner import add_session, replan_after_move
from mesobot.scheduling.series import (
    Impossible,
    Obstacle,
    PlannedSeries,
    SeriesRule,
    SessionSlot,
)
from mesobot.scheduling.slots import FreeSlotFinder
from mesobot.staff import patient_notices
from mesobot.staff.audit import StaffActor, record_action
from mesobot.staff.closures import clinic_calendar
from mesobot.staff.decisions import (
    Superseded,
    claim_course,
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
class Changed:
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


def slot_of(appointment: Appointment) -> SessionSlot:
    """The planner's view of a stored session."""
    return SessionSlot(
        clinic_id=appointment.clinic_id,
        resource_id=appointment.resource_id,
        local_date=appointment.local_date,
        local_time=appointment.local_time,
        zone=appointment.zone,
        duration_minutes=appointment.duration_minutes,
    )


def rule_of(services: Services, course: Course) -> SeriesRule:
    """The series rule of a course's treatment."""
    return services.clinic.treatments[course.treatment].series_rule()


async def _bookings_around(
    session: AsyncSession, calendar: Calendar, course: Course, first: date, last: date
) -> BookingIndex:
    start = datetime.combine(first - timedelta(days=1), time(0), tzinfo=calendar.zone)
    end = datetime.combine(last + timedelta(days=2), time(0), tzinfo=calendar.zone)
    return await load_bookings(
        session=session,
        clinic_id=calendar.clinic_id,
        start=start,
        end=end,
        exclude_course_id=course.id,
    )


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
    series = active_sessions(await course_sessions(session=session, course_id=course.id or 0))
    index = series.index(appointment)
    rule = rule_of(services, course)
    calendar = await clinic_calendar(session, services.clinic)
    today = now.astimezone(calendar.zone).date()
    previous = series[index - 1].local_date if index > 0 else None
    if previous is None:
        first, last = today, today + timedelta(days=FIRST_SESSION_HORIZON_DAYS)
    else:
        first = max(today, previous + timedelta(days=rule.min_gap_days))
        last = previous + timedelta(days=rule.max_gap_days)
    remaining = len(series) - index
    span = last + timedelta(days=rule.max_gap_days * (remaining - 1))
    bookings = await _bookings_around(session, calendar, course, first, span)
    finder = FreeSlotFinder(
        rule=rule,
        sessions=remaining,
        calendar=calendar,
        bookings=bookings,
        now=now,
        previous_date=previous,
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return MoveChoices(finder, [day for day in days if finder.date_is_free(day)])


async def _apply_series(
    session: AsyncSession, series: list[Appointment], planned: PlannedSeries
) -> list[tuple[Appointment, datetime]]:
    moved = []
    for appointment, slot in zip(series, planned.sessions, strict=True):
        if slot_of(appointment) == slot:
            continue
        previous_start = appointment.start_utc
        appointment.local_date, appointment.local_time = slot.local_date, slot.local_time
        appointment.resource_id = slot.resource_id
        appointment.start_utc, appointment.end_utc = slot.start_utc, slot.end_utc
        appointment.calendar_sequence += 1
        session.add(appointment)
        moved.append((appointment, previous_start))
    await session.flush()
    return moved


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
) -> Changed | Impossible | Superseded | Stale:
    """Move one session, re-planning the later ones by the planner's rules.

    A requested course stays requested (the patient hears at confirmation); in a confirmed
    course the patient is told at once of every session that moved.
    """
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None:
        return Stale(None)
    course = await claim_course(
        session=session, course_id=appointment.course_id, seen_version=seen_version
    )
    if course is None:
        return await superseded(session=session, course_id=appointment.course_id)
    await session.refresh(appointment)
    if appointment.state not in OPEN_SESSION_STATES or course.state not in (
        CourseState.REQUESTED,
        CourseState.CONFIRMED,
    ):
        return Stale(appointment)
    appointments = await course_sessions(session=session, course_id=course.id or 0)
    before = course_snapshot(course, appointments)
    series = active_sessions(appointments)
    calendar = await clinic_calendar(session, services.clinic)
    rule = rule_of(services, course)
    await lock_resource_days(
        session=session,
        clinic_id=calendar.clinic_id,
        days=[(r, new_date + timedelta(days=d)) for r in calendar.resource_ids for d in (0,)],
    )
    last = new_date + timedelta(days=rule.max_gap_days * len(series))
    planned = replan_after_move(
        rule=rule,
        series=PlannedSeries(tuple(slot_of(a) for a in series)),
        session_number=series.index(appointment) + 1,
        new_date=new_date,
        new_time=new_time,
        calendar=calendar,
        bookings=await _bookings_around(session, calendar, course, new_date, last),
        now=now,
    )
    if isinstance(planned, Impossible):
        return planned
    moved = await _apply_series(session, series, planned)
    changes = [SessionChange(a, Change.MOVED, previous) for a, previous in moved]
    await sessions_changed(session=session, services=services, changes=changes, now=now)
    if course.state == CourseState.CONFIRMED and moved:
        await patient_notices.enqueue_sessions_moved(
            session=session, course=course, moved=moved, now=now
        )
    await record_action(
        session=session,
        staff=staff,
        action="move",
        at=now,
        patient_id=course.patient_id,
        course_id=course.id,
        appointment_id=appointment.id,
        before=before,
        after=course_snapshot(course, appointments),
    )
    return Changed(course, appointments, moved)


async def change_session_count(
    *,
    session: AsyncSession,
    services: Services,
    course_id: int,
    seen_version: int,
    count: int,
    staff: StaffActor,
    now: datetime,
) -> Changed | Impossible | Superseded:
    """Before confirming: cut the requested series short, or add sessions after the last."""
    course = await claim_course(session=session, course_id=course_id, seen_version=seen_version)
    if course is None or course.state != CourseState.REQUESTED:
        return await superseded(session=session, course_id=course_id)
    rule = rule_of(services, course)
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
    return Changed(course, appointments, [])


async def _add_sessions(
    session: AsyncSession,
    services: Services,
    course: Course,
    appointments: list[Appointment],
    how_many: int,
    now: datetime,
) -> list[Appointment] | Impossible:
    calendar = await clinic_calendar(session, services.clinic)
    rule = rule_of(services, course)
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
    bookings = await _bookings_around(session, calendar, course, last, span)
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


async def _locked_session(session: AsyncSession, appointment_id: int) -> Appointment | None:
    query = select(Appointment).where(Appointment.id == appointment_id).with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def record_outcome(
    *,
    session: AsyncSession,
    services: Services,
    appointment_id: int,
    outcome: SessionState,
    staff: StaffActor,
    now: datetime,
) -> Appointment | Stale:
    """Mark a confirmed session done or a no-show (from /agenda)."""
    appointment = await _locked_session(session, appointment_id)
    if appointment is None or appointment.state != SessionState.CONFIRMED:
        return Stale(appointment)
    await move_session(
        session=session, appointment=appointment, to=outcome, at=now, actor=staff.actor
    )
    change = Change.DONE if outcome == SessionState.DONE else Change.NO_SHOW
    await sessions_changed(
        session=session, services=services, changes=[SessionChange(appointment, change)], now=now
    )
    course = await session.get(Course, appointment.course_id)
    await record_action(
        session=session,
        staff=staff,
        action=str(outcome),
        at=now,
        patient_id=course.patient_id if course else None,
        course_id=appointment.course_id,
        appointment_id=appointment.id,
        before={"state": str(SessionState.CONFIRMED)},
        after={"state": str(outcome)},
    )
    return appointment


async def cancel_for_patient(
    *,
    session: AsyncSession,
    services: Services,
    appointment_id: int,
    staff: StaffActor,
    now: datetime,
) -> Appointment | Stale:
    """Cancel one session on the patient's behalf; the patient is told through the outbox.

    The rest of the course stays as it is: which later sessions to move is the practitioner's
    call, and each move has its own button.
    """
    appointment = await _locked_session(session, appointment_id)
    if appointment is None or appointment.state not in OPEN_SESSION_STATES:
        return Stale(appointment)
    before = {"state": str(appointment.state)}
    await move_session(
        session=session,
        appointment=appointment,
        to=SessionState.CANCELLED,
        at=now,
        actor=staff.actor,
    )
    await sessions_changed(
        session=session,
        services=services,
        changes=[SessionChange(appointment, Change.CANCELLED)],
        now=now,
    )
    course = await session.get(Course, appointment.course_id)
    assert course is not None
    # After sessions_changed: the notice must not be cancelled with the session's messages.
    if course.state == CourseState.CONFIRMED:
        await patient_notices.enqueue_session_cancelled(
            session=session, course=course, appointment=appointment, now=now
        )
    await record_action(
        session=session,
        staff=staff,
        action="cancel",
        at=now,
        patient_id=course.patient_id,
        course_id=course.id,
        appointment_id=appointment.id,
        before=before,
        after={"state": str(SessionState.CANCELLED)},
    )
    return appointment
