"""One user's updates in order, different users' updates at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def _sender_of(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Serves users concurrently while keeping each user's own updates strictly in order.

    ConversationHandler would need `concurrent_updates=False`, which serves every patient one
    at a time. The flows keep their state in the database instead, and this processor makes
    sure that two taps of one patient never race each other. asyncio.Lock wakes its waiters
    in the order they came, and PTB starts an update's task in the order it fetched them.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Run `coroutine` once every earlier update of the same user is done."""
        sender = _sender_of(update)
        if sender is None:
            await coroutine
            return
        lock = self._locks.setdefault(sender, asyncio.Lock())
        self._queued[sender] = self._queued.get(sender, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[sender] -= 1
            if self._queued[sender] == 0:
                # Forget idle users so the table does not grow with every patient ever seen.
                del self._queued[sender], self._locks[sender]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
