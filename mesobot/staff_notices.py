"""Telling staff about a new request: privately with the details, in the group without them.

The views of a request (with its decisions, or while staff change it) are built here too, as
`RenderedMessage`s without Telegram types, so that the outbox's first notice and the
handlers' later edits show the same thing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.i18n import translations
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.outbox.api import enqueue, enqueue_to_staff
from mesobot.outbox.policies import (
    ALWAYS_SEND,
    Button,
    RenderedMessage,
    RenderRequest,
)
from mesobot.staff import buttons
from mesobot.staff.patient_notices import course_cause, register_patient_notice_kinds
from mesobot.texts import escape, questionnaire
from mesobot.texts import staff as texts

if TYPE_CHECKING:
    from mesobot.callbacks import CallbackCodec
    from mesobot.clinic import Clinic
    from mesobot.services import Services

NEW_REQUEST = "staff.new_request"  # to one staff member, privately: may hold health details
GROUP_NEW_REQUEST = "staff.group_new_request"  # to the staff group: never health details

__all__ = ["GROUP_NEW_REQUEST", "NEW_REQUEST", "course_cause", "enqueue_new_request_notices"]


async def enqueue_new_request_notices(
    *, session: AsyncSession, services: Services, course: Course, now: datetime
) -> None:
    """Queue the notices of a new request, in the transaction that stores it."""
    settings = services.settings
    payload = {"course_id": course.id}
    await enqueue_to_staff(
        session=session,
        staff_ids=settings.mesobot_staff_ids,
        kind=NEW_REQUEST,
        payload=payload,
        due_at=now,
        key_prefix=f"new-request:{course.id}:v{course.version}:to",
        now=now,
        cause=course_cause(course.id),
    )
    if settings.mesobot_staff_chat_id is not None:
        await enqueue(
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
    course = await session.get(Course, course_id, populate_existing=True)
    if course is None:
        return None
    patient = await session.get(Patient, course.patient_id)
    if patient is None:
        return None
    query = select(Appointment).where(Appointment.course_id == course_id)
    appointments = list(await session.exec(query.order_by(col(Appointment.number))))
    return course, patient, appointments


def patient_label(patient: Patient) -> str:
    """The patient's name as they gave it, or their Telegram id until the booking flow asks."""
    name: str | None = patient.display_name
    return name or f"Telegram user {patient.telegram_user_id}"


def treatment_label(clinic: Clinic, treatment: str, language: str) -> str:
    """A treatment's name in `language`."""
    found = clinic.treatments.get(treatment)
    return found.name.in_language(language) if found else treatment


def practitioner_name(clinic: Clinic, resource_id: str) -> str:
    """The name of the practitioner (or room) a session holds."""
    return _resource_names(clinic).get(resource_id, resource_id)


def _resource_names(clinic: Clinic) -> dict[str, str]:
    return {resource.id: resource.name for resource in clinic.resources}


async def request_lines(
    session: AsyncSession, clinic: Clinic, course_id: int, language: str
) -> tuple[Course, list[Appointment], list[str]] | None:
    """The request in full for one staff member: patient, treatment, sessions, answers."""
    found = await _course_and_patient(session, course_id)
    if found is None:
        return None
    course, patient, appointments = found
    t = translations(language)
    active = [a for a in appointments if a.state != SessionState.CANCELLED]
    names = _resource_names(clinic)
    lines = texts.request_heading(
        t,
        course_id=course.id or 0,
        patient=patient_label(patient),
        phone=patient.phone,
        treatment=treatment_label(clinic, course.treatment, language),
        area=course.area,
        count=len(active),
    )
    lines.append("")
    lines += [
        texts.session_line(
            t,
            language,
            position=n,
            total=len(active),
            day=a.local_date,
            at=a.local_time,
            code=a.code,
        )
        + f" · {escape(names.get(a.resource_id, a.resource_id))}"
        for n, a in enumerate(active, start=1)
    ]
    lines.append("")
    lines.append(t.gettext("<b>Questionnaire</b>"))
    lines += questionnaire.answer_lines(t, course.answers)
    return course, active, lines


def awaits_staff(course: Course, appointments: list[Appointment]) -> bool:
    """A request, or a confirmed course with a session a patient moved: staff have to decide."""
    if course.state == CourseState.REQUESTED:
        return True
    return course.state == CourseState.CONFIRMED and any(
        a.state == SessionState.REQUESTED for a in appointments
    )


