"""Direct replies Telegram did not take: the outbox sends them later instead of losing them.

The bot's rate limiter (`mesobot.handlers.budget`) hands over a reply that still failed after
its retries; it is queued here with its text and buttons as rendered, first in line.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.outbox.enqueue import enqueue
from mesobot.outbox.kinds import render_text
from mesobot.outbox.models import Priority
from mesobot.outbox.policies import (
    Button,
    KindRegistry,
    LateAction,
    LatePolicy,
    RenderedMessage,
    RenderRequest,
)
from mesobot.screens import InlineRows

REPLY = "outbox.reply"


async def queue_reply(
    *, session: AsyncSession, chat_id: int, text: str, buttons: InlineRows, now: datetime
) -> None:
    """Queue a reply (HTML text, inline buttons) to go before the outbox's backlog."""
    await enqueue(
        session=session,
        recipient=chat_id,
        kind=REPLY,
        # The reply as it was rendered: its screen cannot be rendered again from ids.
        payload={
            "text": text,
            "buttons": [[[b.label, b.callback_data] for b in row] for row in buttons],
        },
        due_at=now,
        idempotency_key=f"reply:{chat_id}:{uuid.uuid4().hex}",
        now=now,
        cause=f"reply:{chat_id}",
        priority=Priority.REPLY,
    )


async def render_reply(request: RenderRequest) -> RenderedMessage:
    """The reply as it was, said to be late when it is (its buttons check their own age)."""
    rows = request.message.payload.get("buttons") or []
    buttons = tuple(tuple(Button(str(label), str(data)) for label, data in row) for row in rows)
    return dataclasses.replace(await render_text(request), buttons=buttons)


def register_reply_kind(kinds: KindRegistry) -> None:
    """Let the outbox send handed-over replies."""
    kinds.register(
        REPLY, render=render_reply, late_policy=LatePolicy(action=LateAction.SEND_WITH_LATENESS)
    )
