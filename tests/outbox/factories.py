"""Builders for outbox tests: a recording sender, a dispatcher wired to it, queued texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.outbox.api import enqueue
from mesobot.outbox.dispatcher import Dispatcher
from mesobot.outbox.kinds import TEXT, default_kinds
from mesobot.outbox.models import Priority
from mesobot.outbox.pacing import Precedence
from mesobot.outbox.policies import KindRegistry, RenderedMessage
from mesobot.outbox.sending import SendError


@dataclass
class RecordingSender:
    """Records what would have gone to Telegram; `failures` makes the next sends fail."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    failures: dict[int, list[SendError]] = field(default_factory=dict)

    async def send(self, chat_id: int, message: RenderedMessage, precedence: Precedence) -> None:
        queued = self.failures.get(chat_id)
        if queued:
            raise queued.pop(0)
        self.sent.append((chat_id, message.text))

    def texts_to(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


def make_dispatcher(
    database: Database,
    clock: Clock,
    sender: RecordingSender,
    *,
    kinds: KindRegistry | None = None,
    staff_ids: Sequence[int] = (),
    max_attempts: int = 3,
) -> Dispatcher:
    return Dispatcher(
        database=database,
        clock=clock,
        sender=sender,
        kinds=kinds or default_kinds(),
        staff_ids=staff_ids,
        languages=("en",),  # the outbox tests read the texts as written
        max_attempts=max_attempts,
        first_backoff=timedelta(minutes=1),
    )


async def queue_text(
    database: Database,
    *,
    recipient: int,
    text: str,
    due_at: datetime,
    now: datetime,
    cause: str | None = None,
    kind: str = TEXT,
    key: str | None = None,
    priority: Priority = Priority.NORMAL,
) -> int:
    async with database.write() as session:
        row = await enqueue(
            session=session,
            recipient=recipient,
            kind=kind,
            payload={"text": text},
            due_at=due_at,
            idempotency_key=key or f"test:{recipient}:{text}",
            now=now,
            cause=cause,
            priority=priority,
        )
    assert row.id is not None
    return row.id
