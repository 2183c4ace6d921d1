"""The dispatcher's side of the table: claim due rows, then record what became of each."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, case, cast, exists, func, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.db import UTCDateTime
from mesobot.outbox.calls import CALL
from mesobot.outbox.enqueue import mark_outbox_written
from mesobot.outbox.models import MessageState, OutboxMessage, OutboxRecipient, Priority

BATCH_CAP = 20


@dataclass(frozen=True)
class OutboxLook:
    """What a read-only look at the table found: whether a pass has anything to write."""

    claimable: bool  # a due row whose time has come, for a chat not skipped
    expired_leases: bool  # a row left in sending past its lease
    next_due_at: datetime | None  # when the earliest due row may next be tried, busy or not


async def look(
    *, session: AsyncSession, now: datetime, skip_chats: Collection[int] = ()
) -> OutboxLook:
    """Whether claiming or releasing would change anything, in one statement that takes no
    lock: an idle dispatcher looks every couple of seconds, and on SQLite a write transaction
    would hold up every patient's tap, even one that finds nothing to do."""
    due_now = select(OutboxMessage.id).where(
        col(OutboxMessage.state) == MessageState.DUE, OutboxMessage.next_attempt_at <= now
    )
    if skip_chats:
        due_now = due_now.where(col(OutboxMessage.recipient).not_in(list(skip_chats)))
    expired = select(OutboxMessage.id).where(
        col(OutboxMessage.state) == MessageState.SENDING, col(OutboxMessage.lease_until) < now
    )
    next_due = (
        select(func.min(OutboxMessage.next_attempt_at))
        .where(col(OutboxMessage.state) == MessageState.DUE)
        .scalar_subquery()
    )
    row = (await session.exec(select(exists(due_now), exists(expired), next_due))).one()
    return OutboxLook(claimable=bool(row[0]), expired_leases=bool(row[1]), next_due_at=row[2])


