"""The waitlist's tables: entries (patients waiting), openings (freed places) and offers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from mesobot.models.base import enum_field, instant_field


class EntryState(StrEnum):
    """Where an entry stands: waiting (maybe with an offer out), or ended and why."""

    WAITING = "waiting"
    BOOKED = "booked"  # an offer was accepted
    LEFT = "left"  # the patient left the list
    REMOVED = "removed"  # staff removed it
    EXPIRED = "expired"  # its range ended


class PartOfDay(StrEnum):
    """When the patient can come: the first session's time (afternoons from 14:00)."""

    ANY = "any"
    MORNING = "morning"
    AFTERNOON = "afternoon"


class WaitlistEntry(SQLModel, table=True):
    """One patient waiting for a treatment's whole course to fit between two days.

    `answers` are the booking flow's (questionnaire, name, phone): an accepted offer is
    requested with them, as the calendar's Confirm would. With `course_id`, the patient asked
    to move that booked course earlier: an accepted offer replaces it.
    """

    __tablename__ = "waitlist_entry"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: str = Field(max_length=64)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    treatment: str = Field(max_length=64)
    area: str | None = Field(default=None, max_length=32)
    session_count: int
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_day: date
    last_day: date = Field(index=True)
    weekdays_only: bool = False
    part_of_day: PartOfDay = enum_field(PartOfDay, default=PartOfDay.ANY)
    course_id: int | None = Field(default=None, foreign_key="course.id")
    state: EntryState = enum_field(EntryState, default=EntryState.WAITING, index=True)
    created_at: datetime = instant_field()
    ended_at: datetime | None = instant_field(nullable=True, default=None)


class OpeningState(StrEnum):
    """A freed place: to match, offered to one patient, or finished with."""

    PENDING = "pending"
    OFFERING = "offering"
    DONE = "done"


class WaitlistOpening(SQLModel, table=True):
    """A place that freed up on a local day (a cancellation, a move, /unblock, a decline or
    an expiry), written in the transaction that freed it; the matching job takes it from
    there. No patient data: only the day."""

    __tablename__ = "waitlist_opening"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: str = Field(max_length=64)
    local_date: date
    state: OpeningState = enum_field(OpeningState, default=OpeningState.PENDING, index=True)
    created_at: datetime = instant_field()


class OfferState(StrEnum):
    """An offer's life: open until accepted, declined, expired, lost or withdrawn."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    TAKEN = "taken"  # lost the race to another booking
    WITHDRAWN = "withdrawn"  # the entry ended, or consent was withdrawn, before an answer


class WaitlistOffer(SQLModel, table=True):
    """A course offered to one waiting patient for an opening: its first slot and the plan's
    digest, so that accepting books exactly what was shown."""

    __tablename__ = "waitlist_offer"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="waitlist_entry.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    opening_id: int = Field(foreign_key="waitlist_opening.id", index=True)
    first_day: date
    first_minute: int
    plan_digest: str = Field(max_length=64)
    state: OfferState = enum_field(OfferState, default=OfferState.OPEN, index=True)
    created_at: datetime = instant_field()
    decided_at: datetime | None = instant_field(nullable=True, default=None)
