"""Queued messages as other packages see them: read-only values, never the outbox's rows."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.outbox.models import MessageState, OutboxMessage

# Not sent yet, and still to be sent: what a cause may cancel, move or rewrite.
PENDING_STATES = frozenset({MessageState.DUE, MessageState.PAUSED})


@dataclass(frozen=True)
class QueuedMessage:
    """One message in the outbox as it stood when read; changing it changes nothing stored."""

    id: int
    recipient: int
    kind: str
    payload: Mapping[str, Any]
    due_at: datetime
    state: MessageState
    cause: str | None
    sent_at: datetime | None = None

    @property
    def pending(self) -> bool:
        """Whether it is still to be sent (due, or paused until its recipient returns)."""
        return self.state in PENDING_STATES


def queued_message(row: OutboxMessage) -> QueuedMessage:
    """The read-only value of a row (its payload copied, so the row stays the outbox's own)."""
    assert row.id is not None
    return QueuedMessage(
        id=row.id,
        recipient=row.recipient,
        kind=row.kind,
        payload=MappingProxyType(dict(row.payload)),
        due_at=row.due_at,
        state=MessageState(row.state),
        cause=row.cause,
        sent_at=row.sent_at,
    )


async def messages_for_cause(
    *,
    session: AsyncSession,
    cause: str,
    kinds: Collection[str] | None = None,
    states: Collection[MessageState] | None = None,
) -> list[QueuedMessage]:
    """The messages of `cause` (only of `kinds` and in `states`, if given), oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.cause == cause)
    if kinds is not None:
        query = query.where(col(OutboxMessage.kind).in_(sorted(kinds)))
    if states is not None:
        query = query.where(col(OutboxMessage.state).in_(sorted(states)))
    rows = await session.exec(query.order_by(col(OutboxMessage.id)))
    return [queued_message(row) for row in rows.all()]


async def pending_for_cause(
    *, session: AsyncSession, cause: str, kinds: Collection[str] | None = None
) -> list[QueuedMessage]:
    """The messages of `cause` not sent yet (only of `kinds`, if given), oldest first."""
    return await messages_for_cause(
        session=session, cause=cause, kinds=kinds, states=PENDING_STATES
    )
