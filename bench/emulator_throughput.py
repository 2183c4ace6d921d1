"""Measure how many updates per second the Bot API emulator carries to a minimal echo bot."""

import argparse
import asyncio
import sys
import time
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

# Run as a script from anywhere: the emulator lives in the repository's tests package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from botapi_emulator.server import BotApiEmulator


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    assert update.effective_message
    assert update.effective_message.text
    await update.effective_message.reply_text(update.effective_message.text)


async def measure(updates: int, users: int, concurrent: int) -> float:
    """Queue `updates` messages from `users` users and time until every echo has arrived."""
    async with BotApiEmulator() as emulator:
        application = (
            ApplicationBuilder()
            .token(emulator.token)
            .base_url(emulator.base_url)
            .concurrent_updates(concurrent)
            .build()
        )
        application.add_handler(MessageHandler(filters.TEXT, echo))
        people = [emulator.create_user(f"User {n}") for n in range(users)]
        for person in people:
            person.chat.user.started_bot = True  # type: ignore[union-attr]
        async with application:
            await application.start()
            assert application.updater
            await application.updater.start_polling(poll_interval=0)
            started = time.perf_counter()
            for number in range(updates):
                people[number % users].send_text(f"message {number}")
            await emulator.wait_for(
                lambda: emulator.call_counts["sendMessage"] >= updates,
                within=600,
            )
            elapsed = time.perf_counter() - started
            await application.updater.stop()
            await application.stop()
        if emulator.violations:
            raise SystemExit(f"violations: {emulator.violations[:3]}")
        return updates / elapsed


def main() -> None:
    """Parse options, run the measurement, print the figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--concurrent", type=int, default=1, help="PTB concurrent_updates")
    options = parse_arguments(parser, updates=50, users=5)
    rate = asyncio.run(measure(options.updates, options.users, options.concurrent))
    print(
        f"{options.updates} updates, {options.users} users, concurrent_updates="
        f"{options.concurrent}: {rate:,.0f} updates/s (update in, echo sent back)"
    )


if __name__ == "__main__":
    main()
