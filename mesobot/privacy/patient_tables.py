"""Every table that holds something about a patient, and how its rows link to them.

One list for the two rights that must reach all of it: the export (mesobot.privacy.export)
collects one section from each table here, and erasure (mesobot.privacy.erasure_data, and the
outbox's `forget_chat` for messages) deletes or strips each. tests/privacy/test_export.py fails
when a table linked to a patient, course, session or report is missing here, or when a table
here is missing from erasure's code: a new table cannot be forgotten by one and not the other.

`clinical_identity` is not here: it exists only once a patient is erased, and is staff-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import SQLModel

from mesobot.calendar_delivery.models import CalendarPublication
from mesobot.calendar_feeds.models import PatientFeed
from mesobot.care.models import CarePreference, CheckInAnswer, ReactionReport, ReportAddition
from mesobot.models import Appointment, Course, FlowDraft, Patient, StateEvent
from mesobot.outbox.models import OutboxMessage
from mesobot.privacy.models import ConsentEvent
from mesobot.staff.models import AuditEntry, StaffPrompt
from mesobot.waitlist.models import WaitlistEntry, WaitlistOffer


class Link(StrEnum):
    """How a table's rows point at a patient."""

    PATIENT = "patient"  # the patient row itself
    PATIENT_ID = "patient_id"  # a `patient_id` column
    COURSE = "course_id"  # a `course_id` of one of their courses
    APPOINTMENT = "appointment_id"  # an `appointment_id` of one of their sessions
    REPORT = "report_id"  # a `report_id` of one of their reaction reports
    CHAT = "recipient"  # addressed to their private chat (their Telegram id)


@dataclass(frozen=True)
class PatientTable:
    """A table about patients: its section in the export and how it links to the patient."""

    section: str
    model: type[SQLModel]
    link: Link
    # At most one row per patient: the export holds an object (or null) instead of a list.
    single: bool = False
    # Columns never exported: credentials, not data about the patient (a link's secret hash).
    hidden: tuple[str, ...] = ()


PATIENT_TABLES: tuple[PatientTable, ...] = (
    PatientTable("profile", Patient, Link.PATIENT, single=True),
    PatientTable("consent_history", ConsentEvent, Link.PATIENT_ID),
    PatientTable("care_preference", CarePreference, Link.PATIENT_ID, single=True),
    PatientTable("booking_drafts", FlowDraft, Link.PATIENT_ID),
    PatientTable("courses", Course, Link.PATIENT_ID),
    PatientTable("sessions", Appointment, Link.COURSE),
    PatientTable("state_changes", StateEvent, Link.COURSE),
    PatientTable("calendar_publications", CalendarPublication, Link.COURSE),
    # That a subscription link exists, and since when; never its secret or the secret's hash.
    PatientTable(
        "calendar_feed", PatientFeed, Link.PATIENT_ID, single=True, hidden=("token_hash",)
    ),
    PatientTable("staff_prompts", StaffPrompt, Link.COURSE),
    PatientTable("check_in_answers", CheckInAnswer, Link.APPOINTMENT),
    PatientTable("reaction_reports", ReactionReport, Link.PATIENT_ID),
    PatientTable("report_additions", ReportAddition, Link.REPORT),
    PatientTable("waitlist_entries", WaitlistEntry, Link.PATIENT_ID),
    PatientTable("waitlist_offers", WaitlistOffer, Link.PATIENT_ID),
    PatientTable("messages", OutboxMessage, Link.CHAT),
    PatientTable("audit_entries", AuditEntry, Link.PATIENT_ID),
)
