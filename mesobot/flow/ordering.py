"""Requesting the course a patient confirmed: one core function, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import AfterBooking, Booked, CourseRequest, Taken, request_course
from mesobot.flow import steps
from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course, Patient
from mesobot.scheduling.series import PlannedSeries
from mesobot.staff.closures import clinic_calendar
from mesobot.staff.reviews import FOLLOW_UP_OF, mark_booked
from mesobot.staff_notices import enqueue_new_request_notices

if TYPE_CHECKING:
    from mesobot.services import Services


async def book_course(
    *,
    session: AsyncSession,
    services: Services,
    patient: Patient,
    answers: dict[str, Any],
    plan: PlannedSeries,
    now: datetime,
) -> Booked | Taken:
    """Request the series `plan` with the flow's `answers`, staff told in the same transaction.

    `session` is the caller's write transaction (`Database.write()`); the caller commits.
    """
    assert patient.id is not None
    treatment = services.clinic.treatments[answers["treatment"]]
    expiry = timedelta(hours=services.clinic.clinic.request_expiry_hours)
    request = CourseRequest(
        patient_id=patient.id,
        treatment=answers["treatment"],
        area=answers.get("area"),
        rule=treatment.series_rule(),
        shown=plan,
        answers=course_answers(answers),
        expires_at=now + expiry,
    )
    return await request_course(
        session=session,
        calendar=await clinic_calendar(session, services.clinic),
        request=request,
        now=now,
        after_booking=after_booking_hook(services, now),
    )


def course_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """What the course keeps of the questionnaire: answers, the free line, flags for staff."""
    questionnaire = dict(answers.get("questionnaire", {}))
    note = str(answers.get("note", ""))
    return {
        "questionnaire": questionnaire,
        "note": note,
        "flags": steps.flags(questionnaire, note),
        "name": answers.get("name"),
        "phone": answers.get("phone"),
        "consent_version": steps.CONSENT_VERSION,
    } | ({FOLLOW_UP_OF: answers[FOLLOW_UP_OF]} if FOLLOW_UP_OF in answers else {})


def after_booking_hook(services: Services, now: datetime) -> AfterBooking:
    """Queue staff notices and announce the new sessions, in the booking's transaction."""

    async def after(
        session: AsyncSession, course: Course, appointments: list[Appointment]
    ) -> None:
        if FOLLOW_UP_OF in course.answers:  # the second session of a six-week review
            await mark_booked(session, course.answers)
        await enqueue_new_request_notices(
            session=session, services=services, course=course, now=now
        )
        changes = [SessionChange(appointment, Change.REQUESTED) for appointment in appointments]
        await sessions_changed(session=session, services=services, changes=changes, now=now)

    return after
