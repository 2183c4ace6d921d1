"""Staff marking one session from /agenda or /session: done, no-show, or cancelled on the
patient's behalf (who is told through the outbox). Each acts only on the session as the staff
member saw it: at the version their button was drawn for."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course, CourseState, SessionState
from mesobot.staff import patient_notices
from mesobot.staff.audit import StaffActor
from mesobot.staff.sessions import Stale, record_session_action
from mesobot.states import OPEN_SESSION_STATES, move_session

if TYPE_CHECKING:
    from mesobot.services import Services


async def _locked_session(session: AsyncSession, appointment_id: int) -> Appointment | None:
    query = select(Appointment).where(Appointment.id == appointment_id).with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def record_outcome(
    *,
    session: AsyncSession,
    services: Services,
    appointment_id: int,
    seen_version: int,
    outcome: SessionState,
    staff: StaffActor,
    now: datetime,
) -> Appointment | Stale:
    """Mark a confirmed session done or a no-show (from /agenda), if it is still as seen."""
    appointment = await _locked_session(session, appointment_id)
    if (
        appointment is None
        or appointment.version != seen_version
        or appointment.state != SessionState.CONFIRMED
    ):
        return Stale(appointment)
    await move_session(
        session=session, appointment=appointment, to=outcome, at=now, actor=staff.actor
    )
    change = Change.DONE if outcome == SessionState.DONE else Change.NO_SHOW
    await sessions_changed(
        session=session, services=services, changes=[SessionChange(appointment, change)], now=now
    )
    course = await session.get(Course, appointment.course_id)
    before, after = {"state": str(SessionState.CONFIRMED)}, {"state": str(outcome)}
    await record_session_action(
        session, staff, str(outcome), appointment, course, now, before=before, after=after
    )
    return appointment


async def cancel_for_patient(
    *,
    session: AsyncSession,
    services: Services,
    appointment_id: int,
    seen_version: int,
    staff: StaffActor,
    now: datetime,
) -> Appointment | Stale:
    """Cancel one session on the patient's behalf, if it is still as seen; the patient is told
    through the outbox.

    The rest of the course stays as it is: which later sessions to move is the practitioner's
    call, and each move has its own button.
    """
    appointment = await _locked_session(session, appointment_id)
    if (
        appointment is None
        or appointment.version != seen_version
        or appointment.state not in OPEN_SESSION_STATES
    ):
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
    after = {"state": str(SessionState.CANCELLED)}
    await record_session_action(
        session, staff, "cancel", appointment, course, now, before=before, after=after
    )
    return appointment
