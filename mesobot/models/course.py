"""Courses of treatment, their sessions, and every change of state as a recorded event."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from mesobot.models.base import enum_field, instant_field


class CourseState(StrEnum):
    """Where a course stands. See mesobot/states.py for the allowed moves."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class SessionState(StrEnum):
    """Where one session stands. Requested and confirmed sessions hold their resource."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


HOLDING_STATES = (SessionState.REQUESTED, SessionState.CONFIRMED)


class Course(SQLModel, table=True):
    """A patient's series of sessions of one treatment, requested as a whole."""

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: str = Field(max_length=40)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    treatment: str = Field(max_length=40)
    area: str | None = Field(default=None, max_length=40)
    session_count: int
    state: CourseState = enum_field(CourseState, index=True)
    # Grows with every decision, so that two staff deciding at once cannot both win.
    version: int = 1
    requested_at: datetime = instant_field()
    expires_at: datetime | None = instant_field(nullable=True, default=None)
    decided_at: datetime | None = instant_field(nullable=True, default=None)
    decided_by: int | None = Field(default=None, sa_type=BigInteger)
    decline_reason: str | None = Field(default=None, max_length=500)
    # The pre-treatment questionnaire: health data, shown to staff only, never logged.
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Appointment(SQLModel, table=True):
    """One session of a course. Its local date, wall time and zone are the truth.

    `start_utc` and `end_utc` are derived from them and kept for queries; if the zone's rules
    change, they are recomputed and the wall time stays.
    """

    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        # Covers the planner's snapshot query (what holds a resource in a window) whole, so
        # that it reads a few thousand index entries and no table rows.
        Index(
            "ix_appointment_clinic_start",
            "clinic_id",
            "start_utc",
            "end_utc",
            "resource_id",
            "state",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    number: int  # 1-based position in the course
    clinic_id: str = Field(max_length=40)
    resource_id: str = Field(max_length=40)
    local_date: date
    local_time: time
    zone: str = Field(max_length=64)
    duration_minutes: int
    start_utc: datetime = instant_field(index=True)
    end_utc: datetime = instant_field()
    state: SessionState = enum_field(SessionState, index=True)
    # The short code staff type in commands; unique, with no personal data in it.
    code: str = Field(max_length=8, unique=True)
    calendar_uid: str = Field(max_length=80, unique=True)
    calendar_sequence: int = 0
    # Grows with every change of the session (its state, day, time or place; see
    # `mesobot.states.count_session_change`). Buttons acting on one session carry the version
    # they were drawn for, so that a weeks-old Done or Cancel shows the session as it is now
    # instead of acting on it.
    version: int = 1
    # The patient's answer to a reminder ("attending" or "reschedule"), shown in /agenda.
    patient_answer: str | None = Field(default=None, max_length=16)


class StateEvent(SQLModel, table=True):
    """One recorded change of state of a course or of one of its sessions."""

    __tablename__ = "state_event"

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    from_state: str | None = Field(default=None, max_length=12)
    to_state: str = Field(max_length=12)
    at: datetime = instant_field()
    # "patient", "system" or "staff:<telegram id>": who caused the change.
    actor: str = Field(max_length=40)
    note: str | None = Field(default=None, max_length=200)


class ResourceDay(SQLModel, table=True):
    """A lock row per resource and local day: bookings lock these before checking for overlap.

    Sessions of different lengths overlap in ways no unique constraint can catch, so a booking
    locks the days it touches (PostgreSQL: SELECT ... FOR UPDATE, in sorted order to avoid
    deadlocks), then checks, then inserts, in one transaction.
    """

    __tablename__ = "resource_day"

    clinic_id: str = Field(max_length=40, primary_key=True)
    resource_id: str = Field(max_length=40, primary_key=True)
    local_date: date = Field(primary_key=True)
