"""A patient answering a reminder with "I need to reschedule": each staff member is told
privately, through the outbox, in the transaction that stores the answer (once a session)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.subjects import patient_contact
from mesobot.i18n import translations
from mesobot.models import Appointment, Course, Patient, SessionState
from mesobot.outbox.enqueue import enqueue_to_staff
from mesobot.outbox.policies import ALWAYS_SEND, KindRegistry, RenderedMessage, RenderRequest
from mesobot.services import Services
from mesobot.staff_notices import course_cause, practitioner_name, treatment_label
from mesobot.texts import care_staff as texts

RESCHEDULE_ASKED = "patient.reschedule_asked"


async def tell_staff(
    *, session: AsyncSession, services: Services, appointment: Appointment, now: datetime
) -> None:
    """Queue the staff notice (no commit: the caller's transaction)."""
    await enqueue_to_staff(
        session=session,
        staff_ids=services.settings.mesobot_staff_ids,
        kind=RESCHEDULE_ASKED,
        payload={"appointment_id": appointment.id},  # the rest is read when it is sent
        due_at=now,
        key_prefix=f"reschedule-asked:{appointment.id}:v{appointment.version}",
        now=now,
        cause=course_cause(appointment.course_id),
    )


def register_reschedule_kinds(kinds: KindRegistry, services: Services) -> None:
    """Add the staff notice of a reschedule answer to the outbox's kinds."""

    async def render(request: RenderRequest) -> RenderedMessage | None:
        """Who, which session (as it is when sent), and where to act on it."""
        session = request.session
        appointment = await session.get(Appointment, request.message.payload.get("appointment_id"))
        course = await session.get(Course, appointment.course_id) if appointment else None
        patient = await session.get(Patient, course.patient_id) if course else None
        if appointment is None or course is None or patient is None:
            return None
        if patient.erased_at is not None or appointment.state != SessionState.CONFIRMED:
            return None  # moved, cancelled or past meanwhile: nothing left to ask staff
        name, _phone = patient_contact(patient, course)
        language = request.language
        return RenderedMessage(
            texts.reschedule_asked(
                translations(language),
                language,
                patient=name,
                phone=patient.phone,
                treatment=treatment_label(services.clinic, course.treatment, language),
                practitioner=practitioner_name(services.clinic, appointment.resource_id),
                day=appointment.local_date,
                at=appointment.local_time,
                code=appointment.code,
            )
        )

    kinds.register(RESCHEDULE_ASKED, render=render, late_policy=ALWAYS_SEND, for_staff=True)
