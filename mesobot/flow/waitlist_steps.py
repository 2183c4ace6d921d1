"""The patient's side of the waitlist (mesobot.waitlist), as steps of the booking flow.

Joining: from the calendar ("Join the waitlist", for the draft's treatment) or from a booked
treatment in /appointments ("Move me earlier"): a first day, a length of 2, 4 or 8 weeks, and
which times suit; every button carries the choices so far, so no step is stored until the
entry is. /appointments lists the entries with Leave. An offer's Accept books through the
calendar's own race-safe booking; if the place was taken first, the patient stays on the list.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.flow import buttons as b
from mesobot.flow import steps
from mesobot.flow.machine import Flow, Outcome, may_book
from mesobot.models import Appointment, Course, CourseState
from mesobot.models.course import HOLDING_STATES
from mesobot.screens import Row, Screen
from mesobot.texts import booking as booking_texts
from mesobot.texts import escape
from mesobot.texts import waitlist as texts
from mesobot.texts.dates import day_label
from mesobot.waitlist import entries
from mesobot.waitlist.models import PartOfDay, WaitlistEntry

STARTS_AHEAD = (1, 7, 14, 21, 28, 42)  # the first days offered, in days from today
LENGTHS = (2, 4, 8)  # weeks
KEPT = ("treatment", "area", "count", "questionnaire", "note", "name", "phone")


async def _booked_course(flow: Flow, course_id: int) -> tuple[Course, Appointment] | None:
    """The patient's open course and its first upcoming session, to move earlier."""
    course = await flow.session.get(Course, course_id)
    if course is None or course.patient_id != flow.patient.id:
        return None
    if course.state not in (CourseState.REQUESTED, CourseState.CONFIRMED):
        return None
    query = select(Appointment).where(
        Appointment.course_id == course_id, col(Appointment.state).in_(HOLDING_STATES)
    )
    first = (await flow.session.exec(query.order_by(col(Appointment.number)))).first()
    if first is None or first.start_utc <= flow.now:
        return None
    return course, first


async def _subject(flow: Flow, course_id: int) -> tuple[str, date | None] | None:
    """The treatment joined for, and the day before which it must start (moving earlier)."""
    if course_id:
        found = await _booked_course(flow, course_id)
        return (found[0].treatment, found[1].local_date) if found else None
    if flow.step != steps.DATE or "treatment" not in flow.answers or flow.window() is not None:
        return None
    return flow.answers["treatment"], None


def _name(flow: Flow, treatment: str) -> str:
    found = flow.services.clinic.treatments.get(treatment)
    return escape(found.name.in_language(flow.language) if found else treatment)


async def _refused(flow: Flow) -> Outcome:
    return await flow.stale(booking_texts.stale_button(flow.t))


