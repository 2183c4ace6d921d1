"""Putting messages into the outbox, and cancelling, moving or rewriting them, inside the
caller's transaction: a message exists exactly when the change that caused it was committed.

Other packages use these through `mesobot.outbox`; they get `QueuedMessage` values back,
never the rows, so that only this package decides what a row may become.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, event, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import SessionTransaction
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.db import MesobotSession
from mesobot.outbox.models import MessageState, OutboxMessage, OutboxRecipient, Priority
from mesobot.outbox.queued import PENDING_STATES, QueuedMessage, queued_message

# Set on a session that wrote to the outbox, so that its commit wakes the dispatcher.
_WROTE_OUTBOX = "mesobot.outbox.wrote"
_commit_listeners: list[Callable[[], None]] = []


def on_outbox_commit(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` after any transaction of a `Database` in this process that wrote to
    the outbox commits.

    The dispatcher subscribes here so that a message due now leaves at once; an enqueue in
    another process is picked up by the dispatcher's safety interval instead. Returns a
    function that unsubscribes.
    """
    _commit_listeners.append(listener)
    return lambda: _commit_listeners.remove(listener)


# On the project's own session class only: other code's sessions in this process (a library,
# a test's plain SQLAlchemy session) are none of the outbox's business.
@event.listens_for(MesobotSession, "after_commit")
def _wake_after_commit(session: MesobotSession) -> None:
    if session.info.pop(_WROTE_OUTBOX, False):
        for listener in list(_commit_listeners):
            listener()


@event.listens_for(MesobotSession, "after_soft_rollback")
def _forget_after_rollback(session: MesobotSession, previous: SessionTransaction) -> None:
    # A savepoint undone (a block of an update's unit of work) leaves the rest to commit.
    if not previous.nested:
        session.info.pop(_WROTE_OUTBOX, None)


def mark_outbox_written(session: AsyncSession) -> None:
    """Have this session's commit wake the dispatcher."""
    session.sync_session.info[_WROTE_OUTBOX] = True


