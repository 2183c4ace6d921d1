"""The outbox tables: one row per message to send, one per recipient Telegram refused us."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from mesobot.models.base import instant_field


class MessageState(StrEnum):
    """Where a message is in its life; only `due` rows are ever claimed."""

    DUE = "due"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # by its cause (a session cancelled, a report closed)
    DROPPED = "dropped"  # by its kind's late policy: too late to be worth sending
    PAUSED = "paused"  # the recipient blocked the bot or never started it


class Priority(IntEnum):
    """The dispatcher's lanes, claimed lowest value first; within a lane, by due time.

    Alerts to staff go before anything else, the most severe first: a backlog of thousands of
    tips due at once never holds one up. A patient's reply handed over to the outbox goes
    after the severe alerts and before the rest, the order the shared Telegram budget keeps.
    Only what is worth jumping the queue gets a lane: an alert's additions do not.
    """

    ALERT_EMERGENCY = 0
    ALERT_HIGH = 10
    REPLY = 20
    ALERT_MODERATE = 30
    ALERT_LOW = 40
    NORMAL = 100


class OutboxMessage(SQLModel, table=True):
    """A message the bot must send to one chat at `due_at`, rendered when it is sent."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The dispatcher's idle look and its next wake-up: due rows by the time they may next
        # be tried, whatever their lane.
        Index("ix_outbox_message_state_next_attempt_at", "state", "next_attempt_at"),
        # Its claim: due rows of one lane by that time, then id (what claims order by).
        Index(
            "ix_outbox_message_state_priority_next_attempt_at_id",
            "state",
            "priority",
            "next_attempt_at",
            "id",
        ),
        # A reply to a sent message (a ForceReply prompt's answer) names it by Telegram's id.
        Index("ix_outbox_message_recipient_sent_message_id", "recipient", "sent_message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # A Telegram chat id (a user's private chat, or the staff group): up to 52 bits.
    recipient: int = Field(sa_type=BigInteger, index=True)
    kind: str = Field(max_length=64)
    # Ids and parameters only; the renderer of `kind` turns them into text at send time.
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime = instant_field()
    # Equal to due_at until a retry or a flood wait pushes the next try later.
    next_attempt_at: datetime = instant_field()
    state: str = Field(max_length=16, default=MessageState.DUE)
    # A `Priority`: lower goes first. Kept with the row, so a retry stays in its lane.
    priority: int = Field(default=Priority.NORMAL)
    attempts: int = Field(default=0)
    lease_until: datetime | None = instant_field(nullable=True, default=None)
    idempotency_key: str = Field(max_length=200, unique=True)
    # What caused the message, e.g. "session:123", so the cause can cancel or move it.
    cause: str | None = Field(default=None, max_length=100, index=True)
    created_at: datetime = instant_field()
    sent_at: datetime | None = instant_field(nullable=True, default=None)
    # The message_id Telegram gave the sent message (queued Bot API calls that post one).
    sent_message_id: int | None = Field(default=None, sa_type=BigInteger)
    # An error class and Telegram's description; never the message's text.
    last_error: str | None = Field(default=None, max_length=300)


class OutboxRecipient(SQLModel, table=True):
    """A chat Telegram refused to deliver to (403); its messages wait paused until it returns."""

    __tablename__ = "outbox_recipient"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    unreachable_since: datetime | None = instant_field(nullable=True, default=None)
    # Telegram's description, e.g. "Forbidden: bot was blocked by the user".
    unreachable_reason: str | None = Field(default=None, max_length=200)


class TelegramSend(SQLModel, table=True):
    """One message sent to Telegram by any process: the shared budget's ledger (PostgreSQL,
    webhook mode), so that the limits count every process's sends. Kept for a minute."""

    __tablename__ = "telegram_send"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = instant_field(index=True)
    # The chat it went to; None for a call that counts only against the overall rate (an edit).
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
