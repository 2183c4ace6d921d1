"""Bot API calls a handler made in webhook mode, queued in its update's unit of work.

The bot's rate limiter (`mesobot.handlers.budget`) turns every chat-changing call of a handler
(a message with any markup, an edit, an answer to a button press, a document, a photo, a
deletion) into a row of this kind, in the handler's own transaction: the call is made once
that transaction commits, and not at all if it does not. The row holds the call as made
(endpoint and parameters), first in line; once sent, its content is emptied, and the id
Telegram gave the message it posted is kept (`sent_as`), so that a reply to it can be matched.

A chat's calls are made in the order they were queued: the dispatcher claims one row per
chat at a time, earliest first.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.outbox.enqueue import enqueue
from mesobot.outbox.models import OutboxMessage, Priority
from mesobot.outbox.policies import (
    ApiCall,
    KindRegistry,
    LateAction,
    LatePolicy,
    RenderedMessage,
    RenderRequest,
)

CALL = "outbox.call"


async def queue_call(
    *,
    session: AsyncSession,
    chat_id: int,
    endpoint: str,
    parameters: Mapping[str, Any],
    now: datetime,
) -> int:
    """Queue the call in the caller's transaction; returns its row's id."""
    queued = await enqueue(
        session=session,
        recipient=chat_id,
        kind=CALL,
        payload={"endpoint": endpoint, "parameters": dict(parameters)},
        due_at=now,
        idempotency_key=f"call:{chat_id}:{uuid.uuid4().hex}",
        now=now,
        cause=f"reply:{chat_id}",
        priority=Priority.REPLY,
    )
    return queued.id


async def sent_as(*, session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    """The queued call that posted Telegram's message `message_id` in `chat_id`, if any."""
    statement = select(OutboxMessage.id).where(
        col(OutboxMessage.recipient) == chat_id,
        col(OutboxMessage.sent_message_id) == message_id,
    )
    return (await session.exec(statement)).first()


async def render_call(request: RenderRequest) -> RenderedMessage:
    """The call as it was made; a late one still goes (the user is waiting for it)."""
    payload = request.message.payload
    return RenderedMessage("", call=ApiCall(str(payload["endpoint"]), payload["parameters"]))


def register_call_kind(kinds: KindRegistry) -> None:
    """Let the outbox make queued calls."""
    kinds.register(CALL, render=render_call, late_policy=LatePolicy(action=LateAction.SEND))
