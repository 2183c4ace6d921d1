"""Telegram's limits shared by every process on one PostgreSQL (webhook mode).

Each process's `Pacer` orders its own sends; before a message leaves, it also takes a slot
here: under a transaction-level advisory lock, the sends of every process in the last window
(`telegram_send`) are counted against the overall rate (30 a second), the chat's against its
burst and average (one a second after a burst of five) and a group's against 20 a minute. A
send that would break one waits as long as the oldest counted send says, then tries again.
The database's clock (`clock_timestamp()`) is the one clock, so processes' clocks may differ.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

from sqlalchemy import text

from mesobot.db import Database
from mesobot.outbox.pacing import Pacer

logger = logging.getLogger(__name__)

BUDGET_LOCK_KEY = 0x74676273  # "tgbs": different from the dispatcher's and the migration's
_KEEP = 61.0  # seconds: longer than any window counted (a group's minute)
_PRUNE_EVERY = 200

_LOOK = text(
    """
    SELECT
        count(*) FILTER (WHERE at > now_ - make_interval(secs => :window)),
        min(at) FILTER (WHERE at > now_ - make_interval(secs => :window)),
        count(*) FILTER (WHERE chat_id = :chat AND at > now_ - make_interval(secs => :span)),
        min(at) FILTER (WHERE chat_id = :chat AND at > now_ - make_interval(secs => :span)),
        now_
    FROM (SELECT clock_timestamp() AS now_) AS clock
    LEFT JOIN telegram_send ON at > now_ - make_interval(secs => :keep)
    GROUP BY now_
    """
)


class SharedBudget:
    """Slots of Telegram's limits counted across processes in PostgreSQL."""

    def __init__(self, database: Database, pacer: Pacer) -> None:
        self.database = database
        self.per_window = pacer.per_window
        self.window = pacer.window
        self.per_chat_interval = pacer.per_chat_interval
        self.chat_burst = pacer.chat_burst
        self.group_limit = pacer.group_limit
        self.group_window = pacer.group_window
        self._takes = itertools.count(1)

    async def take(self, chat_id: int | None) -> None:
        """Wait until every process's sends leave room for one more (to `chat_id`), and
        count it."""
        while (wait := await self._try(chat_id)) > 0:  # noqa: ASYNC110 (another process frees it)
            await asyncio.sleep(wait)

    def _chat_limits(self, chat_id: int | None) -> tuple[int, float]:
        if chat_id is not None and chat_id < 0:
            return self.group_limit, self.group_window
        return self.chat_burst, self.per_chat_interval * self.chat_burst

    async def _try(self, chat_id: int | None) -> float:
        chat_limit, span = self._chat_limits(chat_id)
        async with self.database.engine.connect() as connection:
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUDGET_LOCK_KEY}
            )
            parameters = {"window": self.window, "chat": chat_id, "span": span, "keep": _KEEP}
            counted, oldest, in_chat, oldest_in_chat, now = (
                await connection.execute(_LOOK, parameters)
            ).one()
            wait = 0.0
            if counted >= self.per_window and oldest is not None:
                wait = (oldest - now).total_seconds() + self.window
            if chat_id is not None and in_chat >= chat_limit and oldest_in_chat is not None:
                wait = max(wait, (oldest_in_chat - now).total_seconds() + span)
            if wait > 0:
                await connection.rollback()
                return wait
            await connection.execute(
                text("INSERT INTO telegram_send (at, chat_id) VALUES (clock_timestamp(), :chat)"),
                {"chat": chat_id},
            )
            if next(self._takes) % _PRUNE_EVERY == 0:
                await connection.execute(
                    text("DELETE FROM telegram_send WHERE at < now() - make_interval(secs => :k)"),
                    {"k": _KEEP},
                )
            await connection.commit()
        return 0.0
