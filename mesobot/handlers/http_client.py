"""The bot's HTTP client for the Bot API: PTB's request interface on aiohttp.

PTB's own client is httpx. Against the Bot API emulator, one `sendMessage` with a month's
calendar of buttons cost 2.2 ms of CPU through httpx and 1.3 ms through aiohttp (issue 13),
and every screen, answer and outbox message is such a call. aiohttp is already what the
emulator and the webhook's test delivery use.

Timeouts and errors mean what they mean in PTB's `HTTPXRequest`: a timeout is `TimedOut`,
any other failure to get an answer is `NetworkError`, and the status and body of an answer
go back to PTB, which reads Telegram's errors out of them.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's defaults for its own client (ApplicationBuilder), kept so that nothing else changes.
DEFAULT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session with a pool of `connections`."""

    def __init__(self, connections: int, *, read_timeout: float = DEFAULT_TIMEOUT) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                # The Bot API sets no cookies; keeping none saves work on every answer.
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        # aiohttp has no write timeout of its own: sending is bounded by the whole request's.
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, DEFAULT_TIMEOUT)
        connect = _given(connect_timeout, DEFAULT_TIMEOUT)
        pool = _given(pool_timeout, POOL_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            # `connect` includes the wait for a free connection of the pool, as httpx's pool.
            connect=_sum(connect, pool),
            sock_read=read,
            total=_sum(read, write, connect, pool),
        )
        try:
            async with self._session.request(
                method, url, timeout=timeout, **_body(request_data)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def _given(value: float | object | None, default: float) -> float | None:
    """A timeout the caller gave (None: wait for ever), else this client's default."""
    if value is None or isinstance(value, int | float):
        return value
    return default


def _sum(*timeouts: float | None) -> float | None:
    """Timeouts one after the other: none when any of them is none."""
    given = [t for t in timeouts if t is not None]
    return sum(given) if len(given) == len(timeouts) else None


def _body(request_data: RequestData | None) -> dict[str, Any]:
    """The parameters as a url-encoded form, multipart when files go with them (as PTB's
    client sends). The form's bytes are built in one go: aiohttp's form, field by field, cost
    about a tenth of a small call's CPU (issue 13)."""
    if request_data is None:
        return {}
    if not request_data.contains_files:
        return {"data": request_data.url_encoded_parameters().encode(), "headers": _FORM}
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return {"data": form}
