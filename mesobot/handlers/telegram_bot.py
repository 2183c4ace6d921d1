"""The bot object: PTB's ExtBot, plus the flow's way of sending its screens.

PTB parses every message Telegram sends back into a `Message`, buttons and all. The booking
flow's screens are sent and never looked at again, and parsing the copy of a month's calendar
cost about as much CPU as the rest of the send (issue 13).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram.error import TelegramError
from telegram.ext import ExtBot

from mesobot.handlers.budget import ReplyHandedOver, TelegramBudget
from mesobot.handlers.markup import Markup
from mesobot.outbox.pacing import Precedence

# A screen as sent: its HTML text and its markup, PTB's or already the JSON Telegram reads
# (`markup.screen_markup`).
ScreenMessage = tuple[str, Markup | str | None]


class MesobotBot(ExtBot[Precedence]):
    """ExtBot with `send_screens`; everything else is PTB's."""

    async def send_screens(self, chat_id: int, screens: Sequence[ScreenMessage]) -> None:
        """Each screen as a message of its own (sendMessage, HTML), through the same rate
        limiter, errors and retries as any call, without reading Telegram's copy of it back.

        When one does not go and the budget hands it to the outbox (`ReplyHandedOver`), the
        screens after it are queued behind it rather than sent, so that the patient gets them
        all, in order, and the handler goes on.
        """
        handed_over = False
        for text, markup in screens:
            data = {"chat_id": chat_id, "text": text, "parse_mode": "HTML", "reply_markup": markup}
            if handed_over:
                if not await self._budget().queue_behind("sendMessage", data):
                    raise TelegramError(f"a screen for chat {chat_id} could not be queued")
                continue
            try:
                await self._post("sendMessage", data)
            except ReplyHandedOver:
                handed_over = True

    def _budget(self) -> TelegramBudget:
        budget = self.rate_limiter
        assert isinstance(budget, TelegramBudget), "build the bot with mesobot.app"
        return budget
