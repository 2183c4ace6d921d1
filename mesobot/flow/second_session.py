"""The patient's side of the six-week review: the practitioner added a second session, and the
patient picks its time with the booking flow's own calendar, times and preview, limited to the
treatment's gap window after the first session (`mesobot.staff.reviews`)."""

from __future__ import annotations

from typing import Any

from mesobot.drafts import BOOKING
from mesobot.flow import buttons as b
from mesobot.flow import steps
from mesobot.flow.machine import Flow, Outcome, may_book
from mesobot.models import Course
from mesobot.staff.reviews import ADDED, FOLLOW_UP_OF, REVIEW_KEY, last_done, window
from mesobot.texts import reviews as texts


async def on_choose_second(flow: Flow, data: b.ChooseSecondSession) -> Outcome:
    """Start a booking of one session of the course's treatment, inside its window, with the
    course's questionnaire and contact (the patient answered them for this treatment)."""
    course = await flow.session.get(Course, data.course)
    done = await last_done(flow.session, data.course) if course is not None else None
    if (
        course is None
        or done is None
        or course.patient_id != flow.patient.id
        or course.answers.get(REVIEW_KEY) != ADDED
        or not may_book(flow.patient)
    ):
        notice = texts.offer_gone(flow.t)
        return Outcome(await flow.show(notice) if flow.draft else [], notice=notice)
    first, last = window(flow.services.clinic, course, done)
    kept = course.answers
    answers: dict[str, Any] = {
        "treatment": course.treatment,
        "area": course.area,
        "count": 1,
        "questionnaire": dict(kept.get("questionnaire", {})),
        "note": kept.get("note", ""),
        "name": kept.get("name") or flow.patient.display_name,
        "phone": kept.get("phone") or flow.patient.phone,
        FOLLOW_UP_OF: course.id,
        "window": [first.isoformat(), last.isoformat()],
        "month": [first.year, first.month],
    }
    flow.set_draft(steps.DATE, answers, BOOKING)
    return Outcome(await flow.show())
