"""Waking the dispatchers of other processes on PostgreSQL: a commit that wrote to the outbox
wakes every other process's dispatcher, and not its own a second time (its commit already did)."""

from __future__ import annotations

import asyncio

import pytest

from mesobot.db import Database
from mesobot.outbox.wakeups import CrossProcessWakeups

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_notification_wakes_the_other_processes_not_its_sender(database_url: str) -> None:
    databases = [Database(database_url, pool_size=2, max_overflow=0) for _ in range(2)]
    woken = [asyncio.Event(), asyncio.Event()]
    processes = [
        CrossProcessWakeups(database, wake.set)
        for database, wake in zip(databases, woken, strict=True)
    ]
    try:
        for process in processes:
            await process.start()
        processes[0].notify_soon()
        await asyncio.wait_for(woken[1].wait(), timeout=5)
        await asyncio.sleep(0.3)  # its own copy reached the sender's listener long before
        assert not woken[0].is_set()
        processes[1].notify_soon()  # and the sender still hears the others
        await asyncio.wait_for(woken[0].wait(), timeout=5)
    finally:
        for process in processes:
            await process.stop()
        for database in databases:
            await database.dispose()
