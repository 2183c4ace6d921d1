"""The daily retention job (mesobot.privacy.retention), also run whenever the (test) clock jumps.

It runs in every bot process, like the request expiry: each rule is an idempotent bulk
statement, so two processes running it at once remove exactly what one would.
"""

from __future__ import annotations

import logging

from mesobot.handlers.context import MesobotApplication, MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.periodic import run_periodically
from mesobot.privacy.retention import enforce_retention
from mesobot.services import Services

logger = logging.getLogger(__name__)

# Limits are counted in days: once a day is enough; a moved test clock also triggers a run.
RETENTION_INTERVAL_SECONDS = 24 * 60 * 60
# The first run a minute after start, so a bot restarted daily still enforces its limits.
FIRST_RUN_SECONDS = 60


async def run_retention(context: MesobotContext) -> None:
    """A job: apply the clinic's `[retention]` limits; logs counts only, never content."""
    services = context.bot_data.services
    async with services.database.write() as session:
        run = await enforce_retention(
            session=session, limits=services.clinic.retention, now=services.clock.now()
        )
    logger.info("Retention: %s", run)


async def start_retention(application: MesobotApplication) -> None:
    """Run retention daily, and whenever the (test) clock jumps."""
    run_periodically(
        application,
        run_retention,
        name="retention",
        interval=RETENTION_INTERVAL_SECONDS,
        first=FIRST_RUN_SECONDS,
    )


def feature(_services: Services) -> Feature:
    """The retention job, started with the application."""
    return Feature(on_start=[start_retention])
