"""Three receiver processes and a dispatcher on one PostgreSQL, behind a round-robin proxy:
2,000 updates from 100 users, some delivered twice, one receiver killed mid-run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import col, select

from botapi_emulator.server import BotApiEmulator
from mesobot.db import Database
from mesobot.inbox.models import InboxUpdate
from tests.webhook.processes import Fleet

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

USERS = 100
PER_USER = 20


async def _inbox(database_url: str) -> list[InboxUpdate]:
    database = Database(database_url)
    try:
        async with database.read() as session:
            statement = select(InboxUpdate).order_by(col(InboxUpdate.update_id))
            return list((await session.exec(statement)).all())
    finally:
        await database.dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_each_update_is_handled_once_in_each_users_order_though_a_receiver_dies(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    """Every update answered exactly once, each user's in update_id order, none lost."""
    fleet = Fleet(emulator=emulator, database_url=database_url, logs=tmp_path)
    users = [emulator.create_user(f"P{n}") for n in range(USERS)]
    updates = emulator.world.updates

    def answered() -> bool:
        return sum(len(user.bot_messages) for user in users) >= USERS * PER_USER

    try:
        await fleet.start()
        for _ in range(PER_USER):
            for user in users:
                user.send_command("/help")
        again = [dict(update) for update in updates.pending[:500:5]]  # as Telegram sent them
        await emulator.wait_for(lambda: updates.webhook_deliveries >= 500, within=60)
        # Some delivered twice, as Telegram does when it misses an answer: mid-run, while
        # their users' later updates are still coming.
        for update in again:
            updates.deliver_again(update)
        await emulator.wait_for(lambda: updates.webhook_deliveries >= 900, within=60)
        # Mid-run: updates stored, leased, being handled. Not the dispatcher leader: a leader
        # killed between a send and its record sends that message again after the lease (the
        # outbox sends at least once), and this test counts replies exactly.
        fleet.kill(await fleet.standby_receiver())
        await emulator.wait_until_delivered(within=120)
        await emulator.wait_for(answered, within=120)
        await asyncio.sleep(2)  # a duplicate handled late would show now
        rows = await _inbox(database_url)
    finally:
        await fleet.stop()
    assert len(rows) == USERS * PER_USER
    assert all(row.handled_at is not None for row in rows)
    assert [len(user.bot_messages) for user in users] == [PER_USER] * USERS
    assert updates.webhook_deliveries >= USERS * PER_USER + len(again)
    by_user: dict[int, list[InboxUpdate]] = {}
    for row in rows:
        by_user.setdefault(row.sender, []).append(row)
    assert len(by_user) == USERS
    for handled in by_user.values():
        times = [row.handled_at for row in handled]  # rows are in update_id order
        assert times == sorted(times)  # type: ignore[type-var]
