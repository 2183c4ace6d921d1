"""Every Bot API call passes here (PTB's rate limiter): one budget and one order for all sends.

Handlers' direct replies and the outbox's sends take their slot from the same `Pacer`
(`mesobot.outbox.pacing`). The outbox says what it sends with `rate_limit_args` (an alert or
bulk, as a `Precedence`); a call without it is a direct reply. A 429 is never the end of a
send: a direct call waits it out and tries again; the outbox's own send is handed back to the
dispatcher, which keeps the row and tries again after the wait. A direct reply that still
fails (429s past the retries, a timeout, a network error or a 5xx) is handed to the outbox,
so that it is sent later instead of lost.

In webhook mode, a handler's call made inside its update's unit of work (`mesobot.db`,
`mesobot.handlers.inbox`) is not made at all when it changes a chat (`queue_call`: a message
with any markup, an edit, an answer to a button press, a document, a photo, a deletion, a
command menu): it becomes an outbox row in that unit's transaction
(`mesobot.handlers.queued_calls`), made by the one dispatcher leader within the shared budget
once the transaction commits, in the order the handler made the calls. The handler gets a
stand-in for what Telegram would have returned. Reads (`get...`), the typing indicator, and
every call made outside a unit of work (polling mode, the job queue) are made as they come.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from mesobot.db import update_transaction_open
from mesobot.handlers.queued_calls import QueueCall, Result, is_queued
from mesobot.metrics import count_telegram_error
from mesobot.outbox.pacing import Pacer, Precedence
from mesobot.outbox.shared_budget import SharedBudget

logger = logging.getLogger(__name__)

# Methods that put a new message into a chat: what Telegram's flood limits count.
_COPYING = {"forwardMessage", "forwardMessages", "copyMessage", "copyMessages"}

# Queues an undelivered direct call in the outbox; returns whether it did (False: a call not
# worth making late, such as the answer to a button press).
HandOver = Callable[[str, dict[str, Any]], Awaitable[bool]]


class ReplyHandedOver(TelegramError):
    """A direct reply Telegram did not take is queued in the outbox, which will send it."""


def counts_as_message(endpoint: str) -> bool:
    """Whether Telegram's flood limits count a call of `endpoint` (it posts a message)."""
    sends = endpoint.startswith("send") and endpoint != "sendChatAction"
    return sends or endpoint in _COPYING


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds."""
    with warnings.catch_warnings():  # PTB warns while `retry_after` may still be an int
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramBudget(BaseRateLimiter[Precedence]):
    """The bot's rate limiter: messages and edits take a slot of `pacer`, best first.

    Other calls (answering a button press, reading a file, leaving a chat) are not messages:
    they take no slot, so a broadcast never starves them, and a 429 on them is waited out.
    """

    def __init__(self, pacer: Pacer | None = None, *, direct_retries: int = 3) -> None:
        self.pacer = pacer or Pacer()
        self.direct_retries = direct_retries
        # Set once the database is there (the outbox's start): where undelivered replies go.
        self.hand_over: HandOver | None = None
        # Webhook mode: a handler's chat-changing calls go to the outbox instead of Telegram.
        self.queue_call: QueueCall | None = None
        # Webhook mode on PostgreSQL: the limits counted across every process as well.
        self.shared: SharedBudget | None = None

    async def initialize(self) -> None:
        """Nothing to set up: the pacer starts its work with the first wait."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Precedence | None,
    ) -> Result:
        """Send within the budget; retry 429s of direct calls; hand failed replies over."""
        if (
            rate_limit_args is None
            and self.queue_call is not None
            and update_transaction_open()
            and is_queued(endpoint)
        ):
            return await self.queue_call(endpoint, data)
        try:
            return await self._process(callback, args, kwargs, endpoint, data, rate_limit_args)
        except TelegramError as error:
            # A direct call's 429s are counted as they come (in _with_retries).
            cause = error.__cause__ if isinstance(error, ReplyHandedOver) else error
            if cause is not None and not (isinstance(cause, RetryAfter) and not rate_limit_args):
                count_telegram_error(cause)
            raise

    async def _process(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Precedence | None,
    ) -> Result:
        chat_id = _chat_id(data)
        # Messages and edits take a slot; an edit counts only against the overall rate.
        message = counts_as_message(endpoint)
        paced = message or endpoint.startswith("edit")

        async def attempt(precedence: Precedence) -> Result:
            if not paced:
                return await callback(*args, **kwargs)
            try:
                async with self.pacer.slot(chat_id, precedence, message=message):
                    if self.shared is not None:  # an edit counts only against the overall rate
                        await self.shared.take(chat_id if message else None)
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                # Every later send to this chat (or, by the pattern, the bot) waits it out.
                if chat_id is not None:
                    self.pacer.flood_wait(chat_id=chat_id, retry_after=retry_after_seconds(error))
                raise

        if rate_limit_args is not None:
            return await attempt(rate_limit_args)  # the outbox's: its failures are its own
        try:
            return await self._with_retries(
                attempt, endpoint, waits_in_slot=paced and chat_id is not None
            )
        except (RetryAfter, NetworkError) as error:
            if isinstance(error, BadRequest) or self.hand_over is None:
                raise
            if not await self._handed_over(endpoint, data):
                raise
            raise ReplyHandedOver(f"{endpoint} to chat {chat_id} queued in the outbox") from error

    async def _with_retries(
        self,
        attempt: Callable[[Precedence], Awaitable[Result]],
        endpoint: str,
        *,
        waits_in_slot: bool,
    ) -> Result:
        for retry in range(self.direct_retries + 1):
            try:
                return await attempt(Precedence.REPLY)
            except RetryAfter as error:
                count_telegram_error(error)
                if retry == self.direct_retries:
                    raise
                seconds = retry_after_seconds(error)
                logger.info("%s: 429, retrying in %.0f s", endpoint, seconds)
                if not waits_in_slot:  # a chat's slot waits out its 429 by itself
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover

    async def queue_behind(self, endpoint: str, data: dict[str, Any]) -> bool:
        """Queue a direct call in the outbox without trying Telegram, because it follows one
        that was just handed over and must not overtake it; False when it cannot be queued."""
        return self.hand_over is not None and await self._handed_over(endpoint, data)

    async def _handed_over(self, endpoint: str, data: dict[str, Any]) -> bool:
        assert self.hand_over is not None
        try:
            return await self.hand_over(endpoint, data)
        except Exception:
            logger.exception("Could not queue an undelivered %s in the outbox", endpoint)
            return False


def _chat_id(data: dict[str, Any]) -> int | None:
    # "@username" names a channel or supergroup the project never writes to: no chat limit.
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None
