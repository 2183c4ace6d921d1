"""Apply the Alembic migrations; run before the bot's event loop starts."""

from __future__ import annotations

import logging
import sys

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from mesobot.config import PROJECT_ROOT, ConfigurationError, DatabaseSettings, read_settings

logger = logging.getLogger(__name__)


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration for this project, pointed at `database_url`."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def head_revision(database_url: str) -> str:
    """The revision the migrations end at (what `/readyz` expects the database to be at)."""
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert head is not None
    return head


def upgrade_to_head(database_url: str) -> None:
    """Bring the schema up to date. It calls asyncio.run(), so never call it inside a loop."""
    command.upgrade(alembic_config(database_url), "head")


def main() -> int:
    """`python -m mesobot.migrate`: migrate the configured database and exit."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = read_settings(DatabaseSettings)
    except ConfigurationError as error:
        print(f"mesobot: {error}", file=sys.stderr)  # noqa: T201
        return 2
    upgrade_to_head(settings.database_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
