"""The six-week review of a treatment whose extra sessions the practitioner decides on
(blepharoplasty): after its session is Done, staff choose "Add the second session" or "Not
needed", at the six-week check-in (a message to each staff member) or from /agenda.

Added, the patient is sent a button that opens the booking flow's own calendar, limited to the
treatment's gap window after that session (42 to 49 days); the time they pick is requested
through `mesobot.booking.request_course`, under its lock, as a follow-up course of one session
(its answers say `follow_up_of`), and staff confirm it as any request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.schedule import check_in_due
from mesobot.care.subjects import patient_contact
from mesobot.clinic import Clinic
from mesobot.flow import buttons as flow_buttons
from mesobot.i18n import translations
from mesobot.lifecycle import Change, SessionChange
from mesobot.models import Appointment, Course, Patient, SessionState
from mesobot.outbox.api import enqueue, enqueue_to_staff
from mesobot.outbox.policies import ALWAYS_SEND, Button, RenderedMessage, RenderRequest
from mesobot.staff import buttons
from mesobot.staff.audit import StaffActor, record_action
from mesobot.staff.decisions import Superseded, claim_course, superseded
from mesobot.staff_notices import treatment_label
from mesobot.texts import escape
from mesobot.texts import reviews as texts
from mesobot.texts.dates import day_label

if TYPE_CHECKING:
    from mesobot.services import Services

REVIEW = "staff.review"  # to each staff member, at the six-week check-in
SECOND_SESSION = "patient.second_session"  # to the patient: choose the second session's time
REVIEW_KEY = "review"  # in the course's answers: ADDED, NOT_NEEDED, or BOOKED once requested
ADDED, NOT_NEEDED, BOOKED = "added", "not_needed", "booked"
FOLLOW_UP_OF = "follow_up_of"  # in a follow-up course's answers: the reviewed course's id


def review_cause(course_id: int | None) -> str:
    """The outbox cause of a course's review messages."""
    return f"review:{course_id}"


def reviewable(clinic: Clinic, course: Course) -> bool:
    """Whether a course is one staff review: its treatment's extra sessions are on advice,
    it is not itself a follow-up, and nobody has decided yet."""
    treatment = clinic.treatments.get(course.treatment)
    return (
        treatment is not None
        and treatment.extra_sessions_on_practitioner_advice
        and treatment.sessions.max > course.session_count
        and FOLLOW_UP_OF not in course.answers
        and REVIEW_KEY not in course.answers
    )


def window(clinic: Clinic, course: Course, done: Appointment) -> tuple[date, date]:
    """The local days the next session may fall on: the treatment's gap after `done`."""
    gap = clinic.treatments[course.treatment].gap_days
    low, high = (gap.min, gap.max) if gap is not None else (42, 49)
    return done.local_date + timedelta(days=low), done.local_date + timedelta(days=high)


async def last_done(session: AsyncSession, course_id: int) -> Appointment | None:
    """The course's last session that was Done, if any."""
    query = (
        select(Appointment)
        .where(Appointment.course_id == course_id, Appointment.state == SessionState.DONE)
        .order_by(col(Appointment.number).desc())
    )
    return (await session.exec(query)).first()


async def on_sessions_changed(
    session: AsyncSession, services: Services, changes: Sequence[SessionChange], now: datetime
) -> None:
    """A reviewable session marked Done: each staff member is asked at the six-week check-in."""
    for change in changes:
        appointment = change.appointment
        if change.change is not Change.DONE or appointment.id is None:
            continue
        course = await session.get(Course, appointment.course_id)
        if course is None or not reviewable(services.clinic, course):
            continue
        first_day, _last = window(services.clinic, course, appointment)
        days = (first_day - appointment.local_date).days
        await enqueue_to_staff(
            session=session,
            staff_ids=services.settings.mesobot_staff_ids,
            kind=REVIEW,
            payload={"course_id": course.id, "appointment_id": appointment.id},
            due_at=max(now, check_in_due(appointment, days, clinic=services.clinic)),
            key_prefix=f"review:{appointment.id}",
            now=now,
            cause=review_cause(course.id),
        )


