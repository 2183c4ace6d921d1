"""Putting messages into the outbox, and cancelling or moving them, inside the caller's
transaction: a message exists exactly when the change that caused it was committed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.outbox.models import MessageState, OutboxMessage, OutboxRecipient

# Set on a session that wrote to the outbox, so that its commit wakes the dispatcher.
_WROTE_OUTBOX = "mesobot.outbox.wrote"
_commit_listeners: list[Callable[[], None]] = []


def on_outbox_commit(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` after any transaction in this process that wrote to the outbox commits.

    The dispatcher subscribes here so that a message due now leaves at once; an enqueue in
    another process is picked up by the dispatcher's safety interval instead. Returns a
    function that unsubscribes.
    """
    _commit_listeners.append(listener)
    return lambda: _commit_listeners.remove(listener)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_WROTE_OUTBOX, False):
        for listener in list(_commit_listeners):
            listener()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_WROTE_OUTBOX, None)


def mark_outbox_written(session: AsyncSession) -> None:
    """Have this session's commit wake the dispatcher."""
    session.sync_session.info[_WROTE_OUTBOX] = True


async def enqueue_message(
    *,
    session: AsyncSession,
    recipient: int,
    kind: str,
    payload: Mapping[str, Any],
    due_at: datetime,
    idempotency_key: str,
    now: datetime,
    cause: str | None = None,
) -> OutboxMessage:
    """Queue a message to `recipient` at `due_at` in the caller's transaction (no commit).

    Enqueueing the same `idempotency_key` again returns the row already queued, whatever
    its state, so a retried handler never queues twice. A recipient known to be unreachable
    gets the row paused until they return.
    """
    unreachable = await session.get(OutboxRecipient, recipient)
    state = (
        MessageState.PAUSED
        if unreachable is not None and unreachable.unreachable_since is not None
        else MessageState.DUE
    )
    values = {
        "recipient": recipient,
        "kind": kind,
        "payload": dict(payload),
        "due_at": due_at,
        "next_attempt_at": due_at,
        "state": state,
        "attempts": 0,
        "idempotency_key": idempotency_key,
        "cause": cause,
        "created_at": now,
    }
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    # ON CONFLICT keeps two transactions racing on one key from failing at commit.
    statement = insert(OutboxMessage).values(**values).on_conflict_do_nothing()
    await session.exec(statement)
    mark_outbox_written(session)
    row = (
        await session.exec(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
        )
    ).one()
    return row


async def cancel_messages(*, session: AsyncSession, cause: str) -> int:
    """Cancel the messages of `cause` not yet sent; returns how many were cancelled."""
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.cause) == cause,
            col(OutboxMessage.state).in_([MessageState.DUE, MessageState.PAUSED]),
        )
        .values(state=MessageState.CANCELLED, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    mark_outbox_written(session)
    return int(result.rowcount)


async def move_messages(
    *,
    session: AsyncSession,
    cause: str,
    delta: timedelta | None = None,
    new_due: datetime | None = None,
) -> int:
    """Move the unsent messages of `cause` by `delta`, or all to `new_due`; returns how many.

    Their retry count starts again, since the move makes them new messages in effect.
    """
    if (delta is None) == (new_due is None):
        raise ValueError("give exactly one of delta and new_due")
    rows = (
        await session.exec(
            select(OutboxMessage).where(
                OutboxMessage.cause == cause,
                col(OutboxMessage.state).in_([MessageState.DUE, MessageState.PAUSED]),
            )
        )
    ).all()
    for row in rows:
        row.due_at = new_due if new_due is not None else row.due_at + (delta or timedelta())
        row.next_attempt_at = row.due_at
        row.attempts = 0
        session.add(row)
    await session.flush()
    mark_outbox_written(session)
    return len(rows)


async def next_due_at(*, session: AsyncSession) -> datetime | None:
    """When the earliest due message may next be tried, if any is due at all."""
    result = await session.exec(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.state == MessageState.DUE
        )
    )
    return result.one()


def _dialect(session: AsyncSession) -> str:
    return session.sync_session.get_bind().dialect.name
