"""What an erasure deletes and what it keeps, row by row, in the caller's transaction.

Deleted at once, in every case: contact data (name, phone, username), drafts, the Telegram
id, the care preference, consent events, calendar publications and the calendar feed's
link, staff prompts, photos. A
patient who never had a session given keeps nothing: every row about them goes. Otherwise the
courses with a session given stay, stripped of free text, which moves (with the name and phone)
to the one staff-only `clinical_identity` row; the other courses go.

Staff audit entries are kept (who did what, and when, stays accountable) but lose what ties
them to a deleted course or patient: their ids, and their before/after snapshots, which hold
states and dates only by design yet are not kept for a record that no longer exists.

The tables reached here are those of `mesobot.privacy.patient_tables.PATIENT_TABLES`, which
the export reads too: a table added there must be handled here (tests/privacy/test_export.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.calendar_delivery.models import CalendarPublication
from mesobot.calendar_feeds.models import PatientFeed
from mesobot.care.models import CarePreference, CheckInAnswer, ReactionReport, ReportAddition
from mesobot.models import Appointment, Course, FlowDraft, Patient, SessionState, StateEvent
from mesobot.models.course import HOLDING_STATES
from mesobot.privacy.models import ClinicalIdentity, ConsentEvent
from mesobot.staff.models import AuditEntry, StaffPrompt
from mesobot.waitlist.models import WaitlistEntry, WaitlistOffer


async def delete_everything(*, session: AsyncSession, patient: Patient) -> None:
    """Delete the patient and every row about them (they never had a session given)."""
    assert patient.id is not None
    course_ids = await _course_ids(session, patient.id)
    await _delete_personal_rows(session, patient.id)
    await _delete_reports(session, patient.id)
    await _delete_courses(session, course_ids)
    await _scrub_audit(session, patient_id=patient.id, course_ids=course_ids, unlink_patient=True)
    await _run(session, delete(Patient).where(col(Patient.id) == patient.id))


def may_have_been_given(appointment: Appointment, now: datetime) -> bool:
    """Done, or over and not marked yet by staff: its record must be kept, since once the
    identity is gone a Done marked later could not be."""
    if appointment.state is SessionState.DONE:
        return True
    return appointment.state in HOLDING_STATES and appointment.start_utc <= now


async def keep_clinical_record(
    *,
    session: AsyncSession,
    patient: Patient,
    appointments: Sequence[Appointment],
    keep_until: datetime,
    now: datetime,
) -> None:
    """Keep the record of sessions given and reactions reported, its identity apart."""
    assert patient.id is not None
    kept = {a.course_id for a in appointments if may_have_been_given(a, now)}
    gone = set(await _course_ids(session, patient.id)) - kept
    record: dict[str, Any] = {"courses": await _strip_courses(session, kept)}
    record["reports"] = await _strip_reports(session, patient.id)
    session.add(
        ClinicalIdentity(
            patient_id=patient.id,
            display_name=patient.display_name,
            phone=patient.phone,
            record=record,
            erased_at=now,
            keep_until=keep_until,
        )
    )
    await _delete_personal_rows(session, patient.id)
    await _delete_courses(session, gone)
    await _scrub_audit(session, patient_id=patient.id, course_ids=gone, unlink_patient=False)
    patient.telegram_user_id = patient.display_name = patient.phone = patient.username = None
    patient.consent_version = patient.consent_at = patient.adult_confirmed_at = None
    patient.erased_at = now
    session.add(patient)
    await session.flush()


async def _run(session: AsyncSession, statement: Any) -> None:
    await session.exec(statement.execution_options(synchronize_session=False))


async def _course_ids(session: AsyncSession, patient_id: int) -> list[int]:
    found = await session.exec(select(Course.id).where(Course.patient_id == patient_id))
    return [course_id for course_id in found.all() if course_id is not None]


async def _delete_personal_rows(session: AsyncSession, patient_id: int) -> None:
    """What goes at once whatever is kept: drafts, the care choice, the consent history, the
    calendar files' records and staff prompts of every course of the patient, and the
    waitlist (its offers first: they point at its entries)."""
    course_ids = await _course_ids(session, patient_id)
    await _run(session, delete(WaitlistOffer).where(col(WaitlistOffer.patient_id) == patient_id))
    await _run(session, delete(WaitlistEntry).where(col(WaitlistEntry.patient_id) == patient_id))
    await _run(session, delete(FlowDraft).where(col(FlowDraft.patient_id) == patient_id))
    await _run(session, delete(CarePreference).where(col(CarePreference.patient_id) == patient_id))
    await _run(session, delete(ConsentEvent).where(col(ConsentEvent.patient_id) == patient_id))
    # Their calendar feed's link: it answers 404 from this commit on.
    await _run(session, delete(PatientFeed).where(col(PatientFeed.patient_id) == patient_id))
    await _run(
        session,
        delete(CalendarPublication).where(col(CalendarPublication.course_id).in_(course_ids)),
    )
    await _run(session, delete(StaffPrompt).where(col(StaffPrompt.course_id).in_(course_ids)))


async def _delete_reports(session: AsyncSession, patient_id: int) -> None:
    reports = select(ReactionReport.id).where(ReactionReport.patient_id == patient_id)
    await _run(session, delete(ReportAddition).where(col(ReportAddition.report_id).in_(reports)))
    await _run(session, delete(ReactionReport).where(col(ReactionReport.patient_id) == patient_id))


async def _delete_courses(session: AsyncSession, course_ids: Collection[int]) -> None:
    """Delete courses with their sessions, state events and check-in answers."""
    if not course_ids:
        return
    ids = sorted(course_ids)
    appointments = select(Appointment.id).where(col(Appointment.course_id).in_(ids))
    await _run(
        session, delete(CheckInAnswer).where(col(CheckInAnswer.appointment_id).in_(appointments))
    )
    # A kept report about a session of a deleted course stays, about no session.
    await _run(
        session,
        update(ReactionReport)
        .where(col(ReactionReport.appointment_id).in_(appointments))
        .values(appointment_id=None),
    )
    await _run(session, delete(StateEvent).where(col(StateEvent.course_id).in_(ids)))
    await _run(session, delete(Appointment).where(col(Appointment.course_id).in_(ids)))
    await _run(session, delete(Course).where(col(Course.id).in_(ids)))


async def _strip_courses(session: AsyncSession, course_ids: Collection[int]) -> dict[str, Any]:
    """Empty the kept courses' questionnaires; returns them by course id, for the identity."""
    moved: dict[str, Any] = {}
    courses = await session.exec(select(Course).where(col(Course.id).in_(sorted(course_ids))))
    for course in courses.all():
        moved[str(course.id)] = {
            "answers": course.answers,
            "decline_reason": course.decline_reason,
        }
        course.answers, course.decline_reason = {}, None
        session.add(course)
    return moved


