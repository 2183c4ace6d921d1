"""Erasing a person from the outbox: their chat's rows, and what was queued about them.

Used by a patient's erasure (mesobot.privacy.erasure), in its transaction. Rows are deleted,
not cancelled: an unsent message's payload may hold its text (a handed-over reply), and a
sent one's recipient is the Telegram id that erasure must not keep.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.outbox.enqueue import mark_outbox_written
from mesobot.outbox.kinds import MESSAGE_FAILED, RECIPIENT_UNREACHABLE
from mesobot.outbox.models import OutboxMessage, OutboxRecipient
from mesobot.outbox.queued import PENDING_STATES

# Staff notices whose payload names a chat by its id ("chat 123 blocked the bot").
_ABOUT_A_CHAT = (MESSAGE_FAILED, RECIPIENT_UNREACHABLE)


async def forget_chat(*, session: AsyncSession, chat_id: int) -> int:
    """Delete every message to `chat_id` (sent or not), the staff notices naming it, and its
    unreachable mark; returns how many messages went.

    A message the dispatcher has already claimed goes with the rest: its send may still
    happen, but its row, and so the chat id, is no longer kept.
    """
    notices = await session.exec(
        select(OutboxMessage.id, OutboxMessage.payload).where(
            col(OutboxMessage.kind).in_(_ABOUT_A_CHAT)
        )
    )
    naming = [row_id for row_id, payload in notices.all() if payload.get("chat_id") == chat_id]
    deleted = await session.exec(
        delete(OutboxMessage)
        .where((col(OutboxMessage.recipient) == chat_id) | col(OutboxMessage.id).in_(naming))
        .execution_options(synchronize_session=False)
    )
    await session.exec(
        delete(OutboxRecipient)
        .where(col(OutboxRecipient.chat_id) == chat_id)
        .execution_options(synchronize_session=False)
    )
    mark_outbox_written(session)
    return int(deleted.rowcount)


async def forget_causes(*, session: AsyncSession, causes: Collection[str], sent_too: bool) -> int:
    """Delete the unsent messages of `causes` (and the sent ones as well if `sent_too`);
    returns how many went. Unsent ones would be rendered from what erasure deletes."""
    if not causes:
        return 0
    where: ColumnElement[bool] = col(OutboxMessage.cause).in_(sorted(causes))
    if not sent_too:
        where = and_(where, col(OutboxMessage.state).in_(sorted(PENDING_STATES)))
    deleted = await session.exec(
        delete(OutboxMessage).where(where).execution_options(synchronize_session=False)
    )
    mark_outbox_written(session)
    return int(deleted.rowcount)
