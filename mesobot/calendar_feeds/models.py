"""The subscription links of calendar feeds: a hash of each link's secret, never the secret.

A leaked database therefore leaks no working link. One link per patient and one per staff
member; replacing a link overwrites its hash, so the old address answers 404 at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from mesobot.models.base import instant_field


class PatientFeed(SQLModel, table=True):
    """A patient's feed: their published sessions (the same entries as their files)."""

    __tablename__ = "patient_feed"

    patient_id: int = Field(foreign_key="patient.id", primary_key=True)
    # SHA-256 of the link's secret, hex. Not exported: it is a credential, not patient data.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = instant_field()


class StaffFeed(SQLModel, table=True):
    """A staff member's clinic feed: initials and session codes only. It answers only while
    its owner is in MESOBOT_STAFF_IDS."""

    __tablename__ = "staff_feed"

    staff_id: int = Field(
        sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = instant_field()
