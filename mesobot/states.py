"""The one state machine of courses and sessions, and the events that record every change.

Course:   requested -> confirmed | declined | expired | cancelled
          confirmed -> cancelled | completed
Session:  requested -> confirmed | cancelled
          confirmed -> requested (moved by the patient, back to staff) | done | no_show | cancelled
          done, no_show and cancelled are final.
Requested and confirmed sessions hold their resource; the others free it. When a course ends
(declined, expired, cancelled), its open sessions are cancelled with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import Appointment, Course, CourseState, SessionState, StateEvent

COURSE_MOVES: dict[CourseState, frozenset[CourseState]] = {
    CourseState.REQUESTED: frozenset(
        {CourseState.CONFIRMED, CourseState.DECLINED, CourseState.EXPIRED, CourseState.CANCELLED}
    ),
    CourseState.CONFIRMED: frozenset({CourseState.CANCELLED, CourseState.COMPLETED}),
    CourseState.DECLINED: frozenset(),
    CourseState.EXPIRED: frozenset(),
    CourseState.CANCELLED: frozenset(),
    CourseState.COMPLETED: frozenset(),
}

SESSION_MOVES: dict[SessionState, frozenset[SessionState]] = {
    SessionState.REQUESTED: frozenset({SessionState.CONFIRMED, SessionState.CANCELLED}),
    SessionState.CONFIRMED: frozenset(
        {
            SessionState.REQUESTED,
            SessionState.DONE,
            SessionState.NO_SHOW,
            SessionState.CANCELLED,
        }
    ),
    SessionState.DONE: frozenset(),
    SessionState.NO_SHOW: frozenset(),
    SessionState.CANCELLED: frozenset(),
}

OPEN_SESSION_STATES = frozenset({SessionState.REQUESTED, SessionState.CONFIRMED})


class IllegalTransition(Exception):
    """A change of state that the state machine does not allow."""


async def move_course(
    *,
    session: AsyncSession,
    course: Course,
    to: CourseState,
    at: datetime,
    actor: str,
    note: str | None = None,
) -> None:
    """Change a course's state, record the event, and bump its version."""
    if to not in COURSE_MOVES[course.state]:
        raise IllegalTransition(f"course {course.id}: {course.state} -> {to}")
    assert course.id is not None
    session.add(
        StateEvent(
            course_id=course.id,
            from_state=course.state,
            to_state=to,
            at=at,
            actor=actor,
            note=note,
        )
    )
    course.state = to
    course.version += 1
    session.add(course)


async def move_session(
    *,
    session: AsyncSession,
    appointment: Appointment,
    to: SessionState,
    at: datetime,
    actor: str,
    note: str | None = None,
) -> None:
    """Change one session's state, record the event, and count the change."""
    if to not in SESSION_MOVES[appointment.state]:
        raise IllegalTransition(f"session {appointment.id}: {appointment.state} -> {to}")
    session.add(
        StateEvent(
            course_id=appointment.course_id,
            appointment_id=appointment.id,
            from_state=appointment.state,
            to_state=to,
            at=at,
            actor=actor,
            note=note,
        )
    )
    appointment.state = to
    session.add(appointment)
    await count_session_change(session, appointment)


async def count_session_change(session: AsyncSession, appointment: Appointment) -> None:
    """Bump a session's version: every change of its state, day, time or place comes here.

    The database adds the one (`version + 1`), not Python: on PostgreSQL a patient's move and a
    staff member's Done can run at once, and two writes of the same "version read + 1" would
    make two changes look like one. The object is told the new number without marking it
    changed, so that nothing writes the column again.
    """
    bumped = await session.exec(
        update(Appointment)
        .where(col(Appointment.id) == appointment.id)
        .values(version=col(Appointment.version) + 1)
        .returning(col(Appointment.version))
        .execution_options(synchronize_session=False)
    )
    set_committed_value(appointment, "version", bumped.scalar_one())
