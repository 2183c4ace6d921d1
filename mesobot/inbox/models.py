"""The inbox table: one row per Telegram update a webhook receiver stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from mesobot.models.base import instant_field


class InboxUpdate(SQLModel, table=True):
    """An update as Telegram posted it; `handled_at` is set in the handler's own transaction.

    Keyed by Telegram's update_id, so a second delivery of the same update stores nothing.
    """

    __tablename__ = "inbox_update"
    __table_args__ = (
        # The workers' look for work: unhandled rows of a user, in update_id order.
        Index("ix_inbox_update_handled_at_sender", "handled_at", "sender", "update_id"),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # Whose turn it is: the user (or, without one, the chat) the update comes from; 0 for none.
    sender: int = Field(sa_type=BigInteger)
    # What Telegram sent: the update's JSON (a message, a button press...).
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = instant_field()
    # Taken by a receiver for this long; a receiver that dies leaves it to expire.
    lease_until: datetime | None = instant_field(nullable=True, default=None)
    attempts: int = Field(default=0)
    handled_at: datetime | None = instant_field(nullable=True, default=None)
    # Why an update was given up on (too many attempts), never its content.
    outcome: str | None = Field(default=None, max_length=100)
