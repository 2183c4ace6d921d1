"""Storing, finding and marking inbox rows; no Telegram, the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.inbox.models import InboxUpdate

# The parts of an update that name who sent it, in the order they are looked at.
_KINDS = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member")


class AlreadyHandled(Exception):
    """The update was marked handled by another transaction: this one must not apply it."""


def kind_of(payload: Mapping[str, Any]) -> str:
    """The update's kind ("message", "callback_query", ...), for metrics and logs."""
    return next((key for key in payload if key != "update_id"), "other")


def sender_of(payload: Mapping[str, Any]) -> int:
    """The user whose turn the update waits for (or its chat without a user); 0 for none."""
    for kind in _KINDS:
        part = payload.get(kind)
        if not isinstance(part, dict):
            continue
        user = part.get("from")
        if isinstance(user, dict) and isinstance(user.get("id"), int):
            return int(user["id"])
        chat = part.get("chat") or (part.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return 0


async def store(*, session: AsyncSession, payload: Mapping[str, Any], now: datetime) -> bool:
    """Store an update; False when its update_id was already stored (a second delivery)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InboxUpdate)
        .values(
            update_id=int(payload["update_id"]),
            sender=sender_of(payload),
            payload=dict(payload),
            received_at=now,
            attempts=0,
        )
        .on_conflict_do_nothing()
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def senders_waiting(*, session: AsyncSession, now: datetime, limit: int) -> list[int]:
    """Users with an unhandled update that no live lease holds, earliest update first."""
    first = func.min(InboxUpdate.update_id)
    statement = (
        select(InboxUpdate.sender)
        .where(col(InboxUpdate.handled_at).is_(None))
        .where(or_(col(InboxUpdate.lease_until).is_(None), col(InboxUpdate.lease_until) < now))
        .group_by(col(InboxUpdate.sender))
        .order_by(first)
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def lease_next(
    *, session: AsyncSession, sender: int, now: datetime, lease: timedelta
) -> InboxUpdate | None:
    """Lease the user's earliest unhandled update (whatever its lease: the caller holds the
    user's turn) and count the attempt; None when nothing of theirs waits."""
    earliest = (
        select(InboxUpdate.update_id)
        .where(col(InboxUpdate.handled_at).is_(None), InboxUpdate.sender == sender)
        .order_by(col(InboxUpdate.update_id))
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id) == earliest)
        .values(lease_until=now + lease, attempts=InboxUpdate.attempts + 1)
        .returning(InboxUpdate)
    )
    result = await session.exec(statement)
    row = result.scalars().first()
    return row if isinstance(row, InboxUpdate) else None


async def mark_handled(
    *, session: AsyncSession, update_id: int, now: datetime, outcome: str | None = None
) -> None:
    """Mark the update handled in the caller's transaction, or raise AlreadyHandled."""
    result = await session.exec(
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id) == update_id, col(InboxUpdate.handled_at).is_(None))
        # The content (a patient's words, maybe health data) is not kept once handled.
        .values(handled_at=now, lease_until=None, outcome=outcome, payload={})
    )
    if not result.rowcount:
        raise AlreadyHandled(f"update {update_id} was already handled")


async def unhandled_count(*, session: AsyncSession) -> int:
    """How many stored updates wait to be handled (a metric)."""
    statement = select(func.count()).where(col(InboxUpdate.handled_at).is_(None))
    return int((await session.exec(statement)).one())


async def purge_handled(*, session: AsyncSession, before: datetime) -> int:
    """Delete the rows of updates handled before `before` (their ids no longer needed)."""
    result = await session.exec(delete(InboxUpdate).where(col(InboxUpdate.handled_at) < before))
    return int(result.rowcount)
