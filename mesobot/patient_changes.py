"""A patient's own changes to a booked course: move a session, cancel one, cancel the rest.

Each change runs like `request_course`: one transaction that takes the write lock (SQLite) or
locks the resource-days it touches (PostgreSQL), checks the course again under the lock, plans
with the pure planner, writes, announces the changed sessions, and queues the staff notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import load_bookings, lock_resource_days
from mesobot.db import Database
from mesobot.flow.steps import plan_digest
from mesobot.i18n import translations
from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.models.course import HOLDING_STATES
from mesobot.outbox.enqueue import enqueue_message
from mesobot.outbox.policies import ALWAYS_SEND, KindRegistry, RenderedMessage, RenderRequest
from mesobot.scheduling import planner
from mesobot.scheduling.bookings import BookingIndex
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.series import (
    Impossible,
    PlannedSeries,
    PlanResult,
    SeriesRule,
    SessionSlot,
)
from mesobot.scheduling.slots import FreeSlotFinder
from mesobot.staff.closures import clinic_calendar
from mesobot.staff_notices import course_cause
from mesobot.states import move_course, move_session
from mesobot.texts import escape

if TYPE_CHECKING:
    from mesobot.services import Services

PATIENT_CHANGE = "staff.patient_change"  # to each staff member privately
ACTOR = "patient"


class Refusal(StrEnum):
    """Why a patient's change cannot be made."""

    GONE = "gone"  # not the patient's, cancelled, done, or already past
    TOO_FEW = "too_few"  # fewer sessions than the treatment's minimum would remain


@dataclass(frozen=True)
class Refused:
    """The change was not made."""

    reason: Refusal
    impossible: Impossible | None = None


@dataclass(frozen=True)
class Changed:
    """The change was made; `sessions` are the course's sessions that still count, in order."""

    course: Course
    sessions: list[Appointment]


@dataclass(frozen=True)
class PlanMoved:
    """The fresh plan differs from the one the patient saw (or there is none any more)."""

    fresh: PlanResult


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


