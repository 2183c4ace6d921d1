"""`GET /healthz` (the process and its loop answer) and `GET /readyz` (it can do its work).

Both answer JSON, 200 or 503, for systemd, Docker or Kubernetes probes. Readiness checks,
each within a few seconds: the database answers, its migrations are at head, the Bot API
answered getMe recently (cached, so probes do not spend Telegram's budget), and the outbox
dispatcher is leader or standby.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from mesobot.db import Database

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0
GET_ME_FRESH = 60.0  # a getMe that answered this recently still counts


@dataclass
class Readiness:
    """What `/readyz` asks; `dispatcher` says "leader", "standby" or None (not running)."""

    database: Database
    head: str
    get_me: Callable[[], Awaitable[object]]
    dispatcher: Callable[[], str | None]
    _got_me_at: float = field(default=float("-inf"))

    async def check(self) -> dict[str, str]:
        """Each check's outcome: "ok" (or the dispatcher's role), else why not."""
        results = await asyncio.gather(self._database(), self._telegram())
        role = self.dispatcher()
        return {
            "database": results[0],
            "telegram": results[1],
            "dispatcher": role or "not running",
        }

    async def _database(self) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), self.database.engine.connect() as conn:
                version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception as error:
            return f"unreachable ({type(error).__name__})"
        return "ok" if version == self.head else f"migrations at {version}, head is {self.head}"

    async def _telegram(self) -> str:
        if time.monotonic() - self._got_me_at < GET_ME_FRESH:
            return "ok"
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self.get_me()
        except Exception as error:
            return f"unreachable ({type(error).__name__})"
        self._got_me_at = time.monotonic()
        return "ok"


def ready(results: dict[str, str]) -> bool:
    """Whether every check passed (a standby dispatcher is ready: it takes over if needed)."""
    return all(value in ("ok", "leader", "standby") for value in results.values())


def health_routes(readiness: Readiness) -> list[BaseRoute]:
    """`/healthz` and `/readyz`."""

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        results = await readiness.check()
        status = "ready" if ready(results) else "not ready"
        return JSONResponse(
            {"status": status, "checks": results}, status_code=200 if ready(results) else 503
        )

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
