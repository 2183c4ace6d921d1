"""Tables of the privacy side: the consent history and the identity kept for a clinical record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from mesobot.models.base import instant_field


class ConsentEvent(SQLModel, table=True):
    """A patient giving or withdrawing consent: which text, when, and through whom.

    The history is kept whole (the patient row holds only the current consent), so that the
    export can show what the patient agreed to and when they changed their mind.
    """

    __tablename__ = "consent_event"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    # The consent text's version (mesobot.flow.steps.CONSENT_VERSION when it happened).
    version: str = Field(max_length=16)
    given: bool
    at: datetime = instant_field()
    # "patient" or "staff:<telegram id>".
    actor: str = Field(max_length=40, default="patient")


class ClinicalIdentity(SQLModel, table=True):
    """Who an erased patient was, kept only because the clinic must keep their clinical record.

    The one place, staff-only, where an erased patient's name, phone and free texts stay: the
    sessions given and the reactions reported keep their rows, stripped of anything that says
    who the patient is. Anonymised (the row deleted) when the record's retention ends.
    """

    __tablename__ = "clinical_identity"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    display_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    # The free texts of the kept record, moved here from their rows: questionnaire answers by
    # course id, report descriptions and additions by report id.
    record: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    erased_at: datetime = instant_field()
    # The clinic's legal minimum after the last session given (`[retention]`).
    keep_until: datetime = instant_field(index=True)
