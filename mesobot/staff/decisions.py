"""Staff decisions on requested courses: confirm, change, decline, and expiry.

Two staff pressing at once: every decision or change first claims the course with a
conditional UPDATE on the version the staff member saw (`claim_course`). Only one claim of a
version can succeed, on SQLite (writers are serialised) and on PostgreSQL (the second UPDATE
waits for the first's row lock, then finds the version changed and matches no row); the loser
gets `Superseded` with the latest action, to say "already confirmed by Rita at 10:42".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.lifecycle import Change, SessionChange, cancel_sessions, sessions_changed
from mesobot.models import Appointment, Course, CourseState, SessionState
from mesobot.staff import patient_notices
from mesobot.staff.audit import StaffActor, last_course_action, record_action
from mesobot.staff.models import AuditEntry
from mesobot.states import OPEN_SESSION_STATES, move_course, move_session

if TYPE_CHECKING:
    from mesobot.services import Services

SYSTEM = "system"


@dataclass(frozen=True)
class Decided:
    """The staff member's decision or change went through."""

    course: Course
    appointments: list[Appointment]


@dataclass(frozen=True)
class Superseded:
    """Someone got there first: the course as it is now, and the latest staff action on it."""

    course: Course | None
    last: AuditEntry | None


async def claim_course(
    *, session: AsyncSession, course_id: int, seen_version: int
) -> Course | None:
    """Bump the course's version if it is still the one seen; None when someone was first."""
    result = await session.exec(
        update(Course)
        .where(col(Course.id) == course_id, col(Course.version) == seen_version)
        .values(version=seen_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    course = await session.get(Course, course_id, populate_existing=True)
    return course


async def superseded(*, session: AsyncSession, course_id: int) -> Superseded:
    """What a losing press is told about."""
    course = await session.get(Course, course_id, populate_existing=True)
    return Superseded(course, await last_course_action(session=session, course_id=course_id))


async def course_sessions(*, session: AsyncSession, course_id: int) -> list[Appointment]:
    """A course's sessions in order."""
    query = select(Appointment).where(Appointment.course_id == course_id)
    return list(await session.exec(query.order_by(col(Appointment.number))))


def course_snapshot(course: Course, appointments: list[Appointment]) -> dict[str, object]:
    """What the audit log keeps of a course: states and times, no personal data."""
    return {
        "state": str(course.state),
        "sessions": [
            [a.number, str(a.state), a.local_date.isoformat(), a.local_time.strftime("%H:%M")]
            for a in appointments
        ],
    }


async def claim_requested_course(
    *, session: AsyncSession, course_id: int, seen_version: int, awaiting: bool = False
) -> Course | Superseded:
    """Claim a course that staff decide on, at the version seen, if it is still requested;
    with `awaiting`, also a confirmed course with a session awaiting staff (a patient's move)."""
    course = await claim_course(session=session, course_id=course_id, seen_version=seen_version)
    if course is not None and course.state == CourseState.REQUESTED:
        return course
    if course is not None and awaiting and course.state == CourseState.CONFIRMED:
        appointments = await course_sessions(session=session, course_id=course_id)
        if any(a.state == SessionState.REQUESTED for a in appointments):
            return course
    return await superseded(session=session, course_id=course_id)


async def confirm_course(
    *,
    session: AsyncSession,
    services: Services,
    course_id: int,
    seen_version: int,
    staff: StaffActor,
    now: datetime,
) -> Decided | Superseded:
    """Confirm a requested course and its sessions (or a confirmed course's sessions that a
    patient moved); the patient is told at once."""
    course = await claim_requested_course(
        session=session, course_id=course_id, seen_version=seen_version, awaiting=True
    )
    if isinstance(course, Superseded):
        return course
    appointments = await course_sessions(session=session, course_id=course_id)
    before = course_snapshot(course, appointments)
    changes = []
    for appointment in appointments:
        if appointment.state == SessionState.REQUESTED:
            await move_session(
                session=session,
                appointment=appointment,
                to=SessionState.CONFIRMED,
                at=now,
                actor=staff.actor,
            )
            changes.append(SessionChange(appointment, Change.CONFIRMED))
    if course.state != CourseState.CONFIRMED:
        await move_course(
            session=session, course=course, to=CourseState.CONFIRMED, at=now, actor=staff.actor
        )
    course.decided_at, course.decided_by = now, staff.telegram_id
    # Queued before the observers run, so that the words come before the calendar file.
    await patient_notices.enqueue_course_notice(
        session=session, course=course, kind=patient_notices.COURSE_CONFIRMED, now=now
    )
    await sessions_changed(session=session, services=services, changes=changes, now=now)
    await record_action(
        session=session,
        staff=staff,
        action="confirm",
        at=now,
        patient_id=course.patient_id,
        course_id=course.id,
        before=before,
        after=course_snapshot(course, appointments),
    )
    return Decided(course, appointments)


async def end_requested_course(
    *,
    session: AsyncSession,
    services: Services,
    course: Course,
    to: CourseState,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> list[Appointment]:
    """Decline or expire a requested course: its sessions free their places."""
    appointments = await course_sessions(session=session, course_id=course.id or 0)
    changes = await cancel_sessions(
        session=session,
        appointments=[a for a in appointments if a.state in OPEN_SESSION_STATES],
        change=Change.DECLINED,
        actor=actor,
        at=now,
        note=str(to),
    )
    await move_course(session=session, course=course, to=to, at=now, actor=actor, note=note)
    course.decided_at = now
    await sessions_changed(session=session, services=services, changes=changes, now=now)
    return appointments


async def decline_course(
    *,
    session: AsyncSession,
    services: Services,
    course_id: int,
    seen_version: int,
    reason: str,
    staff: StaffActor,
    now: datetime,
) -> Decided | Superseded:
    """Decline a requested course with a reason the patient receives; they can book again.

    On a confirmed course, only the sessions a patient moved (awaiting staff) are declined:
    they are cancelled, the patient is told, and the rest of the course stays confirmed.
    """
    course = await claim_requested_course(
        session=session, course_id=course_id, seen_version=seen_version, awaiting=True
    )
    if isinstance(course, Superseded):
        return course
    if course.state == CourseState.CONFIRMED:
        return await decline_moved_sessions(
            session=session, services=services, course=course, staff=staff, now=now
        )
    before = course_snapshot(course, await course_sessions(session=session, course_id=course_id))
    course.decline_reason = reason[:500]
    course.decided_by = staff.telegram_id
    appointments = await end_requested_course(
        session=session,
        services=services,
        course=course,
        to=CourseState.DECLINED,
        actor=staff.actor,
        now=now,
    )
    await patient_notices.enqueue_course_notice(
        session=session, course=course, kind=patient_notices.COURSE_DECLINED, now=now
    )
    # The reason may name a health matter: the log keeps whether it was typed, not the text.
    after = course_snapshot(course, appointments) | {
        "reason": reason if reason.startswith(patient_notices.PRESET) else "typed"
    }
    await record_action(
        session=session,
        staff=staff,
        action="decline",
        at=now,
        patient_id=course.patient_id,
        course_id=course.id,
        before=before,
        after=after,
    )
    return Decided(course, appointments)


async def expire_due_requests(
    *, session: AsyncSession, services: Services, now: datetime, limit: int = 100
) -> list[int]:
    """Expire requests left undecided past their time; each patient is told. Returns ids.

    A course's own `expires_at` wins; without one, it expires `request_expiry_hours` after it
    was requested (the clinic's setting as it is now). Each course is claimed by its version
    like a staff decision, so a staff member confirming at the same moment either wins (and
    the request does not expire) or is told it expired.
    """
    default_cutoff = now - timedelta(hours=services.clinic.clinic.request_expiry_hours)
    query = (
        select(Course.id, Course.version)
        .where(
            Course.state == CourseState.REQUESTED,
            or_(
                col(Course.expires_at) <= now,
                and_(col(Course.expires_at).is_(None), col(Course.requested_at) <= default_cutoff),
            ),
        )
        .order_by(col(Course.requested_at))
        .limit(limit)
    )
    expired = []
    for course_id, version in (await session.exec(query)).all():
        assert course_id is not None
        course = await claim_course(session=session, course_id=course_id, seen_version=version)
        if course is None:
            continue
        await end_requested_course(
            session=session,
            services=services,
            course=course,
            to=CourseState.EXPIRED,
            actor=SYSTEM,
            now=now,
        )
        await patient_notices.enqueue_course_notice(
            session=session, course=course, kind=patient_notices.COURSE_EXPIRED, now=now
        )
        expired.append(course_id)
    return expired


async def pending_requests(*, session: AsyncSession, limit: int = 50) -> list[Course]:
    """Requests awaiting a decision, oldest first."""
    query = (
        select(Course)
        .where(Course.state == CourseState.REQUESTED)
        .order_by(col(Course.requested_at), col(Course.id))
        .limit(limit)
    )
    return list(await session.exec(query))


async def decline_moved_sessions(
    *, session: AsyncSession, services: Services, course: Course, staff: StaffActor, now: datetime
) -> Decided:
    """Decline a confirmed course's sessions that await staff: cancelled, the patient told."""
    appointments = await course_sessions(session=session, course_id=course.id or 0)
    before = course_snapshot(course, appointments)
    declined = [a for a in appointments if a.state == SessionState.REQUESTED]
    changes = await cancel_sessions(
        session=session, appointments=declined, change=Change.CANCELLED, actor=staff.actor, at=now
    )
    await sessions_changed(session=session, services=services, changes=changes, now=now)
    for appointment in declined:  # after the observers: not cancelled with the session's own
        await patient_notices.enqueue_session_cancelled(
            session=session, course=course, appointment=appointment, now=now
        )
    course.session_count = len([a for a in appointments if a.state != SessionState.CANCELLED])
    session.add(course)
    await record_action(
        session=session,
        staff=staff,
        action="decline",
        at=now,
        patient_id=course.patient_id,
        course_id=course.id,
        before=before,
        after=course_snapshot(course, appointments),
    )
    return Decided(course, appointments)
