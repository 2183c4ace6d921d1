"""A patient's unfinished flow, kept in the database so that a restart loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from mesobot.models.base import instant_field


class FlowDraft(SQLModel, table=True):
    """Where one patient stands in one flow ("book"), with the answers given so far.

    There is at most one draft per patient and flow; it expires, so that a patient who comes
    back days later starts afresh instead of confirming a plan that no longer holds.
    """

    __tablename__ = "flow_draft"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    flow: str = Field(max_length=16, primary_key=True)
    step: str = Field(max_length=24)
    # Answers so far (treatment, area, count, questionnaire, chosen slot): may hold health data.
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = instant_field()
    expires_at: datetime = instant_field()
