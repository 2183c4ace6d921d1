"""The webhook receiver: checks Telegram's secret, stores the update in the inbox, answers 200.

It answers 200 only once the update is stored (a second delivery of one stored is a no-op
and gets 200 too), and non-2xx only when it was not stored, so that Telegram's retry is
safe. It handles nothing itself: any receiver's inbox worker does (`mesobot.handlers.inbox`).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.inbox import store

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a megabyte leaves room and stops abuse.
BODY_LIMIT = 1024 * 1024


class _TooLarge(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


def _update_of(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(payload, dict) or type(payload.get("update_id")) is not int:
        return None
    return payload


def webhook_routes(
    *,
    path: str,
    secret: str,
    database: Database,
    clock: Clock,
    stored: Callable[[], None],
    limit: int = BODY_LIMIT,
) -> list[BaseRoute]:
    """The POST route Telegram delivers to; `stored` is called after each new update."""
    expected = secret.encode()

    async def receive(request: Request) -> JSONResponse:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):  # constant time: no secret by timing
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            body = await _body(request, limit)
        except _TooLarge:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        payload = _update_of(body)
        if payload is None:
            return JSONResponse({"ok": False, "error": "not an update"}, status_code=400)
        try:
            async with database.write() as session:
                new = await store.store(session=session, payload=payload, now=clock.now())
        except Exception:
            # Not stored: Telegram tries again later. The update's content is not logged.
            logger.exception("Could not store update %d", payload["update_id"])
            return JSONResponse({"ok": False, "error": "not stored"}, status_code=503)
        if new:
            stored()
        return JSONResponse({"ok": True})

    return [Route(path, receive, methods=["POST"])]
