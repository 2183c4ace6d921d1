"""The one ASGI app of a process in webhook mode: the webhook, health and metrics routes, and
any other route lists (the calendar feeds) passed in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mesobot import metrics
from mesobot.db import Database

logger = logging.getLogger(__name__)


def metrics_routes(database: Database, leader: Callable[[], bool]) -> list[BaseRoute]:
    """`GET /metrics` in Prometheus' text format; the database's gauges read at each scrape."""

    async def scrape(_request: Request) -> Response:
        try:
            async with asyncio.timeout(2.0):
                await metrics.refresh_from_database(database)
        except Exception:
            logger.warning("Metrics: the database's gauges could not be read", exc_info=True)
        metrics.LEADER.set(1 if leader() else 0)
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", scrape, methods=["GET"])]


def build_web_app(*route_lists: Sequence[BaseRoute]) -> Starlette:
    """One Starlette app serving every route list given, in that order."""
    return Starlette(routes=[route for routes in route_lists for route in routes])
