"""One user's updates in order, different users' updates at the same time, and no user's
backlog in anyone else's way."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Hashable
from dataclasses import dataclass, field

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

logger = logging.getLogger(__name__)

# PTB's own limit only bounds how many updates may wait: it is taken before an update knows
# whose turn it is, so a user's backlog would hold it. The real limit is taken after the turn.
WAITING_LIMIT = 100_000
RUNNING_LIMIT = 256


def _sender_of(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


def repeat_key(update: object) -> Hashable | None:
    """What makes `update` a repeat of one still waiting: the same button pressed on the same
    message, or the same command typed again in the same chat. None for anything that must
    never be dropped (text, photos, contacts, a command with an attachment)."""
    if not isinstance(update, Update):
        return None
    query = update.callback_query
    if query is not None and query.message is not None:
        return ("press", query.message.chat.id, query.message.message_id, query.data)
    message = update.message
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    if message.effective_attachment is not None:
        return None
    return ("command", message.chat.id, message.text)


@dataclass
class _Turns:
    """One user's queue: whose turn it is, and what waits for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0
    waiting: Counter[Hashable] = field(default_factory=Counter)
    # Presses dropped as repeats, answered once the press they repeat has been handled.
    repeats: dict[Hashable, list[CallbackQuery]] = field(default_factory=dict)


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Serves users concurrently while keeping each user's own updates strictly in order.

    ConversationHandler would need `concurrent_updates=False`, which serves every patient one
    at a time. The flows keep their state in the database instead, and this processor makes
    sure that two taps of one patient never race each other. asyncio.Lock wakes its waiters
    in the order they came, and PTB starts an update's task in the order it fetched them.

    An update takes one of the `running` places only once it is its user's turn, so a user
    with a thousand queued updates holds one place, not all of them. A press or command that
    repeats one still waiting in the same queue is dropped (its button press answered), since
    handling it twice would only show the same screen twice.
    """

    def __init__(self, running: int = RUNNING_LIMIT) -> None:
        super().__init__(WAITING_LIMIT)
        self._running = asyncio.BoundedSemaphore(running)
        self._turns: dict[int, _Turns] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Run `coroutine` once every earlier update of the same user is done."""
        sender = _sender_of(update)
        if sender is None:
            async with self._running:
                await coroutine
            return
        turns = self._turns.setdefault(sender, _Turns())
        key = repeat_key(update)
        if key is not None and turns.waiting[key] > 0:
            _drop(coroutine)
            if isinstance(update, Update) and update.callback_query is not None:
                turns.repeats.setdefault(key, []).append(update.callback_query)
            return
        turns.queued += 1
        if key is not None:
            turns.waiting[key] += 1
        try:
            async with turns.lock:
                if key is not None:
                    turns.waiting[key] -= 1
                async with self._running:
                    try:
                        await coroutine
                    finally:
                        # Still in this user's turn: a thousand repeated presses cost this
                        # user a thousand answers' time, and cost nobody else anything.
                        await _answer(turns.repeats.pop(key, []))
        finally:
            turns.queued -= 1
            if turns.queued == 0:
                # Forget idle users so the table does not grow with every patient ever seen.
                del self._turns[sender]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _drop(coroutine: Awaitable[object]) -> None:
    if asyncio.iscoroutine(coroutine):
        coroutine.close()  # never started: closing it avoids the "never awaited" warning


async def _answer(queries: list[CallbackQuery]) -> None:
    """Stop the spinner on each repeated press's button."""
    for query in queries:
        try:
            await query.answer()
        except TelegramError as error:
            logger.info("could not answer a repeated button press: %s", error.message)
