"""SIGTERM: bot.py finishes the update it is handling, then exits within 10 seconds.

The real program (`python bot.py`) polls the emulator with JSON logs; the reply to /start is
held by the emulator for a few seconds, so that SIGTERM arrives while the update is in flight.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest

from botapi_emulator.driver import TelegramUser
from botapi_emulator.faults import Fault
from botapi_emulator.server import BotApiEmulator
from mesobot.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

HELD_SECONDS = 3.0
STOP_WITHIN = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _lines_until(stream: asyncio.StreamReader, fragment: str, within: float) -> list[str]:
    """Lines from `stream` up to and including the first that contains `fragment`."""
    lines: list[str] = []
    async with asyncio.timeout(within):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"the bot ended before logging {fragment!r}:\n{lines}")
            lines.append(line)
            if fragment in line:
                return lines


async def _stopped_while_held(
    emulator: BotApiEmulator, tmp_path: Path, held_seconds: float
) -> tuple[int, float, list[str]]:
    """Start bot.py, hold its reply to /start for `held_seconds`, send SIGTERM meanwhile:
    the exit code, the seconds from the signal to the exit, and every log line."""
    anna = emulator.create_user("Anna")
    listen = f"127.0.0.1:{_free_port()}"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MESOBOT_"))},
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "TELEGRAM_API_BASE_FILE_URL": emulator.base_file_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "MESOBOT_LOG_FORMAT": "json",
        # Polling serves the calendar feeds too when both are set.
        "MESOBOT_PUBLIC_URL": f"http://{listen}",
        "MESOBOT_LISTEN": listen,
    }
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        str(PROJECT_ROOT / "bot.py"),
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert bot.stderr is not None
    try:
        lines = await _lines_until(bot.stderr, "mesobot started", within=60)
        async with httpx.AsyncClient(base_url=f"http://{listen}") as http:
            unknown = await http.get(f"/feeds/{'A' * 43}.ics")
        assert unknown.status_code == 404  # served, and a made-up secret opens nothing
        held = Fault("sendMessage", 1, anna.id, delay=held_seconds)
        emulator.faults.add(held)
        anna.send_command("start")
        async with asyncio.timeout(15):
            # Until the reply has reached the emulator, which holds it (no event to await).
            while held.times:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        bot.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        rest = (await asyncio.wait_for(bot.stderr.read(), STOP_WITHIN)).decode()
        code = await asyncio.wait_for(bot.wait(), STOP_WITHIN)
        stopped_after = time.monotonic() - signalled
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
    return code, stopped_after, [*lines, *rest.splitlines()]


async def test_sigterm_finishes_the_update_in_flight_and_exits_in_time(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    code, stopped_after, lines = await _stopped_while_held(emulator, tmp_path, HELD_SECONDS)
    assert code == 0, lines
    assert stopped_after < STOP_WITHIN
    # The update in flight was finished: its reply was sent, after the signal.
    assert stopped_after >= HELD_SECONDS - 1
    [anna] = [user for user in emulator.world.users.values() if user.first_name == "Anna"]
    reply = await TelegramUser(emulator.world, anna).next_bot_message(within=1)
    assert reply.text is not None
    assert "Hello, Anna!" in reply.text
    # One JSON object per line, from start to stop, and nothing from the chat in them.
    events = [json.loads(line) for line in lines if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(events[0])
    assert all(isinstance(event, dict) and "message" in event for event in events)
    assert emulator.token not in "".join(lines)


STUCK = """
import asyncio, os, signal
from mesobot.app import stop_on_signals

async def main():
    stop_on_signals(lambda: None, deadline=1.0)  # a stop that never completes
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_a_stop_that_does_not_complete_ends_the_process_at_the_deadline() -> None:
    """Whatever hangs (a handler, the database), SIGTERM's deadline ends the process."""
    started = time.monotonic()
    stuck = await asyncio.create_subprocess_exec(
        sys.executable, "-c", STUCK, cwd=PROJECT_ROOT, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await asyncio.wait_for(stuck.communicate(), STOP_WITHIN)
    assert stuck.returncode == 1, err
    assert time.monotonic() - started < STOP_WITHIN
