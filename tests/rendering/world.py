"""A fixture world for rendering every text: one patient (in the language under test) with a
confirmed course, a requested course with an area, declined, expired and no-show ones, a
reaction report with an addition, and every message kind the outbox knows queued for them.

Built through the real booking and care code where that code queues the messages, so that
payloads are the ones the bot stores; the rest are queued here the way their features do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select, update

from mesobot.care.additions import add_to_report
from mesobot.care.reports import create_report
from mesobot.clinic_contact import request_call
from mesobot.flow.ordering import book_course
from mesobot.flow.steps import CONSENT_VERSION, plan_digest
from mesobot.late_changes import CANCEL, MOVE
from mesobot.lifecycle import Change, SessionChange, sessions_changed
from mesobot.models import Appointment, Course, CourseState, Patient, SessionState
from mesobot.outbox.api import MessageState
from mesobot.outbox.models import OutboxMessage
from mesobot.outbox.queued import QueuedMessage, queued_message
from mesobot.scheduling.series import PlannedSeries
from mesobot.services import Services
from mesobot.staff.reviews import ADDED, REVIEW_KEY
from mesobot.states import move_course, move_session
from mesobot.waitlist.models import PartOfDay, WaitlistEntry, WaitlistOffer, WaitlistOpening
from tests.factories import shown_series

STAFF_IDS = [7001, 7002]
STAFF_GROUP = -100_500
PATIENT_CHAT = 9001


@dataclass
class World:
    """Ids of what the world holds, and the messages queued for it."""

    patient_id: int
    confirmed: list[Appointment]
    requested_course_id: int
    no_show_id: int
    cancelled_id: int
    report_id: int
    addition_id: int
    messages: list[QueuedMessage] = field(default_factory=list)


def answers(treatment: str, area: str | None) -> dict[str, Any]:
    """The booking flow's answers, with a flagged and a never-had answer."""
    return {
        "treatment": treatment,
        "area": area,
        "count": 1,
        "questionnaire": {
            "allergies": "anaesthetic",
            "pregnancy": "no",
            "blood_thinners": "unsure",
            "skin_infection": "no",
            "injection_reactions": "never_had",
        },
        "note": "Sensitive skin",
        "name": "Ana Pérez",
        "phone": "+34 600 000 000",
    }


async def _book(
    services: Services, patient: Patient, treatment: str, count: int, first: date, *, area=None
) -> PlannedSeries:
    series = shown_series(treatment, session_count=count, first=first, at=time(10), now=NOW)
    async with services.database.write() as session:
        await book_course(
            session=session,
            services=services,
            patient=patient,
            answers=answers(treatment, area) | {"count": count},
            plan=series,
            now=NOW,
        )
    return series


NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def _courses(services: Services, patient_id: int) -> list[tuple[Course, list[Appointment]]]:
    async with services.database.read() as session:
        courses = list(
            await session.exec(
                select(Course).where(Course.patient_id == patient_id).order_by(col(Course.id))
            )
        )
        found = []
        for course in courses:
            query = select(Appointment).where(Appointment.course_id == course.id)
            found.append(
                (course, list(await session.exec(query.order_by(col(Appointment.number)))))
            )
        return found


async def _confirm(services: Services, course_id: int) -> list[Appointment]:
    async with services.database.write() as session:
        course = await session.get(Course, course_id)
        assert course is not None
        await move_course(
            session=session, course=course, to=CourseState.CONFIRMED, at=NOW, actor="staff:1"
        )
        query = select(Appointment).where(Appointment.course_id == course_id)
        appointments = list(await session.exec(query.order_by(col(Appointment.number))))
        for appointment in appointments:
            await move_session(
                session=session,
                appointment=appointment,
                to=SessionState.CONFIRMED,
                at=NOW,
                actor="staff:1",
            )
        await sessions_changed(
            session=session,
            services=services,
            changes=[SessionChange(a, Change.CONFIRMED) for a in appointments],
            now=NOW,
        )
        return appointments


async def _set_state(services: Services, course_id: int, state: CourseState) -> None:
    """Declined, expired: set directly, since only their notice's text is under test."""
    async with services.database.write() as session:
        course = await session.get(Course, course_id)
        assert course is not None
        course.state = state
        course.decline_reason = "preset:times" if state == CourseState.DECLINED else None
        session.add(course)


