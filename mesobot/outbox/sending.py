"""What the dispatcher needs from whatever delivers messages, and the failures it understands.

The Telegram implementation lives at the edge (`mesobot.handlers.outbox`); tests may use
their own.
"""

from __future__ import annotations

from typing import Protocol

from mesobot.outbox.policies import RenderedMessage


class Sender(Protocol):
    """Delivers one rendered message to one chat, or raises one of the errors below."""

    async def send(self, chat_id: int, message: RenderedMessage) -> None: ...


class SendError(Exception):
    """A delivery that did not happen; the text is safe to log (no message content)."""


class FloodWait(SendError):
    """429: wait `retry_after` seconds, for this chat only or for every chat."""

    def __init__(self, retry_after: float, *, whole_bot: bool, description: str = "") -> None:
        super().__init__(description or f"flood control, retry after {retry_after}s")
        self.retry_after = retry_after
        self.whole_bot = whole_bot


class Unreachable(SendError):
    """403: the user blocked the bot or never started it; retrying will not help."""


class TransientFailure(SendError):
    """A timeout, a network error or a 5xx: worth retrying later."""


class Rejected(SendError):
    """Telegram refused the message itself (400): retrying the same text would fail again."""
