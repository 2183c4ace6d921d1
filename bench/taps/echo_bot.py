"""A bare python-telegram-bot echo bot: the yardstick for the bot's CPU per update.

Each text comes back in one sendMessage; nothing else is set up. bench/tap_latency.py runs it
as `python -m bench.taps.echo_bot` with TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL set,
polling the same emulator the bot did, with PTB's defaults as bot.py has them.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def main() -> None:
    """Poll until SIGTERM or SIGINT."""
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])


if __name__ == "__main__":
    main()