async def build_world(services: Services, language: str) -> World:
    """The world above, for a patient reading `language`."""
    async with services.database.write() as session:
        patient = Patient(
            telegram_user_id=PATIENT_CHAT,
            language=language,
            display_name="Ana Pérez",
            phone="+34 600 000 000",
            created_at=NOW,
            last_seen_at=NOW,
            consent_version=CONSENT_VERSION,
            consent_at=NOW,
        )
        session.add(patient)
        await session.flush()
    await _book(services, patient, "facial_rejuvenation", 4, date(2026, 12, 3))
    # Three sessions (9 and 23 December, 6 January): two-digit days make the longest labels.
    await _book(services, patient, "fat_reduction", 3, date(2026, 12, 9), area="love_handles")
    for first_day in (date(2027, 2, 2), date(2027, 3, 2), date(2027, 4, 6)):
        await _book(services, patient, "lower_blepharoplasty", 1, first_day)
    assert patient.id is not None
    (first, _), (second, _), (third, _), (fourth, _), (fifth, fifth_sessions) = await _courses(
        services, patient.id
    )
    assert first.id is not None
    assert second.id is not None
    assert third.id is not None
    assert fourth.id is not None
    assert fifth.id is not None
    confirmed = await _confirm(services, first.id)
    await _set_state(services, third.id, CourseState.DECLINED)
    await _set_state(services, fourth.id, CourseState.EXPIRED)
    await _confirm(services, fifth.id)
    no_show = fifth_sessions[0]
    (_, fat_sessions) = (await _courses(services, patient.id))[1]
    cancelled = fat_sessions[2]
    async with services.database.write() as session:
        row = await session.get(Appointment, no_show.id)
        assert row is not None
        row.state = SessionState.NO_SHOW
        session.add(row)
        dropped = await session.get(Appointment, cancelled.id)
        assert dropped is not None
        dropped.state = SessionState.CANCELLED
        session.add(dropped)
        stored = await session.get(Patient, patient.id)
        assert stored is not None
        sign = next(iter(services.clinic.care.signs))
        report = await create_report(
            session=session,
            services=services,
            patient=stored,
            appointment_id=confirmed[0].id,
            sign=sign,
            now=NOW,
        )
        addition = await add_to_report(
            session=session, services=services, report=report, now=NOW, text="It is worse"
        )
        await request_call(session=session, services=services, patient_id=patient.id, now=NOW)
    assert no_show.id is not None
    assert report.id is not None
    assert addition.id is not None
    assert cancelled.id is not None
    world = World(
        patient.id, confirmed, second.id, no_show.id, cancelled.id, report.id, addition.id
    )
    later = await _review_world(services, patient)
    later += await _waitlist_world(services, patient)
    world.messages = await _queued(services)
    world.messages += _synthesised(world, first, third, fourth)
    late = {"appointment_id": confirmed[1].id}
    later += [
        ("patient.reschedule_asked", late, STAFF_IDS[0]),
        ("staff.late_change_request", late | {"what": CANCEL}, STAFF_IDS[0]),
        ("staff.late_change_request", late | {"what": MOVE}, STAFF_IDS[0]),
    ]
    world.messages += [_message(500 + n, *wanted) for n, wanted in enumerate(later)]
    return world


async def _review_world(
    services: Services, patient: Patient
) -> list[tuple[str, dict[str, Any], int]]:
    """Blepharoplasty's own messages: its early preparation (queued by the real code when an
    upcoming session is confirmed), the six-week review of a session given, and the invitation
    to book the second session once staff added it."""
    for first_day in (date(2027, 5, 4), date(2027, 6, 1), date(2027, 7, 6)):
        await _book(services, patient, "lower_blepharoplasty", 1, first_day)
    assert patient.id is not None
    upcoming, review, added = (await _courses(services, patient.id))[-3:]
    for course, _sessions in (upcoming, review, added):
        assert course.id is not None
        await _confirm(services, course.id)
    async with services.database.write() as session:
        for _course, sessions in (review, added):
            done = await session.get(Appointment, sessions[0].id)
            assert done is not None
            done.state = SessionState.DONE
            session.add(done)
        stored = await session.get(Course, added[0].id)
        assert stored is not None
        stored.answers = {**stored.answers, REVIEW_KEY: ADDED}
        session.add(stored)
    staff = STAFF_IDS[0]
    return [
        ("staff.review", {"course_id": review[0].id, "appointment_id": review[1][0].id}, staff),
        ("patient.second_session", {"course_id": added[0].id}, PATIENT_CHAT),
    ]


