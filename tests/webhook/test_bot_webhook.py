"""`python bot.py --webhook` as operators run it: settings checked, migrated, the webhook
registered, an update answered, and SIGTERM ends it cleanly within 10 s."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from botapi_emulator.server import BotApiEmulator
from mesobot.config import PROJECT_ROOT
from tests.webhook.harness import PATH, SECRET, free_port

pytestmark = pytest.mark.slow


async def _status(url: str) -> int | None:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status
    except aiohttp.ClientError:
        return None


async def test_bot_py_webhook_serves_and_stops_on_sigterm(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MESOBOT_"))}
    environment = {
        **clean,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "MESOBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}{PATH}",
        "MESOBOT_WEBHOOK_SECRET": SECRET,
        "MESOBOT_LISTEN": f"127.0.0.1:{port}",
    }
    log = tmp_path / "bot.log"
    with log.open("wb") as output:
        bot = subprocess.Popen(  # noqa: ASYNC220 (starting it takes no time)
            [sys.executable, str(PROJECT_ROOT / "bot.py"), "--webhook"],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        await emulator.wait_for(lambda: emulator.world.updates.webhook_url, within=60)
        assert emulator.world.updates.webhook_secret == SECRET
        assert await _status(f"http://127.0.0.1:{port}/readyz") == 200
        patient = emulator.create_user("Ana")
        patient.send_command("/help")
        await emulator.wait_for(lambda: patient.bot_messages, within=20)
        started = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(bot.wait, 15)
        stopped_in = time.monotonic() - started
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    assert code == 0, log.read_text()
    assert stopped_in < 10
    assert "What I can do" in patient.bot_messages[0].text
