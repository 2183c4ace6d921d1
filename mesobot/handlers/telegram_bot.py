"""The bot object: PTB's ExtBot, plus a send whose answer the bot never reads.

PTB parses every message Telegram sends back into a `Message`, buttons and all. The booking
flow's screens are sent and never looked at again, and parsing the copy of a month's calendar
cost about as much CPU as the rest of the send (issue 13).
"""

from __future__ import annotations

from telegram.ext import ExtBot

from mesobot.handlers.markup import Markup
from mesobot.outbox.pacing import Precedence


class MesobotBot(ExtBot[Precedence]):
    """ExtBot with `send_screen`; everything else is PTB's."""

    async def send_screen(self, chat_id: int, text: str, markup: Markup | None) -> None:
        """sendMessage (HTML, as every message of the bot), without reading the answer's copy
        of the message: it goes through the same rate limiter, errors and retries."""
        await self._post(
            "sendMessage",
            {"chat_id": chat_id, "text": text, "parse_mode": "HTML", "reply_markup": markup},
        )
