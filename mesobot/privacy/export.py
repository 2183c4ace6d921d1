"""A patient's data as one JSON document (GDPR art. 15), without Telegram.

`collect_export` reads, in the caller's transaction, every row of every table in
`mesobot.privacy.patient_tables.PATIENT_TABLES` about one patient, each with every column it
has: nothing is picked by hand, so a column added later is exported too (and fails the
schema's check, `export.schema.json`, until the schema says what it is). Instants are ISO 8601
in UTC with their offset; a session's local date, wall time and zone stay as stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.models import ReactionReport
from mesobot.clinic import Clinic
from mesobot.models import Appointment, Course, Patient
from mesobot.privacy.patient_tables import PATIENT_TABLES, Link, PatientTable

SCHEMA_PATH = Path(__file__).with_name("export.schema.json")
FORMAT = "mesobot-export"
FORMAT_VERSION = 1
# Audit actions that are staff reading (not changing) a patient's data.
ACCESS_PREFIXES = ("view:", "export:")


@dataclass(frozen=True)
class PatientExport:
    """One patient's export: the document, and the file it is sent as."""

    patient_id: int
    language: str
    document: dict[str, Any]
    generated_at: datetime

    @property
    def filename(self) -> str:
        """Such as `mydata-2026-12-03.json` (the UTC day it was made)."""
        return f"mydata-{self.generated_at.astimezone(UTC):%Y-%m-%d}.json"

    def content(self) -> bytes:
        """The document as UTF-8 JSON, names and answers readable as written."""
        return json.dumps(self.document, ensure_ascii=False, indent=2).encode()


@dataclass(frozen=True)
class StaffAccess:
    """A staff member reading the patient's data, as the audit log has it."""

    at: datetime
    staff_name: str
    action: str


@dataclass(frozen=True)
class StoredCounts:
    """What /mydata's summary counts, taken from the export itself."""

    name: str | None
    phone: str | None
    courses: int
    sessions: int
    questionnaires: int
    reports: int
    photos: int
    check_ins: int
    consent_events: int
    messages: int
    drafts: int


async def collect_export(
    *, session: AsyncSession, clinic: Clinic, patient_id: int, now: datetime
) -> PatientExport | None:
    """Everything stored about a patient; None if there is no such patient or they were
    erased (what the clinic must keep of them is staff-only, in `clinical_identity`)."""
    patient = await session.get(Patient, patient_id)
    if patient is None or patient.erased_at is not None:
        return None
    links = await _link_ids(session, patient)
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generated_at": _value(now),
        "clinic": {"id": clinic.clinic.id, "name": clinic.clinic.name},
        "retention": clinic.retention.model_dump(),
    }
    for table in PATIENT_TABLES:
        rows = [_row(row, table.hidden) for row in await _rows_of(session, table, links)]
        document[table.section] = (rows[0] if rows else None) if table.single else rows
    return PatientExport(patient_id, patient.language, document, now)


def staff_accesses(export: PatientExport) -> list[StaffAccess]:
    """The export's audit entries that are staff looking at the patient's data, oldest first."""
    return [
        StaffAccess(datetime.fromisoformat(entry["at"]), entry["staff_name"], entry["action"])
        for entry in export.document["audit_entries"]
        if str(entry["action"]).startswith(ACCESS_PREFIXES)
    ]


def stored_counts(export: PatientExport) -> StoredCounts:
    """The summary's counts, from the document itself so that the two cannot disagree."""
    document = export.document
    profile = document["profile"]
    reports, additions = document["reaction_reports"], document["report_additions"]
    return StoredCounts(
        name=profile["display_name"],
        phone=profile["phone"],
        courses=len(document["courses"]),
        sessions=len(document["sessions"]),
        questionnaires=sum(1 for course in document["courses"] if course["answers"]),
        reports=len(reports),
        # A photo can be both the report's and an addition's: each picture counts once.
        photos=len({row["photo_file_id"] for row in [*reports, *additions]} - {None}),
        check_ins=len(document["check_in_answers"]),
        consent_events=len(document["consent_history"]),
        messages=len(document["messages"]),
        drafts=len(document["booking_drafts"]),
    )


def load_schema() -> dict[str, Any]:
    """The JSON Schema every export satisfies (draft 2020-12)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


async def _link_ids(session: AsyncSession, patient: Patient) -> dict[Link, Any]:
    """What each kind of link matches for this patient: ids (or the chat) to select by."""
    courses = select(Course.id).where(Course.patient_id == patient.id)
    course_ids = [c for c in (await session.exec(courses)).all() if c is not None]
    appointments = select(Appointment.id).where(col(Appointment.course_id).in_(course_ids))
    reports = select(ReactionReport.id).where(ReactionReport.patient_id == patient.id)
    return {
        Link.PATIENT: [patient.id],
        Link.PATIENT_ID: [patient.id],
        Link.COURSE: course_ids,
        Link.APPOINTMENT: [a for a in (await session.exec(appointments)).all() if a is not None],
        Link.REPORT: [r for r in (await session.exec(reports)).all() if r is not None],
        Link.CHAT: [] if patient.telegram_user_id is None else [patient.telegram_user_id],
    }


async def _rows_of(
    session: AsyncSession, table: PatientTable, links: dict[Link, Any]
) -> Sequence[SQLModel]:
    """The table's rows about the patient, in primary-key order."""
    ids = links[table.link]
    if not ids:
        return []
    column = "id" if table.link is Link.PATIENT else str(table.link)
    mapper = inspect(table.model)
    order = [getattr(table.model, key.name) for key in mapper.primary_key]
    query = select(table.model).where(col(getattr(table.model, column)).in_(ids))
    return (await session.exec(query.order_by(*order))).all()


def _row(row: SQLModel, hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of a row but the `hidden` ones, by its name, as JSON values."""
    return {
        attribute.key: _value(getattr(row, attribute.key))
        for attribute in inspect(type(row)).column_attrs
        if attribute.key not in hidden
    }


def _value(value: object) -> Any:
    """A column's value as JSON: instants in UTC with their offset, days and times ISO."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("an instant without a zone cannot be exported unambiguously")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
