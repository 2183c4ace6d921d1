"""Real dispatcher processes against the emulator: SIGKILL mid-send, and two on one database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.config import PROJECT_ROOT
from mesobot.db import Database
from mesobot.outbox.api import enqueue
from mesobot.outbox.claims import BATCH_CAP
from tests.databases import PostgresDatabases

pytestmark = pytest.mark.slow


@asynccontextmanager
async def dispatcher_process(
    emulator: BotApiEmulator, database_url: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python bot.py --dispatcher-only` against the emulator; killed if still running."""
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": emulator.token,
        "TELEGRAM_API_BASE_URL": emulator.base_url,
        "DATABASE_URL": database_url,
        "MESOBOT_STAFF_IDS": "",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "bot.py",
        "--dispatcher-only",
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def _queue_one_each(database_url: str, users: list[TelegramUser]) -> None:
    database = Database(database_url)
    now = datetime.now(UTC)
    try:
        async with database.write() as session:
            for user in users:
                await enqueue(
                    session=session,
                    recipient=user.id,
                    kind="text",
                    payload={"text": f"message for {user.id}"},
                    due_at=now,
                    idempotency_key=f"crash:{user.id}",
                    now=now,
                )
    finally:
        await database.dispose()


def _started_users(emulator: BotApiEmulator, count: int) -> list[TelegramUser]:
    users = [emulator.create_user(f"Patient {n}") for n in range(count)]
    for user in users:
        assert user.chat.user is not None
        user.chat.user.started_bot = True
    return users


def _deliveries(users: list[TelegramUser]) -> Callable[[], list[int]]:
    return lambda: [len(user.bot_messages) for user in users]


async def test_a_killed_dispatcher_loses_nothing_and_repeats_at_most_one_batch(
    emulator: BotApiEmulator, database_url: str
) -> None:
    """SIGKILL while sending 500 due messages, then a restart: all arrive, few twice."""
    users = _started_users(emulator, 500)
    await _queue_one_each(database_url, users)
    counts = _deliveries(users)
    async with dispatcher_process(emulator, database_url) as first:
        await emulator.wait_for(lambda: sum(counts()) >= 100, within=60)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    async with dispatcher_process(emulator, database_url):
        await emulator.wait_for(lambda: min(counts()) >= 1, within=120)
    duplicates = sum(counts()) - len(users)
    assert 0 <= duplicates <= BATCH_CAP


@pytest.fixture
def postgres_database_url(
    postgres_databases: PostgresDatabases, migrated_postgres_template: str
) -> str:
    """A fresh PostgreSQL database at the schema's head (PostgreSQL only, not per backend:
    the advisory lock is PostgreSQL's; SQLite runs one dispatcher per host)."""
    name = postgres_databases.create(template=migrated_postgres_template)
    return postgres_databases.url_of(name)


@pytest.mark.postgres
async def test_two_dispatchers_on_postgres_send_each_once_and_survive_a_kill(
    emulator: BotApiEmulator, postgres_database_url: str
) -> None:
    """2,000 due messages, two processes: one sends while the other stands by; killing the
    active one lets the other finish. Only the active one's rows in flight can go twice."""
    database_url = postgres_database_url
    users = _started_users(emulator, 2000)
    await _queue_one_each(database_url, users)
    counts = _deliveries(users)
    async with (
        dispatcher_process(emulator, database_url) as first,
        dispatcher_process(emulator, database_url) as second,
    ):
        await emulator.wait_for(lambda: sum(counts()) >= 600, within=120)
        before_kill = counts()
        assert max(before_kill) == 1  # one active dispatcher: nothing sent twice so far
        # Whichever holds the lock, killing one at a time ends with everything delivered.
        first.send_signal(signal.SIGKILL)
        await first.wait()
        await emulator.wait_for(lambda: min(counts()) >= 1, within=180)
        assert second.returncode is None
    duplicates = sum(counts()) - len(users)
    assert 0 <= duplicates <= BATCH_CAP
