"""Measure the dispatcher's send rate against the emulator enforcing Telegram's flood limits.

Two runs: N messages due at once to N chats (target: at least 95% of 30/s, no 429), and M
messages to one chat (target: one a second, no 429). Prints the figures.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from botapi_emulator.faults import FloodLimits
from botapi_emulator.server import BotApiEmulator
from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.migrate import upgrade_to_head
from mesobot.outbox.api import enqueue
from mesobot.outbox.dispatcher import Dispatcher
from mesobot.outbox.kinds import default_kinds
from mesobot.outbox.pacing import Precedence
from mesobot.outbox.policies import RenderedMessage
from mesobot.outbox.sending import FloodWait


class EmulatorSender:
    """Sends through PTB's bot with the project's budget as its rate limiter, as mesobot.app
    builds it; 429s are counted and passed on as flood waits."""

    def __init__(self, bot: object) -> None:
        from telegram.ext import ExtBot

        assert isinstance(bot, ExtBot)
        self.bot = bot
        self.floods = 0

    async def send(self, chat_id: int, message: RenderedMessage, precedence: Precedence) -> None:
        from telegram.error import RetryAfter

        try:
            await self.bot.send_message(chat_id, message.text, rate_limit_args=precedence)
        except RetryAfter:
            self.floods += 1
            raise FloodWait(1) from None


async def _queue_text(
    session: AsyncSession, recipient: int, text: str, key: str, now: datetime
) -> None:
    """The one call into the outbox's enqueue API (due at once), alone for an API change."""
    await enqueue(
        session=session,
        recipient=recipient,
        kind="text",
        payload={"text": text},
        due_at=now,
        idempotency_key=key,
        now=now,
    )


async def run(chats: int, per_chat: int, database_url: str) -> None:
    from telegram.ext import ExtBot
    from telegram.request import HTTPXRequest

    from mesobot.handlers.budget import TelegramBudget

    async with BotApiEmulator() as emulator:
        emulator.enable_flood_control(FloodLimits(overall=30, per_chat=1, window=1.0))
        users = [emulator.create_user(f"P{n}") for n in range(chats)]
        for user in users:
            assert user.chat.user is not None
            user.chat.user.started_bot = True
        database = Database(database_url)
        now = datetime.now(UTC)
        async with database.write() as session:
            for user in users:
                for number in range(per_chat):
                    await _queue_text(
                        session, user.id, f"m{number}", f"bench:{user.id}:{number}", now
                    )
        # As ApplicationBuilder does: a plain Bot's pool of one connection serialises sends.
        budget = TelegramBudget()
        bot: ExtBot[Precedence] = ExtBot(
            emulator.token,
            base_url=emulator.base_url,
            request=HTTPXRequest(connection_pool_size=64),
            rate_limiter=budget,
        )
        async with bot:
            sender = EmulatorSender(bot)
            dispatcher = Dispatcher(
                database=database,
                clock=Clock(),
                sender=sender,
                kinds=default_kinds(),
                staff_ids=[],
                languages=("en",),
                pacer=budget.pacer,
            )
            total = chats * per_chat

            async def keep_draining() -> None:
                while True:
                    await dispatcher.drain()
                    await asyncio.sleep(0.05)

            started = time.perf_counter()
            draining = asyncio.create_task(keep_draining())
            # Timed to the last message accepted, not to the dispatcher's next idle moment.
            await emulator.wait_for(
                lambda: emulator.call_counts["sendMessage"] >= total, within=total * 2 + 30
            )
            elapsed = time.perf_counter() - started
            draining.cancel()
            await dispatcher.stop()
        await database.dispose()
        violations = [v for v in emulator.violations if v.status == 429]
        rate = total / elapsed
        print(
            f"{total} messages to {chats} chat(s): {elapsed:.1f} s, {rate:.2f} msg/s "
            f"({rate / (30 if chats > 1 else 1):.1%} of the limit), "
            f"429 answers: {len(violations)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--one-chat", type=int, default=100)
    arguments = parse_arguments(parser, chats=5, one_chat=2)
    with tempfile.TemporaryDirectory() as folder:
        for chats, per_chat in ((arguments.chats, 1), (1, arguments.one_chat)):
            url = f"sqlite:///{folder}/bench-{chats}.sqlite3"
            upgrade_to_head(url)
            asyncio.run(run(chats, per_chat, url))


if __name__ == "__main__":
    main()
