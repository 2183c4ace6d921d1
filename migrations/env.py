"""Alembic environment: async engine, SQLite batch mode, one migrator at a time on PostgreSQL."""

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import mesobot.models
from mesobot.db import create_engine

# Any fixed number works; it only has to be the same in every process of this application.
MIGRATION_LOCK_KEY = 0x6D65736F  # "meso"


def _database_url() -> str:
    url = context.config.attributes.get("database_url")
    if url is None:
        from mesobot.config import DatabaseSettings, read_settings

        url = read_settings(DatabaseSettings).database_url
    return str(url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=mesobot.models.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                # Several processes starting together: the first migrates, the others wait
                # here and then find nothing left to do.
                await connection.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                await connection.commit()
            try:
                await connection.run_sync(_run)
                await connection.commit()
            finally:
                if postgres:
                    await connection.execute(
                        text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
                    )
                    await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("mesobot migrates online only: set DATABASE_URL and run `make migrate`")
asyncio.run(_run_online())