async def _strip_reports(session: AsyncSession, patient_id: int) -> dict[str, Any]:
    """Move the reports' free texts out (photos are deleted); returns them by report id."""
    moved: dict[str, Any] = {}
    query = select(ReactionReport).where(ReactionReport.patient_id == patient_id)
    for report in (await session.exec(query)).all():
        additions = (
            await session.exec(select(ReportAddition).where(ReportAddition.report_id == report.id))
        ).all()
        moved[str(report.id)] = {
            "description": report.description,
            "close_note": report.close_note,
            "additions": {str(a.id): a.text for a in additions if a.text},
        }
        report.description = report.close_note = report.photo_file_id = None
        session.add(report)
        for addition in additions:
            addition.text = addition.photo_file_id = None
            session.add(addition)
    await session.flush()
    return moved


async def _scrub_audit(
    session: AsyncSession, *, patient_id: int, course_ids: Collection[int], unlink_patient: bool
) -> None:
    """Entries about deleted courses (or a deleted patient) lose their ids and snapshots."""
    about: ColumnElement[bool] = col(AuditEntry.course_id).in_(sorted(course_ids))
    if unlink_patient:
        about = or_(about, col(AuditEntry.patient_id) == patient_id)
    await _run(
        session,
        update(AuditEntry)
        .where(about)
        .values(patient_id=None, course_id=None, appointment_id=None, before={}, after={}),
    )
