"""Erasing a patient (GDPR art. 17) while keeping what the clinic must keep, without Telegram.

`erase_patient` runs in the caller's write transaction: it cancels the patient's future
sessions through the one state machine (staff are told privately, by session codes and
dates only), deletes every message queued to or about them, then deletes their data
(`mesobot.privacy.erasure_data`). What the law makes the clinic keep, the record of sessions
given and of reactions reported, keeps its identity in `clinical_identity` and nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.calendar_delivery.delivery import calendar_cause
from mesobot.care.models import ReactionReport
from mesobot.care.reports import report_cause
from mesobot.i18n import translations
from mesobot.lifecycle import (
    Change,
    cancel_sessions,
    session_cause,
    sessions_changed,
)
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.models.course import HOLDING_STATES
from mesobot.outbox.api import enqueue_to_staff, forget_causes, forget_chat
from mesobot.outbox.policies import ALWAYS_SEND, KindRegistry, RenderedMessage, RenderRequest
from mesobot.privacy.erasure_data import (
    delete_everything,
    keep_clinical_record,
    may_have_been_given,
)
from mesobot.privacy.retention import add_years
from mesobot.staff.patient_notices import course_cause
from mesobot.states import move_course
from mesobot.texts import erasure as texts
from mesobot.texts.dates import day_label

if TYPE_CHECKING:
    from mesobot.services import Services

logger = logging.getLogger(__name__)

# To each staff member privately: which sessions an erasure cancelled (codes and dates only).
SESSIONS_CANCELLED = "privacy.erasure_sessions_cancelled"
_OPEN_COURSES = (CourseState.REQUESTED, CourseState.CONFIRMED)


@dataclass(frozen=True)
class CancelledSession:
    """A session an erasure cancelled, as staff are told of it."""

    code: str
    local_date: date
    local_time: time


@dataclass(frozen=True)
class Erased:
    """What an erasure did. `keep_until` is None when nothing was kept: the patient is gone."""

    patient_id: int
    cancelled: list[CancelledSession]
    keep_until: datetime | None


@dataclass(frozen=True)
class ErasurePreview:
    """What erasing a patient would do, for the explanation before they confirm."""

    future_sessions: int
    # The clinical record's end if it were erased now; None when nothing would be kept.
    keep_until: datetime | None


async def preview_erasure(
    *, session: AsyncSession, services: Services, patient_id: int, now: datetime
) -> ErasurePreview:
    """What `erase_patient` would cancel and keep, read only."""
    appointments = await _appointments_of(session, patient_id)
    future = [a for a in appointments if _cancellable(a, now)]
    return ErasurePreview(len(future), keep_until(services, appointments, now))


async def erase_patient(
    *, session: AsyncSession, services: Services, patient_id: int, actor: str, now: datetime
) -> Erased | None:
    """Erase a patient in the caller's transaction; None if there is no such patient left
    to erase (already erased, or never there). `actor` is "patient" or "staff:<id>"."""
    patient = await session.get(Patient, patient_id)
    if patient is None or patient.erased_at is not None:
        return None
    cancelled = await _cancel_future_sessions(session, services, patient_id, actor, now)
    await _tell_staff(session, services, patient_id, cancelled, actor, now)
    appointments = await _appointments_of(session, patient_id)
    until = keep_until(services, appointments, now)
    await _forget_messages(session, patient, appointments, kept=until is not None)
    if until is None:
        await delete_everything(session=session, patient=patient)
    else:
        await keep_clinical_record(
            session=session, patient=patient, appointments=appointments, keep_until=until, now=now
        )
    # Ids only: after restoring an older backup, these lines say whom to erase again.
    logger.info("Erased patient %d (clinical record kept: %s)", patient_id, until is not None)
    return Erased(patient_id, cancelled, until)


def keep_until(
    services: Services, appointments: Sequence[Appointment], now: datetime
) -> datetime | None:
    """The end of the clinical record: the last session given (or over and not marked yet)
    plus the clinic's years."""
    given = [a.start_utc for a in appointments if may_have_been_given(a, now)]
    if not given:
        return None
    return add_years(max(given), services.clinic.retention.clinical_record_years)


def _cancellable(appointment: Appointment, now: datetime) -> bool:
    # Past open sessions stay for staff to mark done or no-show: they may have been given.
    return appointment.state in HOLDING_STATES and appointment.start_utc > now