async def _waitlist_world(
    services: Services, patient: Patient
) -> list[tuple[str, dict[str, Any], int]]:
    """A waitlist entry (shown in /appointments) with an open offer of a four-session
    course on an empty stretch of the calendar."""
    first = date(2027, 9, 6)
    series = shown_series(
        "facial_rejuvenation", session_count=4, first=first, at=time(10), now=NOW
    )
    async with services.database.write() as session:
        stored = await session.get(Patient, patient.id)
        assert stored is not None
        assert stored.id is not None
        stored.adult_confirmed_at = NOW  # offers go to adults with consent only
        session.add(stored)
        entry = WaitlistEntry(
            clinic_id=services.clinic.clinic.id,
            patient_id=stored.id,
            treatment="facial_rejuvenation",
            session_count=4,
            answers=answers("facial_rejuvenation", None) | {"count": 4},
            first_day=first,
            last_day=first + timedelta(days=27),
            weekdays_only=True,
            part_of_day=PartOfDay.MORNING,
            created_at=NOW,
        )
        opening = WaitlistOpening(
            clinic_id=services.clinic.clinic.id, local_date=first, created_at=NOW
        )
        session.add_all([entry, opening])
        await session.flush()
        assert entry.id is not None
        assert opening.id is not None
        offer = WaitlistOffer(
            entry_id=entry.id,
            patient_id=stored.id,
            opening_id=opening.id,
            first_day=first,
            first_minute=600,
            plan_digest=plan_digest(series),
            created_at=NOW,
        )
        session.add(offer)
        await session.flush()
    return [("patient.waitlist_offer", {"offer_id": offer.id}, PATIENT_CHAT)]


async def _queued(services: Services) -> list[QueuedMessage]:
    """Every message the real code queued; the first two check-ins of session 1 count as sent
    and unanswered, so the staff's silence alert has something to say."""
    async with services.database.write() as session:
        rows = list(await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))
        check_ins = [row.id for row in rows if row.kind == "care.check_in"][:2]
        await session.exec(
            update(OutboxMessage)  # type: ignore[arg-type]
            .where(col(OutboxMessage.id).in_(check_ins))
            .values(state="sent")
        )
        return [queued_message(row) for row in rows]


def _message(number: int, kind: str, payload: dict[str, Any], recipient: int) -> QueuedMessage:
    return QueuedMessage(
        id=100_000 + number,
        recipient=recipient,
        kind=kind,
        payload=payload,
        due_at=NOW,
        state=MessageState.DUE,
        cause=None,
    )


def _synthesised(
    world: World, first: Course, declined: Course, expired: Course
) -> list[QueuedMessage]:
    """Kinds queued by flows this world does not run, with the payloads those flows store."""
    one = world.confirmed[0]
    previous = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).isoformat()
    staff = STAFF_IDS[0]
    wanted: list[tuple[str, dict[str, Any], int]] = [
        ("text", {"text": "Plain text"}, PATIENT_CHAT),
        ("outbox.recipient_unreachable", {"chat_id": PATIENT_CHAT, "never_started": True}, staff),
        ("outbox.recipient_unreachable", {"chat_id": PATIENT_CHAT}, staff),
        (
            "outbox.message_failed",
            {"kind": "care.check_in", "message_id": 3, "chat_id": PATIENT_CHAT, "attempts": 1},
            staff,
        ),
        ("patient.course_confirmed", {"course_id": first.id}, PATIENT_CHAT),
        ("patient.course_declined", {"course_id": declined.id}, PATIENT_CHAT),
        ("patient.course_expired", {"course_id": expired.id}, PATIENT_CHAT),
        ("patient.sessions_moved", {"moves": [[one.id, previous]]}, PATIENT_CHAT),
        ("patient.session_cancelled", {"appointment_id": world.cancelled_id}, PATIENT_CHAT),
        ("staff.patient_change", {"course_id": first.id, "change": "moved"}, staff),
        (
            "privacy.erasure_sessions_cancelled",
            {"sessions": [[one.code, one.local_date.isoformat(), "10:00"]], "by_patient": True},
            staff,
        ),
        ("care.no_show", {"appointment_id": world.no_show_id}, PATIENT_CHAT),
        ("care.report_follow_up", {"report_id": world.report_id, "call": False}, PATIENT_CHAT),
        ("care.report_follow_up", {"report_id": world.report_id, "call": True}, PATIENT_CHAT),
    ]
    silence = {"appointment_id": one.id, "previous_day": 0, "day": 0}
    days = sorted(
        int(m.payload["day"])
        for m in world.messages
        if m.kind == "care.check_in" and m.payload.get("appointment_id") == one.id
    )[:2]
    if len(days) == 2:
        silence |= {"previous_day": days[0], "day": days[1]}
    wanted.append(("care.check_in_silence", silence, staff))
    return [_message(n, kind, payload, to) for n, (kind, payload, to) in enumerate(wanted)]


def late_by(message: QueuedMessage) -> timedelta | None:
    """Render some messages late by a single unit, so that the lateness note's count shows:
    plain texts by a minute, every other patient care message by an hour."""
    if message.kind == "text":
        return timedelta(minutes=1)
    if message.kind.startswith("care.") and message.recipient == PATIENT_CHAT:
        return timedelta(hours=1) if message.id % 2 else None
    return None
