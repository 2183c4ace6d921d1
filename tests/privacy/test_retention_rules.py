"""Retention of drafts, report photos, clinical identities and audit entries: each is there
the day before its limit and gone (or stripped) the day after, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from mesobot.care.models import ReactionReport, ReportAddition, ReportState
from mesobot.db import Database
from mesobot.models.draft import FlowDraft
from mesobot.privacy.models import ClinicalIdentity
from mesobot.privacy.retention import add_years, enforce_retention
from mesobot.privacy.settings import RetentionSettings
from mesobot.staff.models import AuditEntry
from tests.factories import add_patients

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
LIMITS = RetentionSettings()


async def _enforce(database: Database, now: datetime) -> None:
    async with database.write() as session:
        await enforce_retention(session=session, limits=LIMITS, now=now)


async def test_expired_draft_deleted_draft_days_after_expiry(database: Database) -> None:
    (patient_id,) = await add_patients(database, 1, now=START)
    async with database.write() as session:
        session.add(
            FlowDraft(
                patient_id=patient_id,
                flow="book",
                step="questionnaire",
                answers={"note": "allergic to lidocaine"},
                updated_at=START,
                expires_at=START,
            )
        )
    limit = START + timedelta(days=LIMITS.draft_days)
    for now, kept in ((limit - DAY, True), (limit + DAY, False)):
        await _enforce(database, now)
        async with database.read() as session:
            drafts = (await session.exec(select(FlowDraft))).all()
        assert bool(drafts) is kept


async def test_closed_report_loses_photos_and_texts_photo_days_after_closing(
    database: Database,
) -> None:
    (patient_id,) = await add_patients(database, 1, now=START)
    async with database.write() as session:
        report = ReactionReport(
            patient_id=patient_id,
            signs=["swelling"],
            description="swollen left cheek",
            photo_file_id="photo-1",
            state=ReportState.CLOSED,
            created_at=START,
            closed_at=START,
        )
        session.add(report)
        await session.flush()
        assert report.id is not None
        session.add(
            ReportAddition(report_id=report.id, created_at=START, photo_file_id="p2", text="worse")
        )
    limit = START + timedelta(days=LIMITS.photo_days)

    await _enforce(database, limit - DAY)
    async with database.read() as session:
        kept = (await session.exec(select(ReactionReport))).one()
        addition = (await session.exec(select(ReportAddition))).one()
    assert (kept.description, kept.photo_file_id) == ("swollen left cheek", "photo-1")
    assert (addition.text, addition.photo_file_id) == ("worse", "p2")

    await _enforce(database, limit + DAY)
    async with database.read() as session:
        stripped = (await session.exec(select(ReactionReport))).one()
        addition = (await session.exec(select(ReportAddition))).one()
    assert (stripped.description, stripped.photo_file_id) == (None, None)
    assert stripped.signs == ["swelling"]
    assert (addition.text, addition.photo_file_id) == (None, None)


async def test_clinical_identity_deleted_at_keep_until(database: Database) -> None:
    (patient_id,) = await add_patients(database, 1, now=START)
    keep_until = START + timedelta(days=5 * 365)
    async with database.write() as session:
        session.add(
            ClinicalIdentity(
                patient_id=patient_id,
                display_name="Zoë Peña",
                phone="+34600000000",
                erased_at=START,
                keep_until=keep_until,
            )
        )
    for now, kept in ((keep_until - DAY, True), (keep_until + DAY, False)):
        await _enforce(database, now)
        async with database.read() as session:
            identities = (await session.exec(select(ClinicalIdentity))).all()
        assert bool(identities) is kept


async def test_audit_entry_loses_whom_it_was_about_after_audit_years(database: Database) -> None:
    async with database.write() as session:
        session.add(
            AuditEntry(
                at=START,
                staff_id=1,
                staff_name="Rita",
                action="view:patient",
                patient_id=7,
                course_id=8,
                appointment_id=9,
                before={"state": "requested"},
                after={"state": "confirmed"},
            )
        )
    limit = START.replace(year=START.year + LIMITS.audit_years)
    assert add_years(limit, -LIMITS.audit_years) == START

    await _enforce(database, limit - DAY)
    async with database.read() as session:
        entry = (await session.exec(select(AuditEntry))).one()
    assert (entry.patient_id, entry.course_id, entry.appointment_id) == (7, 8, 9)

    await _enforce(database, limit + DAY)
    async with database.read() as session:
        entry = (await session.exec(select(AuditEntry))).one()
    assert (entry.patient_id, entry.course_id, entry.appointment_id) == (None, None, None)
    assert (entry.before, entry.after) == ({}, {})
    assert (entry.staff_name, entry.action, entry.at) == ("Rita", "view:patient", START)