async def _appointments_of(session: AsyncSession, patient_id: int) -> list[Appointment]:
    query = (
        select(Appointment)
        .join(Course, col(Course.id) == col(Appointment.course_id))
        .where(Course.patient_id == patient_id)
        .order_by(col(Appointment.start_utc), col(Appointment.id))
    )
    return list(await session.exec(query))


async def _cancel_future_sessions(
    session: AsyncSession, services: Services, patient_id: int, actor: str, now: datetime
) -> list[CancelledSession]:
    """Cancel every future session as the patient's own cancel does, and end their courses."""
    changes = await cancel_sessions(
        session=session,
        appointments=[
            a for a in await _appointments_of(session, patient_id) if _cancellable(a, now)
        ],
        change=Change.CANCELLED,
        actor=actor,
        at=now,
        note="erasure",
    )
    courses = await session.exec(
        select(Course).where(Course.patient_id == patient_id, col(Course.state).in_(_OPEN_COURSES))
    )
    for course in courses.all():
        await _end_course(session, course, actor, now)
    await sessions_changed(session=session, services=services, changes=changes, now=now)
    return [
        CancelledSession(c.appointment.code, c.appointment.local_date, c.appointment.local_time)
        for c in changes
    ]


async def _end_course(session: AsyncSession, course: Course, actor: str, now: datetime) -> None:
    """A course left with no open session ends: completed if a session was given."""
    states = (
        await session.exec(select(Appointment.state).where(Appointment.course_id == course.id))
    ).all()
    if any(state in HOLDING_STATES for state in states):
        return  # a past session staff have still to mark
    given = course.state is CourseState.CONFIRMED and SessionState.DONE in states
    to = CourseState.COMPLETED if given else CourseState.CANCELLED
    await move_course(session=session, course=course, to=to, at=now, actor=actor, note="erasure")


async def _tell_staff(
    session: AsyncSession,
    services: Services,
    patient_id: int,
    cancelled: list[CancelledSession],
    actor: str,
    now: datetime,
) -> None:
    """Queue, to each staff member, the cancelled sessions: codes and local dates only."""
    if not cancelled:
        return
    payload = {
        "by_patient": actor == "patient",
        "sessions": [
            [c.code, c.local_date.isoformat(), c.local_time.strftime("%H:%M")] for c in cancelled
        ],
    }
    await enqueue_to_staff(
        session=session,
        staff_ids=services.settings.mesobot_staff_ids,
        kind=SESSIONS_CANCELLED,
        payload=payload,
        due_at=now,
        key_prefix=f"erasure:{patient_id}:{now.astimezone(UTC).isoformat()}",
        now=now,
    )


async def _forget_messages(
    session: AsyncSession, patient: Patient, appointments: Sequence[Appointment], *, kept: bool
) -> None:
    """Delete every message to the patient, and those about their courses, sessions and
    reports: unsent ones always (they would be rendered from deleted data), sent ones too
    when nothing of the patient is kept."""
    if patient.telegram_user_id is not None:
        await forget_chat(session=session, chat_id=patient.telegram_user_id)
    course_ids = {a.course_id for a in appointments}
    found = await session.exec(select(Course.id).where(Course.patient_id == patient.id))
    course_ids |= {course_id for course_id in found.all() if course_id is not None}
    reports = await session.exec(
        select(ReactionReport.id).where(ReactionReport.patient_id == patient.id)
    )
    causes = {session_cause(a.id) for a in appointments}
    causes |= {course_cause(course_id) for course_id in course_ids}
    causes |= {calendar_cause(course_id) for course_id in course_ids}
    causes |= {report_cause(report_id) for report_id in reports.all()}
    await forget_causes(session=session, causes=causes, sent_too=not kept)


async def render_sessions_cancelled(request: RenderRequest) -> RenderedMessage:
    """The staff notice of an erasure's cancellations, from its payload alone."""
    payload = request.message.payload
    # The payload keeps ISO dates; staff read them the one way dates are written.
    sessions = [
        (str(code), day_label(date.fromisoformat(str(day)), request.language), str(at))
        for code, day, at in payload["sessions"]
    ]
    t = translations(request.language)
    return RenderedMessage(
        texts.staff_sessions_cancelled(
            t, appointments=sessions, by_patient=bool(payload["by_patient"])
        )
    )


def register_erasure_kinds(kinds: KindRegistry) -> None:
    """Add the staff notice of an erasure's cancellations to the outbox's kinds."""
    kinds.register(
        SESSIONS_CANCELLED,
        render=render_sessions_cancelled,
        late_policy=ALWAYS_SEND,
        for_staff=True,
    )
