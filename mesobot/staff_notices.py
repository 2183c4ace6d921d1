"""Telling staff about a new request: privately with the details, in the group without them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.i18n import translations
from mesobot.models import Appointment, Course, Patient
from mesobot.outbox.enqueue import enqueue_message
from mesobot.outbox.policies import ALWAYS_SEND, KindRegistry, RenderedMessage, RenderRequest
from mesobot.services import Services
from mesobot.texts import escape

NEW_REQUEST = "staff.new_request"  # to one staff member, privately: may hold health details
GROUP_NEW_REQUEST = "staff.group_new_request"  # to the staff group: never health details


def course_cause(course_id: int | None) -> str:
    """The outbox cause of messages about a whole course."""
    return f"course:{course_id}"


async def enqueue_new_request_notices(
    *, session: AsyncSession, services: Services, course: Course, now: datetime
) -> None:
    """Queue the notices of a new request, in the transaction that stores it."""
    settings = services.settings
    payload = {"course_id": course.id}
    for staff_id in settings.mesobot_staff_ids:
        await enqueue_message(
            session=session,
            recipient=staff_id,
            kind=NEW_REQUEST,
            payload=payload,
            due_at=now,
            idempotency_key=f"new-request:{course.id}:v{course.version}:to:{staff_id}",
            now=now,
            cause=course_cause(course.id),
        )
    if settings.mesobot_staff_chat_id is not None:
        await enqueue_message(
            session=session,
            recipient=settings.mesobot_staff_chat_id,
            kind=GROUP_NEW_REQUEST,
            payload=payload,
            due_at=now,
            idempotency_key=f"new-request:{course.id}:v{course.version}:group",
            now=now,
            cause=course_cause(course.id),
        )


async def _course_and_patient(
    session: AsyncSession, course_id: int
) -> tuple[Course, Patient, list[Appointment]] | None:
    course = await session.get(Course, course_id)
    if course is None:
        return None
    patient = await session.get(Patient, course.patient_id)
    if patient is None:
        return None
    query = select(Appointment).where(Appointment.course_id == course_id)
    appointments = list(await session.exec(query.order_by(col(Appointment.number))))
    return course, patient, appointments


async def render_new_request(request: RenderRequest) -> RenderedMessage | None:
    """The private notice: who, what, and every planned session."""
    found = await _course_and_patient(request.session, int(request.message.payload["course_id"]))
    if found is None:
        return None
    course, patient, appointments = found
    _ = translations(request.language).gettext
    lines = [
        _("<b>New request</b> from {patient}: {treatment}, {count} sessions").format(
            patient=escape(patient.telegram_user_id),
            treatment=escape(course.treatment),
            count=course.session_count,
        )
    ]
    lines += [
        f"{a.number}. {a.local_date.isoformat()} {a.local_time.strftime('%H:%M')} "
        f"({escape(a.resource_id)}) [{escape(a.code)}]"
        for a in appointments
    ]
    return RenderedMessage("\n".join(lines))


async def render_group_new_request(request: RenderRequest) -> RenderedMessage | None:
    """The group notice: no health details, only where to look."""
    found = await _course_and_patient(request.session, int(request.message.payload["course_id"]))
    if found is None:
        return None
    course, _patient, _appointments = found
    _ = translations(request.language).gettext
    return RenderedMessage(
        _("New request: {treatment}, {count} sessions. See your private messages.").format(
            treatment=escape(course.treatment), count=course.session_count
        )
    )


def register_staff_notice_kinds(kinds: KindRegistry) -> None:
    """Add the new-request notices to the outbox's kinds."""
    kinds.register(NEW_REQUEST, render=render_new_request, late_policy=ALWAYS_SEND, for_staff=True)
    kinds.register(
        GROUP_NEW_REQUEST,
        render=render_group_new_request,
        late_policy=ALWAYS_SEND,
        for_staff=True,
    )
