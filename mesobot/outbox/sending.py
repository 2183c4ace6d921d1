"""What the dispatcher needs from whatever delivers messages, and the failures it understands.

The Telegram implementation lives at the edge (`mesobot.handlers.outbox`); tests may use
their own. Pacing is the sender's: the Telegram one sends through the bot's rate limiter,
whose budget direct replies share.
"""

from __future__ import annotations

from typing import Protocol

from mesobot.outbox.pacing import Precedence
from mesobot.outbox.policies import RenderedMessage


class Sender(Protocol):
    """Delivers one rendered message to one chat, or raises one of the errors below."""

    async def send(
        self, chat_id: int, message: RenderedMessage, precedence: Precedence
    ) -> int | None:
        """Send within Telegram's budget, behind the sends of a better `precedence`; returns
        Telegram's id of the posted message when the message's `call` posted one."""


class SendError(Exception):
    """A delivery that did not happen; the text is safe to log (no message content)."""


class FloodWait(SendError):
    """429: Telegram asks for `retry_after` seconds; the row is tried again after them."""

    def __init__(self, retry_after: float, *, description: str = "") -> None:
        super().__init__(description or f"flood control, retry after {retry_after}s")
        self.retry_after = retry_after


class Unreachable(SendError):
    """403: the user blocked the bot or never started it; retrying will not help."""


class TransientFailure(SendError):
    """A timeout, a network error or a 5xx: worth retrying later."""


class Rejected(SendError):
    """Telegram refused the message itself (400): retrying the same text would fail again."""
