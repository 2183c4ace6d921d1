"""The outbox report: counts per state and unreachable chats, from the command line too."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from mesobot.clock import ManualClock
from mesobot.config import PROJECT_ROOT
from mesobot.db import Database
from mesobot.outbox.claims import mark_unreachable
from tests.outbox.factories import queue_text


@pytest.mark.slow
async def test_the_report_counts_states_and_lists_unreachable_chats(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    await queue_text(database, recipient=1, text="a", due_at=now, now=now)
    await queue_text(database, recipient=2, text="b", due_at=now, now=now)
    async with database.write() as session:
        await mark_unreachable(
            session=session, chat_id=2, reason="Forbidden: bot was blocked by the user", now=now
        )
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mesobot.outbox.report"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": database.url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert "due               1" in lines
    assert "paused            1" in lines
    assert "unreachable recipients: 1" in lines
    assert any(line.startswith("  chat 2 since") and "blocked" in line for line in lines)