async def on_join(flow: Flow, data: b.JoinWaitlist) -> Outcome:
    """From which day: a few days from tomorrow on (before the first session, moving)."""
    subject = await _subject(flow, data.course)
    if subject is None or not may_book(flow.patient):
        return await _refused(flow)
    treatment, before = subject
    today = flow.today()
    starts = [today + timedelta(days=n) for n in STARTS_AHEAD]
    starts = [day for day in starts if before is None or day < before]
    if not starts:
        notice = texts.nothing_earlier(flow.t)
        return Outcome([Screen(notice)], notice=notice)
    buttons: Row = [
        (day_label(day, flow.language), b.WaitlistStart(day, data.course)) for day in starts
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    text = texts.start_question(flow.t, treatment=_name(flow, treatment))
    return Outcome([Screen(text, flow.keyboard(rows))])


async def on_start(flow: Flow, data: b.WaitlistStart) -> Outcome:
    """For how long from that day."""
    if await _subject(flow, data.course) is None:
        return await _refused(flow)
    row: Row = [
        (texts.weeks_label(flow.t, weeks), b.WaitlistLength(data.day, weeks, data.course))
        for weeks in LENGTHS
    ]
    text = texts.length_question(flow.t, start=escape(day_label(data.day, flow.language)))
    return Outcome([Screen(text, flow.keyboard([row]))])


def _last_day(first: date, weeks: int, before: date | None) -> date:
    last = first + timedelta(days=7 * weeks - 1)
    return min(last, before - timedelta(days=1)) if before is not None else last


async def on_length(flow: Flow, data: b.WaitlistLength) -> Outcome:
    """Which times suit."""
    subject = await _subject(flow, data.course)
    if subject is None or data.weeks not in LENGTHS:
        return await _refused(flow)
    last = _last_day(data.day, data.weeks, subject[1])
    rows: list[Row] = [
        [
            (
                texts.when_label(flow.t, part.value, weekdays),
                b.WaitlistWhen(data.day, data.weeks, part.value, weekdays, data.course),
            )
            for part in PartOfDay
        ]
        for weekdays in (False, True)
    ]
    text = texts.when_question(
        flow.t,
        first=escape(day_label(data.day, flow.language)),
        last=escape(day_label(last, flow.language)),
    )
    return Outcome([Screen(text, flow.keyboard(rows))])


async def _wish_answers(flow: Flow, course_id: int) -> dict[str, Any]:
    """What an accepted offer is requested with: the flow's answers, or the course's."""
    if not course_id:
        return {key: flow.answers.get(key) for key in KEPT}
    course = await flow.session.get(Course, course_id)
    assert course is not None
    kept = course.answers
    return {
        "treatment": course.treatment,
        "area": course.area,
        "count": course.session_count,
        "questionnaire": dict(kept.get("questionnaire", {})),
        "note": kept.get("note", ""),
        "name": kept.get("name") or flow.patient.display_name,
        "phone": kept.get("phone") or flow.patient.phone,
    }


async def on_when(flow: Flow, data: b.WaitlistWhen) -> Outcome:
    """Join, and say what was joined."""
    subject = await _subject(flow, data.course)
    if subject is None or data.weeks not in LENGTHS or data.part not in set(PartOfDay):
        return await _refused(flow)
    answers = await _wish_answers(flow, data.course)
    last = _last_day(data.day, data.weeks, subject[1])
    wish = entries.EntryWish(
        treatment=answers["treatment"],
        area=answers.get("area"),
        session_count=int(answers["count"]),
        answers=answers,
        first_day=data.day,
        last_day=last,
        weekdays_only=data.weekdays,
        part_of_day=PartOfDay(data.part),
        course_id=data.course or None,
    )
    assert flow.patient.id is not None
    patient_id = flow.patient.id

    async def add(session: AsyncSession) -> WaitlistEntry | entries.TooMany:
        joined = await entries.join(
            session=session,
            clinic=flow.services.clinic,
            patient_id=patient_id,
            wish=wish,
            now=flow.now,
        )
        if isinstance(joined, WaitlistEntry) and not data.course:
            flow.end()  # the booking is now the waitlist's
        return joined

    joined = await flow.write(add)
    if isinstance(joined, entries.TooMany):
        notice = texts.too_many(flow.t, joined.limit)
        return Outcome([Screen(notice)], notice=notice)
    text = texts.joined(
        flow.t,
        line=entry_line(flow, joined),
        minutes=flow.services.clinic.clinic.waitlist_offer_minutes,
    )
    return Outcome([Screen(text)])


def entry_line(flow: Flow, entry: WaitlistEntry) -> str:
    """An entry in a line: treatment, days and times."""
    return texts.range_line(
        flow.t,
        treatment=_name(flow, entry.treatment),
        first=entry.first_day,
        last=entry.last_day,
        part=entry.part_of_day,
        weekdays_only=entry.weekdays_only,
        language=flow.language,
    )


async def entry_screens(flow: Flow) -> list[Screen]:
    """The patient's entries for /appointments, each with Leave."""
    assert flow.patient.id is not None
    return [
        Screen(
            texts.entry_screen(flow.t, line=entry_line(flow, entry)),
            flow.keyboard([[(texts.leave_label(flow.t), b.LeaveWaitlist(entry.id or 0))]]),
        )
        for entry in await entries.patient_entries(flow.session, flow.patient.id)
    ]


async def on_leave(flow: Flow, data: b.LeaveWaitlist) -> Outcome:
    """Leave an entry; its open offer is withdrawn."""
    assert flow.patient.id is not None
    patient_id = flow.patient.id

    async def leave(session: AsyncSession) -> bool:
        return await entries.leave(
            session=session, patient_id=patient_id, entry_id=data.entry, now=flow.now
        )

    notice = texts.left(flow.t) if await flow.write(leave) else texts.entry_gone(flow.t)
    return Outcome([Screen(notice)], notice=notice)
