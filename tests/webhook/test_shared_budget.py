"""Telegram's limits counted across processes in PostgreSQL: two budgets (two processes'
worth: each its own engine) never exceed the overall or a chat's limit together."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from mesobot.db import Database
from mesobot.outbox.pacing import Pacer
from mesobot.outbox.shared_budget import SharedBudget

pytestmark = pytest.mark.postgres


def _most_in_any_window(instants: list[datetime], seconds: float) -> int:
    ordered = sorted(instants)
    most, start = 0, 0
    for end, instant in enumerate(ordered):
        while instant - ordered[start] >= timedelta(seconds=seconds):
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_two_processes_share_one_budget(database_url: str) -> None:
    pacer = Pacer(per_second=10, per_chat_interval=0.25, chat_burst=2)
    # As a process's pacer lets a few sends go at once, not all of them.
    databases = [Database(database_url, pool_size=3, max_overflow=0) for _ in range(2)]
    budgets = [SharedBudget(database, pacer) for database in databases]
    started = time.monotonic()
    try:
        await asyncio.gather(
            *(budgets[n % 2].take(1000 + n) for n in range(25)),
            *(budgets[n % 2].take(7) for n in range(6)),
        )
        elapsed = time.monotonic() - started
        async with databases[0].engine.connect() as connection:
            rows = (await connection.execute(text("SELECT at, chat_id FROM telegram_send"))).all()
    finally:
        for database in databases:
            await database.dispose()
    assert len(rows) == 31
    assert _most_in_any_window([at for at, _ in rows], 1.0) <= 10
    assert _most_in_any_window([at for at, chat in rows if chat == 7], 0.5) <= 2
    assert elapsed >= 2.0  # 31 sends at 10 a second, whichever process sends them
