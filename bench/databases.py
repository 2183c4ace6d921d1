"""Where a database benchmark runs: a scratch SQLite file, then a PostgreSQL database of its own
when MESOBOT_BENCH_POSTGRES_URL (or MESOBOT_TEST_POSTGRES_URL) names a server."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import make_url

from mesobot.migrate import upgrade_to_head


def on_each_database(run: Callable[[str, str], Coroutine[Any, Any, None]]) -> None:
    """Call `run(url, label)` on a migrated SQLite file, then on a migrated PostgreSQL
    database created for the run and dropped after it, when a server is configured."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade_to_head(url)
        asyncio.run(run(url, "SQLite"))
    server = os.environ.get("MESOBOT_BENCH_POSTGRES_URL") or os.environ.get(
        "MESOBOT_TEST_POSTGRES_URL"
    )
    if not server:
        return
    name = f"mesobot_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_postgres(server, f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        upgrade_to_head(url)
        asyncio.run(run(url, "PostgreSQL"))
    finally:
        asyncio.run(_postgres(server, f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _postgres(server: str, statement: str) -> None:
    dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