async def decide_review(
    *,
    session: AsyncSession,
    services: Services,
    course_id: int,
    seen_version: int,
    add: bool,
    staff: StaffActor,
    now: datetime,
) -> Course | Superseded:
    """Record the review (once, at the version seen); added, the patient is asked for a time."""
    course = await claim_course(session=session, course_id=course_id, seen_version=seen_version)
    if course is None or not reviewable(services.clinic, course):
        return await superseded(session=session, course_id=course_id)
    done = await last_done(session, course_id)
    if done is None:
        return await superseded(session=session, course_id=course_id)
    course.answers = {**course.answers, REVIEW_KEY: ADDED if add else NOT_NEEDED}
    session.add(course)
    await record_action(
        session=session,
        staff=staff,
        action="review_add" if add else "review_not_needed",
        at=now,
        patient_id=course.patient_id,
        course_id=course.id,
        appointment_id=done.id,
        before={"review": None},
        after={"review": course.answers[REVIEW_KEY]},
    )
    patient = await session.get(Patient, course.patient_id)
    if add and patient is not None:
        await enqueue(
            session=session,
            recipient=patient.chat,
            kind=SECOND_SESSION,
            payload={"course_id": course.id},
            due_at=now,
            idempotency_key=f"second-session:{course.id}",
            now=now,
            cause=review_cause(course.id),
        )
    return course


async def mark_booked(session: AsyncSession, answers: dict[str, Any]) -> None:
    """A follow-up course was requested: its reviewed course offers no second one again."""
    original = await session.get(Course, int(answers[FOLLOW_UP_OF]))
    if original is not None:
        original.answers = {**original.answers, REVIEW_KEY: BOOKED}
        session.add(original)


def decision_buttons(services: Services, course: Course, language: str) -> tuple[Button, ...]:
    """Add the second session / Not needed, at the course's version."""
    t, codec = translations(language), services.codec
    add, not_needed = texts.review_labels(t)
    course_id = course.id or 0
    return (
        Button(add, codec.encode(buttons.ReviewDecision(course_id, course.version, True))),
        Button(not_needed, codec.encode(buttons.ReviewDecision(course_id, course.version, False))),
    )


async def review_message(
    session: AsyncSession, services: Services, course_id: int, language: str
) -> RenderedMessage | None:
    """The review as staff read it: who, which treatment, when it was Done, the window; with
    its two buttons while undecided, else what was decided."""
    course = await session.get(Course, course_id)
    patient = await session.get(Patient, course.patient_id) if course else None
    done = await last_done(session, course_id) if course else None
    if course is None or patient is None or done is None:
        return None
    first, last = window(services.clinic, course, done)
    name, _phone = patient_contact(patient, course)
    text = texts.review(
        translations(language),
        patient=name,
        treatment=escape(treatment_label(services.clinic, course.treatment, language)),
        done=escape(day_label(done.local_date, language)),
        first=escape(day_label(first, language)),
        last=escape(day_label(last, language)),
        decision=course.answers.get(REVIEW_KEY),
    )
    if not reviewable(services.clinic, course):
        return RenderedMessage(text)
    return RenderedMessage(text, (decision_buttons(services, course, language),))


def register_review_kinds(services: Services) -> None:
    """The review to staff and the patient's invitation; and the Done observer."""

    async def render_review(request: RenderRequest) -> RenderedMessage | None:
        course_id = int(request.message.payload["course_id"])
        course = await request.session.get(Course, course_id)
        if course is None or not reviewable(services.clinic, course):
            return None  # decided meanwhile (from /agenda or by another staff member)
        return await review_message(request.session, services, course_id, request.language)

    async def render_second_session(request: RenderRequest) -> RenderedMessage | None:
        course = await request.session.get(Course, int(request.message.payload["course_id"]))
        done = await last_done(request.session, course.id or 0) if course else None
        if course is None or done is None or course.answers.get(REVIEW_KEY) != ADDED:
            return None
        first, last = window(services.clinic, course, done)
        language = request.language
        t = translations(language)
        label = texts.choose_time_label(t)
        data = services.codec.encode(flow_buttons.ChooseSecondSession(course.id or 0))
        return RenderedMessage(
            texts.second_session_offer(
                t,
                treatment=escape(treatment_label(services.clinic, course.treatment, language)),
                first=escape(day_label(first, language)),
                last=escape(day_label(last, language)),
            ),
            ((Button(label, data),),),
        )

    kinds = services.outbox_kinds
    kinds.register(REVIEW, render=render_review, late_policy=ALWAYS_SEND, for_staff=True)
    kinds.register(SECOND_SESSION, render=render_second_session, late_policy=ALWAYS_SEND)
    services.session_observers.append(on_sessions_changed)
