"""Benchmark: how long one patient waits while another has a thousand updates queued.

The real `bot.py` (a process of its own, SQLite in a temporary folder) polls the Bot API
emulator, which runs in this process. Patient A queues 1,000 updates at once (texts, photos,
one button pressed again and again, /help typed again and again); once the bot has fetched
them, so that they wait in the bot's queues (the issue's case: A's backlog must not hold the
global concurrency), patient B sends /help. It prints B's delay, from B's update being queued
to the bot's reply arriving, over several rounds, and how long A's backlog took to drain. The
issue's target for B is under 100 ms.

With `--behind-in-telegram` B writes at once, behind A's updates still in Telegram's queue:
B's delay then includes fetching A's thousand first, 100 per getUpdates (Telegram's maximum),
which no handling order can avoid; the part after the bot fetched B's update is printed too.
A's replies (about one for each text and photo) keep to Telegram's one message a second per
chat after a short burst, so A's backlog drains in minutes; B's chat has its own budget.

Run from the repository root: `.venv/bin/python -m bench.user_fairness` (`--quick`: 100 queued
updates, one round).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.options import parse_arguments
from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.config import PROJECT_ROOT

TARGET_MS = 100


def _queue_backlog(patient: TelegramUser, updates: int) -> None:
    consent = patient.bot_messages[-1]
    data = consent.buttons[0]["callback_data"]
    for number in range(updates):
        kind = number % 10
        if kind < 5:
            patient.press_button(message=consent, data=data)
        elif kind < 8:
            patient.send_command("help")
        elif kind == 8:
            patient.send_text(f"message {number}")
        else:
            patient.send_photo()


async def _started(emulator: BotApiEmulator, name: str) -> TelegramUser:
    user = emulator.create_user(name)
    await user.next_bot_message(user.send_command("start"))
    return user


# Longer than the budget's one message a second into a chat: a pause between A's replies is
# not the end of them.
_QUIET = 1.5


async def _quiet(emulator: BotApiEmulator) -> None:
    """Wait until the bot has made no call for a while: it is done with what it was sent."""
    await emulator.wait_until_delivered(within=600)
    calls = -1
    while calls != len(emulator.calls):
        calls = len(emulator.calls)
        await asyncio.sleep(_QUIET)


def _delivered_at(emulator: BotApiEmulator, update_id: int) -> float:
    """When the bot fetched the update: the last getUpdates that had not confirmed it yet
    (the emulator answers at once while updates wait)."""
    polls = [call for call in emulator.calls if call.method == "getUpdates"]
    return [c for c in polls if int(c.params.get("offset", 0)) <= update_id][-1].accepted_at


async def _fetched_past(emulator: BotApiEmulator, update_id: int) -> None:
    """Wait until the bot has fetched `update_id`: a getUpdates confirms it with its offset."""

    def confirmed() -> bool:
        polls = [call for call in emulator.calls if call.method == "getUpdates"]
        return any(int(call.params.get("offset", 0)) > update_id for call in polls)

    await emulator.wait_for(confirmed, within=60)


async def _round(
    emulator: BotApiEmulator, updates: int, *, in_bot: bool
) -> tuple[float, float, float]:
    """One round: B's delay, B's delay once fetched, and A's drain time, in seconds."""
    patient_a, patient_b = await _started(emulator, "Ana"), await _started(emulator, "Bruno")
    await _quiet(emulator)  # /start sends more than one message: let it finish
    started = time.perf_counter()
    _queue_backlog(patient_a, updates)
    if in_bot:  # A's backlog is in the bot's queues, not Telegram's, when B writes
        await _fetched_past(emulator, int(emulator.world.updates.pending[-1]["update_id"]))
    sent = patient_b.send_command("help")
    queued = time.perf_counter()
    update_id = int(emulator.world.updates.pending[-1]["update_id"])
    await patient_b.next_bot_message(sent, within=60)
    answered = time.perf_counter()
    await _quiet(emulator)
    fetched = _delivered_at(emulator, update_id)
    return answered - queued, answered - fetched, time.perf_counter() - started - _QUIET


async def measure(
    database_url: str, updates: int, rounds: int, *, in_bot: bool
) -> list[tuple[float, float, float]]:
    """Run the rounds against one running bot."""
    async with BotApiEmulator() as emulator:
        environment = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "DATABASE_URL": database_url,
            "MESOBOT_STAFF_IDS": "",
        }
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "bot.py",
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await emulator.wait_for(lambda: emulator.call_counts["getUpdates"], within=60)
            results = [await _round(emulator, updates, in_bot=in_bot) for _ in range(rounds)]
        finally:
            bot.terminate()
            await bot.wait()
        if emulator.violations:
            raise SystemExit(f"violations: {emulator.violations[:3]}")
    return results


def main() -> None:
    """Parse options, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=1000, help="A's queued updates")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--behind-in-telegram",
        action="store_true",
        help="B writes at once, behind A's updates still in Telegram's queue (the fetching of "
        "A's thousand, 100 per getUpdates, then counts in B's delay)",
    )
    options = parse_arguments(parser, updates=100, rounds=1)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        results = asyncio.run(
            measure(url, options.updates, options.rounds, in_bot=not options.behind_in_telegram)
        )
    delays = [delay * 1000 for delay, _, _ in results]
    handled = [after_fetch * 1000 for _, after_fetch, _ in results]
    drains = [drain for _, _, drain in results]
    verdict = "PASS" if max(delays) < TARGET_MS else "FAIL"
    where = "Telegram's queue" if options.behind_in_telegram else "the bot (fetched)"
    print(
        f"B behind A's {options.updates} queued updates in {where}, {options.rounds} round(s): "
        f"B's reply p50 {statistics.median(delays):.0f} ms, max {max(delays):.0f} ms "
        f"(target < {TARGET_MS} ms: {verdict}); of which after the bot fetched it: p50 "
        f"{statistics.median(handled):.0f} ms, max {max(handled):.0f} ms; A's backlog drained "
        f"in {statistics.median(drains):.1f} s"
    )


if __name__ == "__main__":
    main()
