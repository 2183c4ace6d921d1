"""Fresh, migrated test databases on SQLite and PostgreSQL, created from a migrated template."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "MESOBOT_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "MESOBOT_REQUIRE_POSTGRES"
HOW_TO_ENABLE = (
    f"PostgreSQL tests are off: set {POSTGRES_URL_VARIABLE}="
    "postgresql://postgres@127.0.0.1:5432/postgres (any database on the server) to run them"
)


def postgres_server_url() -> str | None:
    """The maintenance database URL of the test PostgreSQL server, if one is configured."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


def postgres_required() -> bool:
    """Whether a missing PostgreSQL must fail the run (CI) instead of skipping its tests."""
    return os.environ.get(REQUIRE_POSTGRES_VARIABLE, "") not in ("", "0")


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(server_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


class PostgresDatabases:
    """Creates databases named after this run on the test server, and drops them at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.prefix = f"mesobot_test_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []

    def url_of(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def create(self, *, template: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        clause = f' TEMPLATE "{template}"' if template else ""
        asyncio.run(_admin(self.server_url, f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return name

    def drop_all(self) -> None:
        statements = [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self.created]
        asyncio.run(_admin(self.server_url, *reversed(statements)))
        self.created.clear()


class SqliteDatabases:
    """SQLite files in a folder of the run; copies of a migrated file are fresh databases."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def new_path(self) -> Path:
        self.count += 1
        return self.folder / f"db{self.count}.sqlite3"

    def copy_of(self, source: Path) -> str:
        target = self.new_path()
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
