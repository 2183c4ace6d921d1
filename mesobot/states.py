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
    """Change one session's state and record the event."""
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
