"""Fixtures shared by the whole suite: databases on both backends, clocks and settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.migrate import upgrade_to_head
from tests.databases import (
    HOW_TO_ENABLE,
    PostgresDatabases,
    SqliteDatabases,
    postgres_required,
    postgres_server_url,
)

pytest_plugins = ["botapi_emulator.fixtures", "tests.telegram_guard"]

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """Databases on the test PostgreSQL server; skipped (or failed on CI) without one."""
    server_url = postgres_server_url()
    if server_url is None:
        if postgres_required():
            pytest.fail("MESOBOT_REQUIRE_POSTGRES is set but MESOBOT_TEST_POSTGRES_URL is not")
        pytest.skip(HOW_TO_ENABLE)
    databases = PostgresDatabases(server_url)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    """SQLite database files in a folder of this run."""
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def migrated_sqlite_file(sqlite_databases: SqliteDatabases) -> Path:
    """An SQLite file migrated to head once per run, copied for each test."""
    path = sqlite_databases.new_path()
    upgrade_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres_template(postgres_databases: PostgresDatabases) -> str:
    """A PostgreSQL database migrated to head once per run, the template of each test's."""
    name = postgres_databases.create()
    upgrade_to_head(postgres_databases.url_of(name))
    return name


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a data-layer test runs on; every such test runs on both."""
    return str(request.param)


@pytest.fixture
def empty_database_url(
    backend: str, request: pytest.FixtureRequest, sqlite_databases: SqliteDatabases
) -> str:
    """The URL of a new, empty database (no schema) on the test's backend."""
    if backend == "sqlite":
        return f"sqlite:///{sqlite_databases.new_path()}"
    postgres: PostgresDatabases = request.getfixturevalue("postgres_databases")
    return postgres.url_of(postgres.create())


@pytest.fixture
def database_url(
    backend: str, request: pytest.FixtureRequest, sqlite_databases: SqliteDatabases
) -> str:
    """The URL of a fresh database at the schema's head, on the test's backend."""
    if backend == "sqlite":
        return sqlite_databases.copy_of(request.getfixturevalue("migrated_sqlite_file"))
    postgres: PostgresDatabases = request.getfixturevalue("postgres_databases")
    template = request.getfixturevalue("migrated_postgres_template")
    return postgres.url_of(postgres.create(template=template))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The application's Database on a fresh migrated database."""
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that stands at Monday 2026-11-30 08:00 UTC until a test moves it."""
    return ManualClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
