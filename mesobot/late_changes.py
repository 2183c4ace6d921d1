"""The clinic's cancellation policy: inside its notice period (`cancellation_notice_hours` in
the clinic file), a patient's cancel or move of a confirmed session is a request to staff.

The session stays confirmed, with the request beside it (`Appointment.patient_answer`, shown
in /agenda and /appointments), until staff move or cancel it from the notice each of them gets
privately through the outbox, in the transaction that stores the request.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.callbacks import CallbackCodec
from mesobot.care.subjects import patient_contact
from mesobot.i18n import translations
from mesobot.models import Appointment, Course, Patient, SessionState
from mesobot.notice_period import inside_notice, notice_hours
from mesobot.outbox.enqueue import enqueue_to_staff
from mesobot.outbox.policies import (
    ALWAYS_SEND,
    Button,
    KindRegistry,
    RenderedMessage,
    RenderRequest,
)
from mesobot.patient_changes import patient_session
from mesobot.services import Services
from mesobot.staff import buttons
from mesobot.staff_notices import course_cause, practitioner_name, treatment_label
from mesobot.texts import policy as texts
from mesobot.texts import staff_desk as desk

LATE_CHANGE = "staff.late_change_request"
CANCEL, MOVE = "c", "m"
ANSWERS = {CANCEL: "cancel_request", MOVE: "move_request"}  # Appointment.patient_answer
__all__ = ["inside_notice", "notice_hours", "request_late_change"]


async def request_late_change(
    *,
    session: AsyncSession,
    services: Services,
    patient_id: int,
    appointment_id: int,
    what: str,
    now: datetime,
) -> Appointment | None:
    """Store the patient's request beside the session and queue the staff notices (in the
    caller's transaction); None when the session is not theirs to ask about any more."""
    found = await patient_session(
        session=session, patient_id=patient_id, appointment_id=appointment_id, now=now
    )
    if found is None or what not in ANSWERS:
        return None
    appointment = found.sessions[found.position(appointment_id) - 1]
    if not inside_notice(services.clinic, appointment, now):
        return None
    already = appointment.patient_answer == ANSWERS[what]
    appointment.patient_answer = ANSWERS[what]
    session.add(appointment)
    if not already:
        await enqueue_to_staff(
            session=session,
            staff_ids=services.settings.mesobot_staff_ids,
            kind=LATE_CHANGE,
            payload={"appointment_id": appointment_id, "what": what},
            due_at=now,
            key_prefix=f"late-change:{appointment_id}:{what}:v{appointment.version}",
            now=now,
            cause=course_cause(appointment.course_id),
        )
    return appointment


def _staff_buttons(
    codec: CallbackCodec, appointment: Appointment, language: str
) -> tuple[tuple[Button, ...], ...]:
    """Move / Cancel, as /agenda has them for the session."""
    t = translations(language)
    session_id, version = appointment.id or 0, appointment.version
    move = codec.encode(buttons.MoveSession(session_id, version))
    cancel = codec.encode(buttons.SessionAction(session_id, version, "c"))
    return ((Button(desk.move_label(t), move), Button(desk.cancel_label(t), cancel)),)


def register_late_change_kinds(kinds: KindRegistry, services: Services) -> None:
    """Add the staff notice of a request inside the notice period to the outbox's kinds."""

    async def render(request: RenderRequest) -> RenderedMessage | None:
        session, payload = request.session, request.message.payload
        appointment = await session.get(Appointment, payload.get("appointment_id"))
        course = await session.get(Course, appointment.course_id) if appointment else None
        patient = await session.get(Patient, course.patient_id) if course else None
        if appointment is None or course is None or patient is None:
            return None
        if patient.erased_at is not None or appointment.state != SessionState.CONFIRMED:
            return None  # decided before the notice left
        name, _phone = patient_contact(patient, course)
        language, clinic = request.language, services.clinic
        text = texts.staff_late_change(
            translations(language),
            language,
            cancel=payload.get("what") == CANCEL,
            hours=notice_hours(clinic),
            patient=name,
            phone=patient.phone,
            what=f"{treatment_label(clinic, course.treatment, language)} · "
            f"{practitioner_name(clinic, appointment.resource_id)}",
            day=appointment.local_date,
            at=appointment.local_time,
            code=appointment.code,
        )
        return RenderedMessage(text, _staff_buttons(services.codec, appointment, language))

    kinds.register(LATE_CHANGE, render=render, late_policy=ALWAYS_SEND, for_staff=True)
