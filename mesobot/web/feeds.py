"""GET /feeds/<secret>.ics: a calendar feed, with ETag and If-None-Match (304).

Public routes (calendar apps fetch them from anywhere), so every answer but the feed itself is
a bare 404 that tells nothing: malformed, replaced and revoked secrets, an erased patient and
a former staff member look the same. The secret is in the path and so in access logs: the
proxy must not log paths under /feeds/ (docs/deploy.md), and uvicorn's access log is off.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from mesobot.calendar_feeds.content import patient_feed_body, staff_feed_body
from mesobot.calendar_feeds.links import FEED_PATH, owner_of
from mesobot.services import Services

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Private: a shared cache must never keep a patient's sessions. Apps come back every hour.
_HEADERS = {
    "Cache-Control": "private, max-age=300",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def etag_of(body: bytes) -> str:
    """A strong ETag: the same bytes, the same tag."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _not_found() -> Response:
    return PlainTextResponse("Not found\n", status_code=404, headers=dict(_HEADERS))


async def _body(services: Services, secret: str) -> bytes | None:
    async with services.database.read() as session:
        owner = await owner_of(session=session, secret=secret)
        if owner is None:
            return None
        if owner.patient_id is not None:
            return await patient_feed_body(
                session=session, services=services, patient_id=owner.patient_id
            )
        assert owner.staff_id is not None
        return await staff_feed_body(session=session, services=services, staff_id=owner.staff_id)


def feed_routes(services: Services) -> list[BaseRoute]:
    """The feed route, to mount in the bot's ASGI app (or serve alone)."""

    async def feed(request: Request) -> Response:
        body = await _body(services, str(request.path_params["secret"]))
        if body is None:
            return _not_found()
        etag = etag_of(body)
        headers = {**_HEADERS, "ETag": etag, "Content-Disposition": 'inline; filename="feed.ics"'}
        if _matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=CONTENT_TYPE, headers=headers)

    return [Route(f"{FEED_PATH}/{{secret}}.ics", feed, methods=["GET", "HEAD"])]
