"""The staff's desk views, rendered from the fixture world in every language with the checks
of test_every_text: /agenda and /week (in a private chat and in a group), every session's
/session card (also under a note that it changed), /patient of the world's patient and of an
erased one, /reports' entries with their buttons, and a report's contact card."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.staff_views import contact_view, report_entries
from mesobot.flow.ordering import book_course
from mesobot.flow.steps import CONSENT_VERSION
from mesobot.models import Appointment, Course, Patient, SessionState
from mesobot.outbox.policies import RenderedMessage
from mesobot.privacy.erasure import erase_patient
from mesobot.services import Services
from mesobot.staff.agenda import last_change, session_by_id
from mesobot.staff.audit import StaffActor, record_action
from mesobot.staff.patient_view import patient_view
from mesobot.staff.reviews import ADDED, BOOKED, NOT_NEEDED, REVIEW_KEY
from mesobot.staff.views import agenda_view, changed_note, session_card, week_view
from mesobot.texts.questionnaire import REVIEW_DECISIONS
from mesobot.texts.questionnaire import REVIEW_KEY as texts_review_key
from mesobot.texts.staff import ACTION_NAMES
from tests.factories import shown_series
from tests.rendering.checks import LANGUAGES, labels_of, problems
from tests.rendering.world import NOW, STAFF_IDS, World, answers, build_world

# Every action the audit log records about a patient, which /patient's history names.
PATIENT_ACTIONS = [*ACTION_NAMES, "review_add", "review_not_needed", "export:patient", "erase"]


def checked(where: str, messages: list[RenderedMessage], language: str) -> list[str]:
    """The problems of each message of a view."""
    assert messages, where
    found: list[str] = []
    for number, message in enumerate(messages, start=1):
        found += problems(f"{where} [{number}]", message.text, labels_of(message), language)
    return found


async def _history(services: Services, world: World) -> None:
    """One of every staff action about the world's patient, for /patient's history."""
    staff = StaffActor(STAFF_IDS[0], "Marta")
    async with services.database.write() as session:
        course = (
            await session.exec(select(Course).where(Course.patient_id == world.patient_id))
        ).first()
        assert course is not None
        for action in PATIENT_ACTIONS:
            await record_action(
                session=session,
                staff=staff,
                action=action,
                at=NOW,
                patient_id=world.patient_id,
                course_id=course.id,
            )


async def _erased_patient(services: Services) -> Patient:
    """A second patient, given one session and then erased: /patient shows the kept identity."""
    async with services.database.write() as session:
        patient = Patient(
            telegram_user_id=9002,
            display_name="Berta Ruiz",
            phone="+34 600 111 222",
            created_at=NOW,
            last_seen_at=NOW,
            consent_version=CONSENT_VERSION,
            consent_at=NOW,
        )
        session.add(patient)
        await session.flush()
        series = shown_series(
            "lower_blepharoplasty", session_count=1, first=date(2026, 12, 4), at=time(11), now=NOW
        )
        await book_course(
            session=session,
            services=services,
            patient=patient,
            answers=answers("lower_blepharoplasty", None) | {"name": "Berta Ruiz"},
            plan=series,
            now=NOW,
        )
        assert patient.id is not None
        query = select(Appointment).join(Course).where(Course.patient_id == patient.id)
        for appointment in await session.exec(query):
            appointment.state = SessionState.DONE
            session.add(appointment)
        await session.flush()
        erased = await erase_patient(
            session=session,
            services=services,
            patient_id=patient.id,
            actor="staff:7001",
            now=NOW + timedelta(days=5),
        )
        assert erased is not None
        assert erased.keep_until is not None
        return patient


async def _session_views(session: AsyncSession, services: Services, language: str) -> list[str]:
    """/agenda and /week of every day with a session, and every session's card."""
    found: list[str] = []
    appointments = list(await session.exec(select(Appointment).order_by(col(Appointment.id))))
    days = sorted({a.local_date for a in appointments})
    for day, private in [
        (day, private) for day in [NOW.date(), *days] for private in (True, False)
    ]:
        chat = "private" if private else "group"
        agenda = await agenda_view(session, services, day, language, private=private)
        week = await week_view(session, services, day, language, private=private)
        found += checked(f"/agenda {day} in a {chat} chat ({language})", agenda, language)
        found += checked(f"/week from {day} in a {chat} chat ({language})", week, language)
    for appointment in appointments:
        assert appointment.id is not None
        entry = await session_by_id(session=session, appointment_id=appointment.id)
        assert entry is not None
        last = await last_change(session=session, appointment_id=appointment.id)
        note = changed_note(services, entry, last, language)
        cards = [
            session_card(services, entry, language, private=True),
            session_card(services, entry, language, private=False),
            session_card(services, entry, language, footer=note),
        ]
        found += checked(
            f"/session {appointment.code} ({appointment.state}, {language})", cards, language
        )
    return found


@pytest.mark.parametrize("language", LANGUAGES)
async def test_staff_desk_views_read_well(services: Services, language: str) -> None:
    """/agenda, /week, /session, /patient, /reports and the contact card, in `language`."""
    world = await build_world(services, language)
    await _history(services, world)
    erased = await _erased_patient(services)
    async with services.database.read() as session:
        found = await _session_views(session, services, language)
        patient = await session.get(Patient, world.patient_id)
        gone = await session.get(Patient, erased.id)
        assert patient is not None
        assert gone is not None
        shown = await patient_view(session, services, [patient, gone], language)
        found += checked(f"/patient ({language})", shown, language)
        entries = await report_entries(session, services, language, NOW)
        assert [entry.report.id for entry in entries] == [world.report_id]
        for entry in entries:
            found += checked(f"/reports #{entry.report.id} ({language})", entry.messages, language)
        contact = await contact_view(session, world.report_id, language)
        assert contact is not None
        found += checked(f"contact card ({language})", [contact[1]], language)
    assert not found, "\n".join(found)


def test_every_review_decision_has_words() -> None:
    """/patient names each six-week review decision the review code stores in a course."""
    assert texts_review_key == REVIEW_KEY
    assert set(REVIEW_DECISIONS) == {ADDED, NOT_NEEDED, BOOKED}
