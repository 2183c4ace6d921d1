"""A patient's own changes to a booked course: move a session, cancel one, cancel the rest.

Each change runs in the caller's transaction (begun IMMEDIATE on SQLite): it checks the course
again, moves sessions through the one session mover (`mesobot.session_moves`, which locks the
resource-days and re-plans under the lock), announces the changed sessions and queues the
staff notice. It never opens, commits or rolls back a transaction itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot import session_moves
from mesobot.flow.steps import plan_digest
from mesobot.i18n import N_, translations
from mesobot.lifecycle import Change, SessionChange, cancel_sessions, sessions_changed
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.models.course import HOLDING_STATES
from mesobot.notice_period import inside_notice
from mesobot.outbox.api import enqueue_to_staff
from mesobot.outbox.policies import ALWAYS_SEND, KindRegistry, RenderedMessage, RenderRequest
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.series import Impossible, PlanResult, SeriesRule
from mesobot.scheduling.slots import FreeSlotFinder
from mesobot.session_moves import (
    CourseSeries as CourseSeries,  # re-exported: the /appointments handlers name it from here
)
from mesobot.session_moves import (
    MovedSession,
    NotReplanned,
    move_series_session,
    replan_without_session,
    series_rule_of,
)
from mesobot.staff.closures import clinic_calendar
from mesobot.staff_notices import awaits_staff, course_cause, decision_buttons, treatment_label
from mesobot.states import move_course, move_session
from mesobot.texts import escape
from mesobot.texts import staff as staff_texts

if TYPE_CHECKING:
    from mesobot.callbacks import CallbackCodec
    from mesobot.clinic import Clinic
    from mesobot.services import Services

PATIENT_CHANGE = "staff.patient_change"  # to each staff member privately
ACTOR = "patient"


class Refusal(StrEnum):
    """Why a patient's change cannot be made."""

    GONE = "gone"  # not the patient's, cancelled, done, or already past
    TOO_FEW = "too_few"  # fewer sessions than the treatment's minimum would remain
    CHANGED = "changed"  # the session changed since the patient was asked (staff moved it)
    SAME = "same"  # a move to the day and time the session already has: nothing to change
    NOTICE = "notice"  # inside the clinic's notice period: only staff change it now


@dataclass(frozen=True)
class Refused:
    """The change was not made."""

    reason: Refusal
    impossible: Impossible | None = None


@dataclass(frozen=True)
class PatientChangeMade:
    """The change was made; `appointments` are the course's sessions that still count, in order."""

    course: Course
    appointments: list[Appointment]


