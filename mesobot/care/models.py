"""Care tables: reaction reports and what patients add to them, check-in answers, and each
patient's notification choice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from mesobot.models.base import enum_field, instant_field

# A report's description is stored whole up to this many characters (five of the longest
# messages Telegram lets a patient send): alerts show its beginning, /reports all of it in parts.
DESCRIPTION_MAX = 20_000


class ReportState(StrEnum):
    """Where a reaction report stands; open ones alert staff until acknowledged."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class ReactionReport(SQLModel, table=True):
    """A patient's report of an unusual reaction, stored against the session it follows.

    Health data: shown to staff privately, never logged, never sent to the staff group.
    """

    __tablename__ = "reaction_report"
    __table_args__ = (Index("ix_reaction_report_state_severity", "state", "severity"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    # The session the reaction follows (the patient's latest); None if they have none.
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    # Sign keys of the clinic file's `[care.signs]`.
    signs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    photo_file_id: str | None = Field(default=None, max_length=200)
    # The highest severity of its signs (care.config.Severity), kept for sorting.
    severity: int = 0
    state: ReportState = enum_field(ReportState, index=True)
    created_at: datetime = instant_field()
    submitted_at: datetime | None = instant_field(nullable=True, default=None)
    # When the patient was shown the emergency advice (allergic signs), if they were.
    emergency_advice_at: datetime | None = instant_field(nullable=True, default=None)
    # The message asking for a photo or description, so a reply to it can be recognised.
    prompt_message_id: int | None = Field(default=None, sa_type=BigInteger)
    acknowledged_at: datetime | None = instant_field(nullable=True, default=None)
    acknowledged_by: int | None = Field(default=None, sa_type=BigInteger)
    # A staff member who said they will call the patient.
    caller: int | None = Field(default=None, sa_type=BigInteger)
    closed_at: datetime | None = instant_field(nullable=True, default=None)
    closed_by: int | None = Field(default=None, sa_type=BigInteger)
    close_note: str | None = Field(default=None, max_length=1000)


class ReportAddition(SQLModel, table=True):
    """Something a patient added to a report after it was made: a photo, a description, or
    the same sign reported again. Kept whole, each on its own: staff get them merged into one
    message a minute at most, and see every one in /reports.

    Health data, as the report is: outbox messages name additions by id, never by content.
    """

    __tablename__ = "care_report_addition"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reaction_report.id", index=True)
    created_at: datetime = instant_field()
    photo_file_id: str | None = Field(default=None, max_length=200)
    # What the patient typed (a reply to the report prompt, or a photo's caption); Telegram
    # allows 4,096 characters in a message.
    text: str | None = Field(default=None, max_length=4096)
    # A sign key the patient reported again while this report was open.
    repeated_sign: str | None = Field(default=None, max_length=16)


class CheckInAnswer(SQLModel, table=True):
    """A patient's answer to one check-in (a session and a day after it)."""

    __tablename__ = "care_check_in_answer"
    __table_args__ = (UniqueConstraint("appointment_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    day: int
    answer: str = Field(max_length=16)  # "fine", "mild" or "unusual"
    answered_at: datetime = instant_field()


class CarePreference(SQLModel, table=True):
    """A patient's choice to pause tips and check-ins (report follow-ups always go)."""

    __tablename__ = "care_preference"

    patient_id: int = Field(primary_key=True, foreign_key="patient.id")
    tips_paused: bool = False
    changed_at: datetime = instant_field()
