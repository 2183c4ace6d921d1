"""Tables of the staff side: the audit log, closures set in Telegram, pending prompts, and
each staff member's language."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from mesobot.models.base import instant_field


class AuditEntry(SQLModel, table=True):
    """One staff action: who, when, what, and the state before and after.

    Patients appear by id only (course, session, patient ids), never by copied data, so that
    deleting a patient's data leaves nothing of it here. The staff member's display name is
    kept because "confirmed by Rita" must still read right after Rita renames herself.
    """

    __tablename__ = "staff_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = instant_field(index=True)
    staff_id: int = Field(sa_type=BigInteger)
    staff_name: str = Field(max_length=80)
    action: str = Field(max_length=40)
    patient_id: int | None = Field(default=None, index=True)
    course_id: int | None = Field(default=None, index=True)
    appointment_id: int | None = Field(default=None)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ClinicClosure(SQLModel, table=True):
    """A closure staff set with /block: a whole local day, or a wall-clock range of it."""

    __tablename__ = "clinic_closure"

    id: int | None = Field(default=None, primary_key=True)
    clinic_id: str = Field(max_length=40, index=True)
    local_date: date = Field(index=True)
    start_time: time | None = None  # None with end_time None: the whole day
    end_time: time | None = None
    reason: str = Field(default="", max_length=200)
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = instant_field()


class StaffPrompt(SQLModel, table=True):
    """A ForceReply the bot sent to a staff member, waiting for their typed answer.

    Stored, not kept in memory, so that a restart between the prompt and the reply loses
    nothing; the reply is matched by the prompt's chat and message id.
    """

    __tablename__ = "staff_prompt"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int
    staff_id: int = Field(sa_type=BigInteger)
    action: str = Field(max_length=20)  # "decline"
    course_id: int
    seen_version: int
    created_at: datetime = instant_field()


class StaffLanguage(SQLModel, table=True):
    """The language a staff member reads the bot in, live replies and outbox messages alike.

    Set from Telegram's language on their first contact and changed with /language. Not
    patient data: a staff member is known by their id in MESOBOT_STAFF_IDS only.
    """

    __tablename__ = "staff_language"

    staff_id: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    language: str = Field(max_length=8)
    set_at: datetime = instant_field()