async def patient_session(
    *, session: AsyncSession, patient_id: int, appointment_id: int, now: datetime
) -> CourseSeries | None:
    """The course of a session the patient may still change (theirs, holding, in the future)."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or appointment.state not in HOLDING_STATES:
        return None
    if appointment.start_utc <= now:
        return None
    course = await session.get(Course, appointment.course_id)
    if course is None or course.patient_id != patient_id:
        return None
    if course.state not in (CourseState.REQUESTED, CourseState.CONFIRMED):
        return None
    query = (
        select(Appointment)
        .where(Appointment.course_id == course.id, Appointment.state != SessionState.CANCELLED)
        .order_by(col(Appointment.number))
    )
    return CourseSeries(course, list(await session.exec(query)))


async def _bookings(
    session: AsyncSession, calendar: Calendar, found: CourseSeries, first: date, last: date
) -> BookingIndex:
    """What other courses hold between `first` and `last` (local days, one day of slack)."""
    start = datetime.combine(first - timedelta(days=1), time(0), tzinfo=calendar.zone)
    end = datetime.combine(last + timedelta(days=2), time(0), tzinfo=calendar.zone)
    return await load_bookings(
        session=session,
        clinic_id=calendar.clinic_id,
        start=start,
        end=end,
        exclude_course_id=found.course.id,
    )


def _span(found: CourseSeries, rule: SeriesRule, *extra: date) -> tuple[date, date]:
    days = [a.local_date for a in found.sessions] + list(extra)
    reach = rule.max_gap_days * len(found.sessions)
    return min(days), max(days) + timedelta(days=reach)


async def plan_move(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    found: CourseSeries,
    appointment_id: int,
    new_date: date,
    new_time: time,
    now: datetime,
) -> PlanResult:
    """The course after moving one session, the later ones re-planned, against what is booked."""
    first, last = _span(found, rule, new_date)
    bookings = await _bookings(session, calendar, found, first, last)
    return planner.replan_after_move(
        rule=rule,
        series=found.series(),
        session_number=found.position(appointment_id),
        new_date=new_date,
        new_time=new_time,
        calendar=calendar,
        bookings=bookings,
        now=now,
    )


async def move_finder(
    *,
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    found: CourseSeries,
    appointment_id: int,
    now: datetime,
    around: date,
) -> FreeSlotFinder:
    """Free dates and times for moving a session: the rest of the course must still fit."""
    number = found.position(appointment_id)
    previous = found.sessions[number - 2].local_date if number > 1 else None
    first, last = _span(found, rule, around - timedelta(days=31), around + timedelta(days=62))
    bookings = await _bookings(session, calendar, found, first, last)
    return FreeSlotFinder(
        rule=rule,
        sessions=len(found.sessions) - number + 1,
        calendar=calendar,
        bookings=bookings,
        now=now,
        previous_date=previous,
    )


async def _begin_locked(session: AsyncSession) -> None:
    # On SQLite this BEGIN IMMEDIATE takes the write lock before anything is read.
    await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


async def _lock_days(session: AsyncSession, calendar: Calendar, days: list[date]) -> None:
    await lock_resource_days(
        session=session,
        clinic_id=calendar.clinic_id,
        days=[(resource, day) for resource in calendar.resource_ids for day in set(days)],
    )


def _apply_slot(appointment: Appointment, slot: SessionSlot) -> datetime | None:
    """Put a session on `slot`; its previous start when it moved, else None."""
    same = (appointment.local_date, appointment.local_time, appointment.resource_id) == (
        slot.local_date,
        slot.local_time,
        slot.resource_id,
    )
    if same:
        return None
    previous = appointment.start_utc
    appointment.local_date, appointment.local_time = slot.local_date, slot.local_time
    appointment.resource_id, appointment.zone = slot.resource_id, slot.zone
    appointment.start_utc, appointment.end_utc = slot.start_utc, slot.end_utc
    appointment.calendar_sequence += 1
    return previous


async def _apply_plan(
    session: AsyncSession,
    services: Services,
    appointments: list[Appointment],
    plan: PlannedSeries,
    now: datetime,
) -> list[SessionChange]:
    """Move the sessions that changed; a moved confirmed session goes back to staff."""
    changes = []
    at_once = services.clinic.clinic.patient_changes_confirmed_at_once
    for appointment, slot in zip(appointments, plan.sessions, strict=True):
        previous = _apply_slot(appointment, slot)
        if previous is None:
            continue
        if appointment.state is SessionState.CONFIRMED and not at_once:
            await move_session(
                session=session,
                appointment=appointment,
                to=SessionState.REQUESTED,
                at=now,
                actor=ACTOR,
                note="moved",
            )
        session.add(appointment)
        changes.append(SessionChange(appointment, Change.MOVED, previous))
    return changes


async def reschedule_session(
    *,
    database: Database,
    services: Services,
    patient_id: int,
    appointment_id: int,
    new_date: date,
    new_time: time,
    shown_digest: str,
    now: datetime,
) -> Changed | PlanMoved | Refused:
    """Move a session and re-plan the later ones, if the plan is still the one shown."""
    async with database.sessions() as session:
        await _begin_locked(session)
        calendar = await clinic_calendar(session, services.clinic)
        found = await patient_session(
            session=session, patient_id=patient_id, appointment_id=appointment_id, now=now
        )
        if found is None:
            return Refused(Refusal.GONE)
        rule = services.clinic.treatments[found.course.treatment].series_rule()

        async def fresh_plan() -> PlanResult:
            return await plan_move(
                session=session,
                calendar=calendar,
                rule=rule,
                found=found,
                appointment_id=appointment_id,
                new_date=new_date,
                new_time=new_time,
                now=now,
            )

        plan = await fresh_plan()
        if isinstance(plan, PlannedSeries):
            await _lock_days(session, calendar, [s.local_date for s in plan.sessions])
            plan = await fresh_plan()
        if not isinstance(plan, PlannedSeries) or plan_digest(plan) != shown_digest:
            await session.rollback()
            return PlanMoved(plan)
        changes = await _apply_plan(session, services, found.sessions, plan, now)
        await _announce(session, services, found, changes, now, "moved", appointment_id)
        await session.commit()
    return Changed(found.course, found.sessions)


async def cancel_one_session(
    *,
    database: Database,
    services: Services,
    patient_id: int,
    appointment_id: int,
    now: datetime,
) -> Changed | Refused:
    """Cancel one session; later ones are re-planned when the gap would break the window."""
    async with database.sessions() as session:
        await _begin_locked(session)
        calendar = await clinic_calendar(session, services.clinic)
        found = await patient_session(
            session=session, patient_id=patient_id, appointment_id=appointment_id, now=now
        )
        if found is None:
            return Refused(Refusal.GONE)
        rule = services.clinic.treatments[found.course.treatment].series_rule()
        first, last = _span(found, rule)
        await _lock_days(
            session, calendar, [first + timedelta(days=n) for n in range((last - first).days + 1)]
        )
        bookings = await _bookings(session, calendar, found, first, last)
        number = found.position(appointment_id)
        plan = planner.cancel_session(
            rule=rule,
            series=found.series(),
            session_number=number,
            calendar=calendar,
            bookings=bookings,
            now=now,
        )
        if not isinstance(plan, PlannedSeries):
            await session.rollback()
            return Refused(Refusal.TOO_FEW, plan)
        cancelled = found.sessions[number - 1]
        await move_session(
            session=session, appointment=cancelled, to=SessionState.CANCELLED, at=now, actor=ACTOR
        )
        staying = [a for a in found.sessions if a is not cancelled]
        changes = [SessionChange(cancelled, Change.CANCELLED)]
        changes += await _apply_plan(session, services, staying, plan, now)
        found.course.session_count = len(staying)
        session.add(found.course)
        await _announce(session, services, found, changes, now, "cancelled_one", appointment_id)
        await session.commit()
    return Changed(found.course, staying)


async def cancel_rest_of_course(
    *,
    database: Database,
    services: Services,
    patient_id: int,
    appointment_id: int,
    now: datetime,
) -> Changed | Refused:
    """Cancel a session and every later one; a course left with nothing ends."""
    async with database.sessions() as session:
        await _begin_locked(session)
        found = await patient_session(
            session=session, patient_id=patient_id, appointment_id=appointment_id, now=now
        )
        if found is None:
            return Refused(Refusal.GONE)
        number = found.position(appointment_id)
        staying, ending = found.sessions[: number - 1], found.sessions[number - 1 :]
        changes = []
        for appointment in ending:
            await move_session(
                session=session,
                appointment=appointment,
                to=SessionState.CANCELLED,
                at=now,
                actor=ACTOR,
            )
            changes.append(SessionChange(appointment, Change.CANCELLED))
        course = found.course
        course.session_count = len(staying)
        if not staying:
            await move_course(
                session=session, course=course, to=CourseState.CANCELLED, at=now, actor=ACTOR
            )
        elif course.state is CourseState.CONFIRMED and all(
            a.state not in HOLDING_STATES for a in staying
        ):
            await move_course(
                session=session, course=course, to=CourseState.COMPLETED, at=now, actor=ACTOR
            )
        session.add(course)
        await _announce(session, services, found, changes, now, "cancelled_rest", appointment_id)
        await session.commit()
    return Changed(course, staying)


async def _announce(
    session: AsyncSession,
    services: Services,
    found: CourseSeries,
    changes: list[SessionChange],
    now: datetime,
    what: str,
    appointment_id: int,
) -> None:
    """Tell the parts that hang off sessions, and queue a notice to every staff member."""
    await sessions_changed(session=session, services=services, changes=changes, now=now)
    payload = {"course_id": found.course.id, "change": what, "appointment_id": appointment_id}
    stamp = now.isoformat()
    for staff_id in services.settings.mesobot_staff_ids:
        await enqueue_message(
            session=session,
            recipient=staff_id,
            kind=PATIENT_CHANGE,
            payload=payload,
            due_at=now,
            idempotency_key=f"patient-change:{appointment_id}:{what}:{stamp}:{staff_id}",
            now=now,
            cause=course_cause(found.course.id),
        )


_CHANGE_TITLES = {
    "moved": "<b>Session moved by the patient</b>",
    "cancelled_one": "<b>Session cancelled by the patient</b>",
    "cancelled_rest": "<b>Rest of the course cancelled by the patient</b>",
}


async def render_patient_change(request: RenderRequest) -> RenderedMessage | None:
    """The staff notice of a patient's change: who, which course, its sessions now."""
    payload = request.message.payload
    course = await request.session.get(Course, int(payload["course_id"]))
    if course is None:
        return None
    patient = await request.session.get(Patient, course.patient_id)
    query = select(Appointment).where(Appointment.course_id == course.id)
    appointments = list(await request.session.exec(query.order_by(col(Appointment.number))))
    _ = translations(request.language).gettext
    who = escape(patient.display_name or patient.telegram_user_id) if patient else "?"
    lines = [
        _(_CHANGE_TITLES.get(str(payload["change"]), "<b>Change by the patient</b>")),
        _("{patient}: {treatment}, course {state}").format(
            patient=who, treatment=escape(course.treatment), state=escape(course.state.value)
        ),
    ]
    lines += [
        f"{a.number}. {a.local_date.isoformat()} {a.local_time.strftime('%H:%M')} "
        f"{escape(a.state.value)} [{escape(a.code)}]"
        for a in appointments
    ]
    return RenderedMessage("\n".join(lines))


def register_patient_change_kinds(kinds: KindRegistry) -> None:
    """Add the staff notice of patients' changes to the outbox's kinds."""
    kinds.register(
        PATIENT_CHANGE, render=render_patient_change, late_policy=ALWAYS_SEND, for_staff=True
    )