async def enqueue(
    *,
    session: AsyncSession,
    recipient: int,
    kind: str,
    payload: Mapping[str, Any],
    due_at: datetime,
    idempotency_key: str,
    now: datetime,
    cause: str | None = None,
    priority: Priority = Priority.NORMAL,
) -> QueuedMessage:
    """Queue a message to `recipient` at `due_at` in the caller's transaction (no commit).

    Enqueueing the same `idempotency_key` again returns the message already queued, whatever
    its state, so a retried handler never queues twice. A recipient known to be unreachable
    gets the message paused until they return. The dispatcher claims lower `priority` lanes
    first (an alert must not wait behind a backlog of tips); enqueueing a key again keeps the
    lane it was first given.
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
        "priority": int(priority),
        "idempotency_key": idempotency_key,
        "cause": cause,
        "created_at": now,
    }
    insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
    # ON CONFLICT keeps two transactions racing on one key from failing at commit.
    statement = insert(OutboxMessage).values(**values).on_conflict_do_nothing()
    await session.exec(statement)
    mark_outbox_written(session)
    keyed = col(OutboxMessage.idempotency_key) == idempotency_key
    row = (
        await session.exec(
            select(OutboxMessage).where(keyed).execution_options(populate_existing=True)
        )
    ).one()
    return queued_message(row)


async def enqueue_to_staff(
    *,
    session: AsyncSession,
    staff_ids: Iterable[int],
    kind: str,
    payload: Mapping[str, Any],
    due_at: datetime,
    key_prefix: str,
    now: datetime,
    cause: str | None = None,
    priority: Priority = Priority.NORMAL,
) -> list[QueuedMessage]:
    """Queue one message to each staff member, keyed `<key_prefix>:<staff id>` (see `enqueue`).

    Staff read privately, so each gets their own row, paced, paused and retried on its own.
    """
    return [
        await enqueue(
            session=session,
            recipient=staff_id,
            kind=kind,
            payload=payload,
            due_at=due_at,
            idempotency_key=f"{key_prefix}:{staff_id}",
            now=now,
            cause=cause,
            priority=priority,
        )
        for staff_id in staff_ids
    ]


def _pending(
    *,
    cause: str | None,
    ids: Collection[int] | None,
    kinds: Collection[str] | None,
) -> list[ColumnElement[bool]]:
    # Which unsent messages a cancel or a move means; never all of them by accident.
    if cause is None and ids is None:
        raise ValueError("name the messages: give a cause, ids, or both")
    where: list[ColumnElement[bool]] = [col(OutboxMessage.state).in_(sorted(PENDING_STATES))]
    if cause is not None:
        where.append(col(OutboxMessage.cause) == cause)
    if ids is not None:
        where.append(col(OutboxMessage.id).in_(sorted(ids)))
    if kinds is not None:
        where.append(col(OutboxMessage.kind).in_(sorted(kinds)))
    return where


async def _update(
    session: AsyncSession, where: list[ColumnElement[bool]], **values: object
) -> int:
    # One conditional UPDATE: a row the dispatcher claimed meanwhile no longer matches and is
    # left alone; rows this session has loaded are refreshed with the new values.
    result = await session.exec(
        update(OutboxMessage)
        .where(*where)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    mark_outbox_written(session)
    return int(result.rowcount)


async def cancel(
    *,
    session: AsyncSession,
    cause: str | None = None,
    ids: Collection[int] | None = None,
    kinds: Collection[str] | None = None,
) -> int:
    """Cancel the unsent messages of `cause` and/or with `ids` (only of `kinds`, if given);
    returns how many were cancelled. Sent and in-flight messages are left as they are."""
    if ids is not None and not ids:
        return 0
    where = _pending(cause=cause, ids=ids, kinds=kinds)
    return await _update(session, where, state=MessageState.CANCELLED, lease_until=None)


async def reschedule(
    *,
    session: AsyncSession,
    cause: str | None = None,
    ids: Collection[int] | None = None,
    kinds: Collection[str] | None = None,
    delta: timedelta | None = None,
    due_at: datetime | None = None,
) -> int:
    """Move the unsent messages of `cause` and/or with `ids` (only of `kinds`, if given) by
    `delta`, or all to `due_at`; returns how many moved. Moving a cause moves its messages.

    Their retry count starts again, since the move makes them new messages in effect.
    """
    if (delta is None) == (due_at is None):
        raise ValueError("give exactly one of delta and due_at")
    if ids is not None and not ids:
        return 0
    where = _pending(cause=cause, ids=ids, kinds=kinds)
    if due_at is not None:
        return await _update(session, where, due_at=due_at, next_attempt_at=due_at, attempts=0)
    moved = 0
    # Instants are moved here rather than in SQL: date arithmetic differs between backends.
    found = await session.exec(select(OutboxMessage.id, OutboxMessage.due_at).where(*where))
    for message_id, old_due in found.all():
        new_due = old_due + (delta or timedelta())
        moved += await _update(
            session,
            [*where, col(OutboxMessage.id) == message_id],
            due_at=new_due,
            next_attempt_at=new_due,
            attempts=0,
        )
    return moved


async def replace_payload(
    *,
    session: AsyncSession,
    message_id: int,
    payload: Mapping[str, Any],
    due_at: datetime | None = None,
) -> QueuedMessage | None:
    """Give an unsent message a new payload (and a new due time, if given); returns it as it
    now stands, or None if it was sent, cancelled or claimed meanwhile."""
    values: dict[str, object] = {"payload": dict(payload)}
    if due_at is not None:
        values |= {"due_at": due_at, "next_attempt_at": due_at}
    where = _pending(cause=None, ids=[message_id], kinds=None)
    if not await _update(session, where, **values):
        return None
    row = await session.get(OutboxMessage, message_id, populate_existing=True)
    return None if row is None else queued_message(row)


async def hold_pending(*, session: AsyncSession, message_id: int) -> bool:
    """Whether a message is still unsent; if so it stays unclaimed until this transaction ends.

    For a message rendered from rows this transaction adds to (a digest of additions): once
    held, it cannot be claimed, and so rendered, before they are committed. On PostgreSQL the
    no-op UPDATE takes the row's lock (a claim skips locked rows); on SQLite the transaction
    holds the only write lock, which a claim needs too.
    """
    where = _pending(cause=None, ids=[message_id], kinds=None)
    result = await session.exec(
        update(OutboxMessage)
        .where(*where)
        .values(state=OutboxMessage.state)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


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