def decision_buttons(
    codec: CallbackCodec, course: Course, language: str
) -> tuple[tuple[Button, ...], ...]:
    """Confirm all / Confirm with changes / Decline, at the course's current version."""
    _ = translations(language).gettext
    ids = {"course": course.id or 0, "version": course.version}
    return (
        (Button(_("✅ Confirm all"), codec.encode(buttons.ConfirmAll(**ids))),),
        (Button(_("✏️ Confirm with changes"), codec.encode(buttons.EditRequest(**ids))),),
        (Button(_("❌ Decline"), codec.encode(buttons.DeclineRequest(**ids))),),
    )


async def request_view(
    session: AsyncSession,
    clinic: Clinic,
    codec: CallbackCodec,
    course_id: int,
    language: str,
    footer: str | None = None,
) -> RenderedMessage | None:
    """The request with its decisions while it is requested, or with `footer` once decided."""
    found = await request_lines(session, clinic, course_id, language)
    if found is None:
        return None
    course, active, lines = found
    if footer:
        lines += ["", footer]
    if not awaits_staff(course, active):
        if not footer:
            lines += ["", texts.state_name(translations(language), course.state)]
        return RenderedMessage("\n".join(lines))
    return RenderedMessage("\n".join(lines), decision_buttons(codec, course, language))


async def edit_view(
    session: AsyncSession, clinic: Clinic, codec: CallbackCodec, course_id: int, language: str
) -> RenderedMessage | None:
    """The request while staff change it: a Move button per session, the counts, Confirm."""
    found = await request_lines(session, clinic, course_id, language)
    if found is None:
        return None
    course, active, lines = found
    t = translations(language)
    _ = t.gettext
    rows: list[tuple[Button, ...]] = []
    for n, appointment in enumerate(active, start=1):
        data = buttons.MoveSession(appointment=appointment.id or 0, version=appointment.version)
        # The heading above says what the button does: the label keeps to a phone's width.
        when = texts.moment_label(appointment.local_date, appointment.local_time, language)
        label = _("✏️ {k}: {when}").format(k=n, when=when)
        rows.append((Button(label, codec.encode(data)),))
    treatment = clinic.treatments.get(course.treatment)
    requested = course.state == CourseState.REQUESTED  # a confirmed course keeps its count
    if requested and treatment is not None and treatment.sessions.min != treatment.sessions.max:
        counts = range(treatment.sessions.min, treatment.sessions.max + 1)
        rows.append(
            tuple(
                Button(
                    f"· {count} ·" if count == len(active) else str(count),
                    codec.encode(
                        buttons.SetCount(
                            course=course.id or 0, version=course.version, count=count
                        )
                    ),
                )
                for count in counts
            )
        )
    ids = {"course": course.id or 0, "version": course.version}
    rows.append((Button(_("✅ Confirm"), codec.encode(buttons.ConfirmAll(**ids))),))
    rows.append((Button(_("↩️ Back"), codec.encode(buttons.ViewRequest(**ids))),))
    text = "\n".join([texts.editing_heading(t), "", *lines])
    return RenderedMessage(text, tuple(rows))


def register_staff_notice_kinds(services: Services) -> None:
    """Add the new-request notices, and the patient's notices of decisions, to the kinds."""
    clinic, codec = services.clinic, services.codec

    async def render_new_request(request: RenderRequest) -> RenderedMessage | None:
        """The private notice: who, what, every planned session, the answers, the buttons."""
        course_id = int(request.message.payload["course_id"])
        course = await request.session.get(Course, course_id)
        if course is None or course.state != CourseState.REQUESTED:
            return None  # decided before the notice left: nothing to ask any more
        return await request_view(request.session, clinic, codec, course_id, request.language)

    async def render_group_new_request(request: RenderRequest) -> RenderedMessage | None:
        """The group notice: initials and the first session's code; never health details."""
        found = await _course_and_patient(
            request.session, int(request.message.payload["course_id"])
        )
        if found is None:
            return None
        course, patient, appointments = found
        return RenderedMessage(
            texts.group_new_request(
                translations(request.language),
                number=course.id or 0,
                who=texts.initials(patient.display_name),
                code=appointments[0].code if appointments else "—",
            )
        )

    kinds = services.outbox_kinds
    kinds.register(NEW_REQUEST, render=render_new_request, late_policy=ALWAYS_SEND, for_staff=True)
    kinds.register(
        GROUP_NEW_REQUEST,
        render=render_group_new_request,
        late_policy=ALWAYS_SEND,
        for_staff=True,
    )
    register_patient_notice_kinds(kinds, clinic)
