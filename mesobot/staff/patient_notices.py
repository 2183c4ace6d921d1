"""What staff decisions tell the patient, through the outbox: queued in the decision's
transaction, rendered in the patient's language when sent."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.i18n import translations
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.outbox.api import enqueue
from mesobot.outbox.policies import ALWAYS_SEND, KindRegistry, RenderedMessage, RenderRequest
from mesobot.scheduling.localtime import zone_named
from mesobot.texts import escape
from mesobot.texts import staff as texts

if TYPE_CHECKING:
    from mesobot.clinic import Clinic

COURSE_CONFIRMED = "patient.course_confirmed"
COURSE_DECLINED = "patient.course_declined"
COURSE_EXPIRED = "patient.course_expired"
SESSIONS_MOVED = "patient.sessions_moved"
SESSION_CANCELLED = "patient.session_cancelled"
# A decline reason chosen from the short list is stored as "preset:<code>", so that each
# patient reads it in their own language; a typed reason is stored as typed.
PRESET = "preset:"


def course_cause(course_id: int | None) -> str:
    """The outbox cause of messages about a whole course (as in mesobot.staff_notices)."""
    return f"course:{course_id}"


async def _tell_patient(
    session: AsyncSession,
    course: Course,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str,
    now: datetime,
) -> None:
    """Queue a notice to the course's patient: sent at once, cancelled with the course."""
    patient = await session.get(Patient, course.patient_id)
    assert patient is not None
    await enqueue(
        session=session,
        recipient=patient.chat,
        kind=kind,
        payload=payload,
        due_at=now,
        idempotency_key=idempotency_key,
        now=now,
        cause=course_cause(course.id),
    )


async def enqueue_course_notice(
    *, session: AsyncSession, course: Course, kind: str, now: datetime
) -> None:
    """Tell the patient the course was confirmed, declined or expired (sent at once)."""
    key = f"{kind}:{course.id}:v{course.version}"
    await _tell_patient(session, course, kind, {"course_id": course.id}, key, now)


async def enqueue_sessions_moved(
    *,
    session: AsyncSession,
    course: Course,
    moved: list[tuple[Appointment, datetime]],
    now: datetime,
) -> None:
    """Tell the patient which sessions the clinic moved, from when to when."""
    payload = {"moves": [[a.id, previous.isoformat()] for a, previous in moved]}
    key = f"{SESSIONS_MOVED}:{course.id}:v{course.version}"
    await _tell_patient(session, course, SESSIONS_MOVED, payload, key, now)


async def enqueue_session_cancelled(
    *, session: AsyncSession, course: Course, appointment: Appointment, now: datetime
) -> None:
    """Tell the patient the clinic cancelled one session."""
    payload = {"appointment_id": appointment.id}
    key = f"{SESSION_CANCELLED}:{appointment.id}"
    await _tell_patient(session, course, SESSION_CANCELLED, payload, key, now)


def _treatment_name(clinic: Clinic, course: Course, language: str) -> str:
    treatment = clinic.treatments.get(course.treatment)
    return treatment.name.in_language(language) if treatment else course.treatment


class PatientNoticeRenderers:
    """The renderers of the patient's notices of staff decisions, bound to the clinic."""

    def __init__(self, clinic: Clinic) -> None:
        self.clinic = clinic

    async def confirmed(self, request: RenderRequest) -> RenderedMessage | None:
        """The confirmed course: its sessions, in order, with their codes."""
        course = await request.session.get(Course, int(request.message.payload["course_id"]))
        if course is None or course.state != CourseState.CONFIRMED:
            return None
        query = select(Appointment).where(
            Appointment.course_id == course.id, Appointment.state == SessionState.CONFIRMED
        )
        sessions = list(await request.session.exec(query.order_by(col(Appointment.number))))
        t = translations(request.language)
        lines = [
            texts.session_line(
                t,
                request.language,
                position=n,
                total=len(sessions),
                day=a.local_date,
                at=a.local_time,
                code=a.code,
            )
            for n, a in enumerate(sessions, start=1)
        ]
        return RenderedMessage(
            texts.course_confirmed(
                t,
                clinic=self.clinic.clinic.name,
                treatment=_treatment_name(self.clinic, course, request.language),
                appointment_lines=lines,
            )
        )

    async def declined(self, request: RenderRequest) -> RenderedMessage | None:
        """The declined request, with the reason staff gave (a preset or their words)."""
        course = await request.session.get(Course, int(request.message.payload["course_id"]))
        if course is None or course.state != CourseState.DECLINED:
            return None
        t = translations(request.language)
        stored = course.decline_reason or ""
        preset = texts.PRESET_PATIENT_TEXTS.get(stored.removeprefix(PRESET))
        reason = t.gettext(preset) if stored.startswith(PRESET) and preset else escape(stored)
        treatment = _treatment_name(self.clinic, course, request.language)
        return RenderedMessage(texts.course_declined(t, treatment=treatment, reason=reason))

    async def expired(self, request: RenderRequest) -> RenderedMessage | None:
        """A request nobody decided in time, with the clinic's phone."""
        course = await request.session.get(Course, int(request.message.payload["course_id"]))
        if course is None or course.state != CourseState.EXPIRED:
            return None
        t = translations(request.language)
        treatment = _treatment_name(self.clinic, course, request.language)
        return RenderedMessage(
            texts.course_expired(t, treatment=treatment, clinic_phone=self.clinic.clinic.phone)
        )

    async def moved(self, request: RenderRequest) -> RenderedMessage | None:
        """Which sessions the clinic moved, from when to when (the cancelled ones left out)."""
        t = translations(request.language)
        lines = []
        for appointment_id, previous in request.message.payload["moves"]:
            appointment = await request.session.get(Appointment, int(appointment_id))
            if appointment is None or appointment.state == SessionState.CANCELLED:
                continue
            before = datetime.fromisoformat(previous).astimezone(zone_named(appointment.zone))
            lines.append(
                texts.move_line(
                    t,
                    request.language,
                    before=before,
                    after_day=appointment.local_date,
                    after=appointment.local_time,
                )
            )
        return RenderedMessage(texts.sessions_moved(t, moves=lines)) if lines else None

    async def cancelled(self, request: RenderRequest) -> RenderedMessage | None:
        """The one session the clinic cancelled."""
        appointment = await request.session.get(
            Appointment, int(request.message.payload["appointment_id"])
        )
        if appointment is None or appointment.state != SessionState.CANCELLED:
            return None
        t = translations(request.language)
        return RenderedMessage(
            texts.session_cancelled(
                t, request.language, day=appointment.local_date, at=appointment.local_time
            )
        )


def register_patient_notice_kinds(kinds: KindRegistry, clinic: Clinic) -> None:
    """Add the patient's notices of staff decisions to the outbox's kinds."""
    renderers = PatientNoticeRenderers(clinic)
    for name, render in (
        (COURSE_CONFIRMED, renderers.confirmed),
        (COURSE_DECLINED, renderers.declined),
        (COURSE_EXPIRED, renderers.expired),
        (SESSIONS_MOVED, renderers.moved),
        (SESSION_CANCELLED, renderers.cancelled),
    ):
        # A decision is news whenever it arrives: the patient must hear of it.
        kinds.register(name, render=render, late_policy=ALWAYS_SEND)
