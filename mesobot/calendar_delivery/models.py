"""The last calendar file published for each course: what the patient's calendar holds now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from mesobot.models.base import instant_field


class CalendarPublication(SQLModel, table=True):
    """A course's calendar entries as last sent to the patient, SEQUENCE included.

    The next file is compared with this one: what changed gets a higher SEQUENCE and a sentence
    in the chat. Entries hold UIDs, wall times and numbers only, never health details.
    """

    __tablename__ = "calendar_publication"

    course_id: int = Field(foreign_key="course.id", primary_key=True)
    entries: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    published_at: datetime = instant_field()
