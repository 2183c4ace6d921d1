"""The expiry of undecided requests: a periodic job, also run whenever the (test) clock jumps."""

from __future__ import annotations

import logging

from mesobot.handlers.context import MesobotApplication, MesobotContext
from mesobot.handlers.feature import Feature
from mesobot.handlers.periodic import run_periodically
from mesobot.services import Services
from mesobot.staff.decisions import expire_due_requests

logger = logging.getLogger(__name__)

# How often undecided requests are looked for; a moved test clock also triggers a look.
EXPIRY_INTERVAL_SECONDS = 60


async def expire_requests(context: MesobotContext) -> None:
    """A job: expire the requests nobody decided in time (each patient is told)."""
    services = context.bot_data.services
    async with services.database.write() as session:
        expired = await expire_due_requests(
            session=session, services=services, now=services.clock.now()
        )
    if expired:
        logger.info("Expired %d undecided requests", len(expired))


async def start_expiry(application: MesobotApplication) -> None:
    """Look for expired requests every minute, and whenever the (test) clock jumps.

    A periodic job, rather than an outbox message timed at the expiry, because expiring is a
    change of state that must commit with its notice, and renderers only read: a renderer that
    changed the course could run twice (a crash between render and record) or in a process
    that then fails to send.
    """
    run_periodically(
        application,
        expire_requests,
        name="staff-expiry",
        interval=EXPIRY_INTERVAL_SECONDS,
        first=EXPIRY_INTERVAL_SECONDS,
    )


def feature(_services: Services) -> Feature:
    """The expiry job, started with the application."""
    return Feature(on_start=[start_expiry])