async def claim_due_messages(
    *,
    session: AsyncSession,
    now: datetime,
    lease: timedelta,
    limit: int = BATCH_CAP,
    skip_chats: Collection[int] = (),
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows, at most one per chat, none for `skip_chats`: lane by
    lane (`Priority`: alerts first, the most severe first), the earliest due in each.

    Each row moves from due to sending under a lease; a row whose state changed under us
    (another dispatcher, a cancel) fails the conditional UPDATE and is left alone. One row
    per chat keeps a burst to one chat from holding a whole batch for its pacing.
    """
    limit = min(limit, BATCH_CAP)
    if limit <= 0:
        return []
    chosen: dict[int, int] = {}
    for lane in sorted(Priority):
        for row_id, recipient in await _due_in_lane(session, lane, now, limit, skip_chats):
            if recipient not in chosen and row_id is not None:
                chosen[recipient] = row_id
                if len(chosen) == limit:
                    break
        if len(chosen) == limit:
            break
    claimed: list[OutboxMessage] = []
    for row_id in chosen.values():
        result = await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.state) == MessageState.DUE)
            .values(state=MessageState.SENDING, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            row = await session.get(OutboxMessage, row_id, populate_existing=True)
            if row is not None:
                claimed.append(row)
    return claimed


async def _due_in_lane(
    session: AsyncSession,
    lane: Priority,
    now: datetime,
    limit: int,
    skip_chats: Collection[int],
) -> Sequence[tuple[int | None, int]]:
    """Up to `limit` due rows of one lane, earliest first, locked for this claim.

    One query per lane, each bounded on (state, priority, next_attempt_at) by the index of
    those columns: a single query ordered by lane would walk every later-due row of a lane
    (weeks of scheduled tips) before reaching the next lane's rows due now.
    """
    query = (
        select(OutboxMessage.id, OutboxMessage.recipient)
        .where(
            col(OutboxMessage.state) == MessageState.DUE,
            col(OutboxMessage.priority) == int(lane),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        # Only `limit` rows are locked, so a second dispatcher finds the next ones; a chat's
        # extra rows among them stay due and go after its pacing interval.
        .limit(limit)
        # Other dispatchers skip rows this one is claiming instead of waiting (PostgreSQL;
        # SQLAlchemy leaves it out on SQLite, where the write lock serialises claims).
        .with_for_update(skip_locked=True)
    )
    if skip_chats:
        query = query.where(col(OutboxMessage.recipient).not_in(list(skip_chats)))
    return (await session.exec(query)).all()


async def release_expired_leases(*, session: AsyncSession, now: datetime) -> int:
    """Rows left in sending past their lease (a dispatcher died mid-send) become due again."""
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.state) == MessageState.SENDING,
            col(OutboxMessage.lease_until) < now,
        )
        .values(state=MessageState.DUE, lease_until=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


async def release_all_in_flight(*, session: AsyncSession, now: datetime) -> int:
    """Every sending row becomes due again: called by a dispatcher that has just become the
    only active one, so any row in sending belongs to a dispatcher that is gone."""
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.state) == MessageState.SENDING)
        .values(state=MessageState.DUE, lease_until=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


async def _finish(session: AsyncSession, message_id: int, **values: object) -> bool:
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.state) == MessageState.SENDING,
        )
        .values(lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def mark_all_sent(
    *,
    session: AsyncSession,
    message_ids: Collection[int],
    now: datetime,
    sent_message_ids: Mapping[int, int] | None = None,
) -> int:
    """Record several delivered messages at once; returns how many were still in sending.

    `sent_message_ids` gives Telegram's id of the message a queued call posted; a sent call's
    content (its text, its file) is emptied: only its id is still of use.
    """
    if not message_ids:
        return 0
    values: dict[str, object] = {
        "state": MessageState.SENT,
        "sent_at": now,
        "attempts": OutboxMessage.attempts + 1,
        "lease_until": None,
    }
    if sent_message_ids:
        by_row = case(dict(sent_message_ids), value=col(OutboxMessage.id), else_=None)
        values["sent_message_id"] = cast(by_row, BigInteger)
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(list(message_ids)),
            col(OutboxMessage.state) == MessageState.SENDING,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(list(message_ids)), col(OutboxMessage.kind) == CALL)
        .values(payload={})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


async def mark_finished(
    *,
    session: AsyncSession,
    message_id: int,
    state: MessageState,
    error: str | None = None,
    count_attempt: bool = False,
) -> bool:
    """Record a message that will not be sent: dropped as late, cancelled, or failed."""
    attempts = OutboxMessage.attempts + 1 if count_attempt else OutboxMessage.attempts
    return await _finish(
        session, message_id, state=state, last_error=_clip(error), attempts=attempts
    )


async def schedule_retry(
    *,
    session: AsyncSession,
    message_id: int,
    at: datetime,
    error: str | None,
    count_attempt: bool = True,
) -> bool:
    """Put a claimed message back to due, to be tried again at `at`.

    A flood wait does not count as an attempt: the message was never refused.
    """
    attempts = OutboxMessage.attempts + 1 if count_attempt else OutboxMessage.attempts
    retried = await _finish(
        session,
        message_id,
        state=MessageState.DUE,
        next_attempt_at=at,
        attempts=attempts,
        last_error=_clip(error),
    )
    if retried:
        await _keep_later_calls_behind(session, message_id, at)
    return retried


async def _keep_later_calls_behind(session: AsyncSession, message_id: int, at: datetime) -> None:
    """A chat's later queued calls wait for a retried one, so that claims (earliest due, then
    id) still make them in order: two replies of one handler must not swap."""
    chat_of_call = (
        select(OutboxMessage.recipient)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.kind) == CALL)
        .scalar_subquery()
    )
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.recipient) == chat_of_call,
            col(OutboxMessage.kind) == CALL,
            col(OutboxMessage.state) == MessageState.DUE,
            col(OutboxMessage.id) > message_id,
            col(OutboxMessage.next_attempt_at) < at,
        )
        .values(next_attempt_at=at)
        .execution_options(synchronize_session=False)
    )


async def mark_unreachable(
    *, session: AsyncSession, chat_id: int, reason: str, now: datetime
) -> bool:
    """Record that `chat_id` refuses the bot and pause its messages (the one being sent too).

    Returns whether the chat was reachable until now, so that staff are told only once.
    """
    recipient = await session.get(OutboxRecipient, chat_id)
    newly = recipient is None or recipient.unreachable_since is None
    if recipient is None:
        recipient = OutboxRecipient(chat_id=chat_id)
    if newly:
        recipient.unreachable_since = now
    recipient.unreachable_reason = _clip(reason, 200)
    session.add(recipient)
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.recipient) == chat_id,
            col(OutboxMessage.state).in_([MessageState.DUE, MessageState.SENDING]),
        )
        .values(state=MessageState.PAUSED, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    return newly


async def resume_recipient(*, session: AsyncSession, chat_id: int, now: datetime) -> int:
    """The chat accepts the bot again: its paused messages become due; returns how many.

    Those already past their time go now, under their kind's late policy.
    """
    recipient = await session.get(OutboxRecipient, chat_id)
    if recipient is not None:
        recipient.unreachable_since = None
        recipient.unreachable_reason = None
        session.add(recipient)
    result = await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.recipient) == chat_id,
            col(OutboxMessage.state) == MessageState.PAUSED,
        )
        .values(
            state=MessageState.DUE,
            next_attempt_at=case(
                (col(OutboxMessage.due_at) > now, OutboxMessage.due_at),
                else_=literal(now, type_=UTCDateTime()),
            ),
        )
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    mark_outbox_written(session)
    return int(result.rowcount)


def _clip(text: str | None, length: int = 300) -> str | None:
    return None if text is None else text[:length]