@dataclass(frozen=True)
class PlanMoved:
    """The fresh plan differs from the one the patient saw (or there is none any more)."""

    fresh: PlanResult


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
    return await session_moves.plan_move(
        session=session,
        calendar=calendar,
        rule=rule,
        found=found,
        number=found.position(appointment_id),
        new_date=new_date,
        new_time=new_time,
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
    return await session_moves.move_finder(
        session=session,
        calendar=calendar,
        rule=rule,
        found=found,
        number=found.position(appointment_id),
        # A month's calendar or a day's times, whichever `around` starts, with room to spare.
        candidates=(around - timedelta(days=31), around + timedelta(days=62)),
        now=now,
    )


async def _changeable(
    session: AsyncSession,
    patient_id: int,
    appointment_id: int,
    now: datetime,
    seen_version: int | None = None,
) -> tuple[CourseSeries, int] | Refused:
    """The patient's course that the session belongs to, and the session's 1-based place in
    it; GONE when it is not theirs or can no longer change, CHANGED when it is no longer at
    `seen_version` (if given). Every change starts here."""
    found = await patient_session(
        session=session, patient_id=patient_id, appointment_id=appointment_id, now=now
    )
    if found is None:
        return Refused(Refusal.GONE)
    number = found.position(appointment_id)
    if seen_version is not None and found.sessions[number - 1].version != seen_version:
        return Refused(Refusal.CHANGED)
    return found, number


async def _back_to_staff(
    session: AsyncSession, services: Services, moved: list[MovedSession], now: datetime
) -> list[SessionChange]:
    """A moved confirmed session goes back to staff, unless the clinic confirms at once."""
    at_once = services.clinic.clinic.patient_changes_confirmed_at_once
    for appointment in (m.appointment for m in moved):
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
    return [m.change() for m in moved]


async def reschedule_session(
    *,
    session: AsyncSession,
    services: Services,
    patient_id: int,
    appointment_id: int,
    new_date: date,
    new_time: time,
    shown_digest: str,
    now: datetime,
) -> PatientChangeMade | PlanMoved | Refused:
    """Move a session and re-plan the later ones, if the plan is still the one shown.

    No session version is needed here: the digest covers the day and time of every session
    the patient confirmed, so a session moved meanwhile shows them the fresh plan first.
    Runs in the caller's transaction; a refusal leaves nothing written.
    """
    looked_up = await _changeable(session, patient_id, appointment_id, now)
    if isinstance(looked_up, Refused):
        return looked_up
    found, number = looked_up
    current = found.sessions[number - 1]
    if (current.local_date, current.local_time) == (new_date, new_time):
        return Refused(Refusal.SAME)
    if inside_notice(services.clinic, current, now):
        return Refused(Refusal.NOTICE)
    result = await move_series_session(
        session=session,
        calendar=await clinic_calendar(session, services.clinic),
        rule=series_rule_of(services.clinic, found.course),
        found=found,
        number=number,
        new_date=new_date,
        new_time=new_time,
        now=now,
        accept=lambda plan: plan_digest(plan) == shown_digest,
    )
    if isinstance(result, NotReplanned):
        return PlanMoved(result.fresh)
    changes = await _back_to_staff(session, services, result.moved, now)
    await _announce(session, services, found, changes, now, "moved", appointment_id)
    return PatientChangeMade(found.course, found.sessions)


async def cancel_one_session(
    *,
    session: AsyncSession,
    services: Services,
    patient_id: int,
    appointment_id: int,
    seen_version: int,
    now: datetime,
) -> PatientChangeMade | Refused:
    """Cancel one session; later ones are re-planned when the gap would break the window.

    Only at the version the patient was asked about (`seen_version`). Runs in the caller's
    transaction; a refusal leaves nothing written.
    """
    looked_up = await _changeable(session, patient_id, appointment_id, now, seen_version)
    if isinstance(looked_up, Refused):
        return looked_up
    found, number = looked_up
    if inside_notice(services.clinic, found.sessions[number - 1], now):
        return Refused(Refusal.NOTICE)
    result = await replan_without_session(
        session=session,
        calendar=await clinic_calendar(session, services.clinic),
        rule=series_rule_of(services.clinic, found.course),
        found=found,
        number=number,
        now=now,
    )
    if isinstance(result, NotReplanned):
        assert isinstance(result.fresh, Impossible)  # every plan that fits is taken
        return Refused(Refusal.TOO_FEW, result.fresh)
    cancelled = found.sessions[number - 1]
    await move_session(
        session=session, appointment=cancelled, to=SessionState.CANCELLED, at=now, actor=ACTOR
    )
    staying = [a for a in found.sessions if a is not cancelled]
    changes = [SessionChange(cancelled, Change.CANCELLED)]
    changes += await _back_to_staff(session, services, result.moved, now)
    found.course.session_count = len(staying)
    session.add(found.course)
    await _announce(session, services, found, changes, now, "cancelled_one", appointment_id)
    return PatientChangeMade(found.course, staying)


async def cancel_rest_of_course(
    *,
    session: AsyncSession,
    services: Services,
    patient_id: int,
    appointment_id: int,
    seen_version: int,
    now: datetime,
) -> PatientChangeMade | Refused:
    """Cancel a session and every later one; a course left with nothing ends.

    Only at the version the patient was asked about (`seen_version`). Runs in the caller's
    transaction; a refusal leaves nothing written.
    """
    looked_up = await _changeable(session, patient_id, appointment_id, now, seen_version)
    if isinstance(looked_up, Refused):
        return looked_up
    found, number = looked_up
    if inside_notice(services.clinic, found.sessions[number - 1], now):
        return Refused(Refusal.NOTICE)
    staying, ending = found.sessions[: number - 1], found.sessions[number - 1 :]
    changes = await cancel_sessions(
        session=session, appointments=ending, change=Change.CANCELLED, actor=ACTOR, at=now
    )
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
    return PatientChangeMade(course, staying)


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
    await enqueue_to_staff(
        session=session,
        staff_ids=services.settings.mesobot_staff_ids,
        kind=PATIENT_CHANGE,
        payload=payload,
        due_at=now,
        key_prefix=f"patient-change:{appointment_id}:{what}:{now.isoformat()}",
        now=now,
        cause=course_cause(found.course.id),
    )


_CHANGE_TITLES = {
    "moved": N_("<b>Session moved by the patient</b>"),
    "cancelled_one": N_("<b>Session cancelled by the patient</b>"),
    "cancelled_rest": N_("<b>Rest of the course cancelled by the patient</b>"),
}


async def render_patient_change(
    clinic: Clinic, request: RenderRequest, codec: CallbackCodec | None = None
) -> RenderedMessage | None:
    """The staff notice of a patient's change: who, which course, its sessions now; a move
    that awaits staff comes with the request's Confirm / Change / Decline."""
    payload = request.message.payload
    course = await request.session.get(Course, int(payload["course_id"]))
    if course is None:
        return None
    patient = await request.session.get(Patient, course.patient_id)
    query = select(Appointment).where(Appointment.course_id == course.id)
    appointments = list(await request.session.exec(query.order_by(col(Appointment.number))))
    t = translations(request.language)
    _ = t.gettext
    who = escape(patient.display_name or patient.telegram_user_id) if patient else "?"
    lines = [
        _(_CHANGE_TITLES.get(str(payload["change"]), "<b>Change by the patient</b>")),
        _("{patient}: {treatment} ({state})").format(
            patient=who,
            treatment=escape(treatment_label(clinic, course.treatment, request.language)),
            state=escape(staff_texts.course_state_name(t, course.state)),
        ),
    ]
    lines += [
        f"{a.number}. {staff_texts.moment_label(a.local_date, a.local_time, request.language)} "
        f"{escape(staff_texts.state_name(t, a.state))} [{escape(a.code)}]"
        for a in appointments
    ]
    active = [a for a in appointments if a.state != SessionState.CANCELLED]
    if codec is None or payload["change"] != "moved" or not awaits_staff(course, active):
        return RenderedMessage("\n".join(lines))
    return RenderedMessage("\n".join(lines), decision_buttons(codec, course, request.language))


def register_patient_change_kinds(
    kinds: KindRegistry, clinic: Clinic, codec: CallbackCodec
) -> None:
    """Add the staff notice of patients' changes to the outbox's kinds."""

    async def render(request: RenderRequest) -> RenderedMessage | None:
        return await render_patient_change(clinic, request, codec)

    kinds.register(PATIENT_CHANGE, render=render, late_policy=ALWAYS_SEND, for_staff=True)
