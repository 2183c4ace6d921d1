"""Benchmark: how long a patient waits for a reply while the outbox sends a reminder wave.

The real `bot.py` (a process of its own, SQLite in a temporary folder) polls the Bot API
emulator, which runs in this process and enforces Telegram's flood limits (30 messages a
second, one a second per chat with a burst of five, 20 a minute per group), answering 429
beyond them. `--wave` messages are due at once when the bot starts; while they go out,
`--patients` patients each send /help once a second, one after the other within the second.
A reply's latency runs from its command being queued to the emulator accepting the reply.

Printed: reply latency p50, p95, p99 and max next to the issue's target (p99 under 2 s), the
replies lost, the wave's rate and the 429 answers. Replies and the wave share one budget, and
replies go first, so the wave's rate stays near 30 a second with the replies inside it.

Run from the repository root: `.venv/bin/python -m bench.reply_during_broadcast`
(`--quick`: a wave of 60 and one patient).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.options import parse_arguments
from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.config import PROJECT_ROOT
from mesobot.db import Database
from mesobot.migrate import upgrade_to_head
from mesobot.outbox.api import enqueue

TARGET_MS = 2000
RATE = 30  # Telegram's overall limit, messages a second


def _started(emulator: BotApiEmulator, name: str) -> TelegramUser:
    user = emulator.create_user(name)
    assert user.chat.user is not None
    user.chat.user.started_bot = True
    return user


async def _queue_wave(database_url: str, recipients: list[int]) -> None:
    database = Database(database_url)
    now = datetime.now(UTC)
    async with database.write() as session:
        for recipient in recipients:
            await enqueue(
                session=session,
                recipient=recipient,
                kind="text",
                payload={"text": "Your session is tomorrow at 10:00"},
                due_at=now,
                idempotency_key=f"wave:{recipient}",
                now=now,
            )
    await database.dispose()


async def _commands(patients: list[TelegramUser], seconds: float) -> dict[int, list[float]]:
    """Each patient's /help once a second for `seconds`; when each command was queued."""
    sent: dict[int, list[float]] = {patient.id: [] for patient in patients}
    step = 1.0 / len(patients)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for patient in patients:
            patient.send_command("help")
            sent[patient.id].append(time.perf_counter())
            await asyncio.sleep(step)
    return sent


def _reply_latencies(
    emulator: BotApiEmulator, sent: dict[int, list[float]]
) -> tuple[list[float], int]:
    """Each reply's latency in ms (a patient's n-th reply answers their n-th command: the bot
    handles one user's updates in order), and how many commands got none."""
    latencies: list[float] = []
    lost = 0
    for chat_id, commands in sent.items():
        replies = [
            call.accepted_at
            for call in emulator.calls
            if call.method == "sendMessage" and call.params.get("chat_id") == chat_id
        ]
        lost += max(0, len(commands) - len(replies))
        latencies += [
            (reply - command) * 1000 for command, reply in zip(commands, replies, strict=False)
        ]
    return latencies, lost


async def measure(database_url: str, wave: int, patient_count: int) -> None:
    """Run the wave and the commands against one bot, and print the figures."""
    async with BotApiEmulator() as emulator:
        emulator.enable_flood_control()
        recipients = [_started(emulator, f"W{n}") for n in range(wave)]
        patients = [_started(emulator, f"P{n}") for n in range(patient_count)]
        await _queue_wave(database_url, [user.id for user in recipients])
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
            await emulator.wait_for(lambda: emulator.call_counts["sendMessage"], within=60)
            # Commands only while the wave is surely still going out.
            sent = await _commands(patients, max(2.0, wave / RATE - 2.0))
            commands = sum(len(times) for times in sent.values())
            total = wave + commands
            await emulator.wait_for(
                lambda: emulator.call_counts["sendMessage"] >= total, within=wave / 10 + 60
            )
        finally:
            bot.terminate()
            await bot.wait()
        wave_ids = {user.id for user in recipients}
        sends = [call for call in emulator.calls if call.method == "sendMessage"]
        wave_times = [call.accepted_at for call in sends if call.params.get("chat_id") in wave_ids]
        # Everything sent while the wave went out: the wave and the replies in it.
        during = sum(1 for call in sends if min(wave_times) <= call.accepted_at <= max(wave_times))
        latencies, lost = _reply_latencies(emulator, sent)
        floods = sum(1 for violation in emulator.violations if violation.status == 429)
        others = [v for v in emulator.violations if v.status != 429]
    _print(latencies, lost, wave_times, during, floods)
    if others:
        raise SystemExit(f"violations: {others[:3]}")


def _print(
    latencies: list[float], lost: int, wave_times: list[float], during: int, floods: int
) -> None:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    p50, p95, p99 = statistics.median(latencies), cuts[94], cuts[98]
    verdict = "PASS" if p99 < TARGET_MS and not lost else "FAIL"
    span = max(wave_times) - min(wave_times)
    rate, overall = (len(wave_times) - 1) / span, (during - 1) / span
    print(
        f"{len(latencies)} replies during a {len(wave_times)}-message wave: p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {max(latencies):.0f} ms "
        f"(target p99 < {TARGET_MS} ms: {verdict})"
    )
    print(
        f"lost replies: {lost}; the wave at {rate:.1f} msg/s, with the replies "
        f"{overall:.1f} msg/s ({overall / RATE:.0%} of the limit); 429 answers: {floods}"
    )


def main() -> None:
    """Parse options, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wave", type=int, default=900, help="messages due at once")
    parser.add_argument("--patients", type=int, default=4, help="each sends /help every second")
    options = parse_arguments(parser, wave=60, patients=1)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade_to_head(url)
        asyncio.run(measure(url, options.wave, options.patients))


if __name__ == "__main__":
    main()
