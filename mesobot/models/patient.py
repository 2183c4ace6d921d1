"""A patient: a Telegram user who has talked to the bot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from mesobot.models.base import instant_field


class Patient(SQLModel, table=True):
    """One Telegram user and the language the bot speaks to them in."""

    id: int | None = Field(default=None, primary_key=True)
    # Telegram user ids need up to 52 bits. None once the patient is erased (their clinical
    # record kept): the same person starting again is a new patient.
    telegram_user_id: int | None = Field(
        default=None, sa_type=BigInteger, unique=True, index=True, nullable=True
    )
    language: str = Field(max_length=8, default="en")
    created_at: datetime = instant_field()
    last_seen_at: datetime = instant_field()
    # The name the patient wants the clinic to use, and a phone the clinic can call about a
    # reaction; both given in the booking flow.
    display_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    # The Telegram @username as of the patient's latest turn (None when they have none), so
    # that staff can find them with /patient @username. Only the current one is kept.
    username: str | None = Field(default=None, max_length=32)
    # Consent to storing health-related answers: which text they agreed to, and when.
    consent_version: str | None = Field(default=None, max_length=16)
    consent_at: datetime | None = instant_field(nullable=True, default=None)
    adult_confirmed_at: datetime | None = instant_field(nullable=True, default=None)
    # When the patient's data was erased (mesobot.privacy.erasure); the row stays only while
    # the clinic must keep a clinical record of sessions given.
    erased_at: datetime | None = instant_field(nullable=True, default=None)

    @property
    def chat(self) -> int:
        """The patient's private chat with the bot (its id is their Telegram user id).

        An erased patient has none: whatever tries to message them is a bug, and fails here
        instead of reaching a stranger.
        """
        if self.telegram_user_id is None:
            raise PatientErasedError(f"patient {self.id} was erased; nothing may be sent to them")
        return self.telegram_user_id


class PatientErasedError(Exception):
    """Something tried to reach a patient whose data was erased."""
