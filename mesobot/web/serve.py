"""A uvicorn server inside the bot's own event loop, started and stopped with the bot.

In polling mode (`make run`) it serves the calendar feeds when MESOBOT_PUBLIC_URL and
MESOBOT_LISTEN are both set. The bot owns the process's signals (PTB stops on SIGTERM and
SIGINT, then stops this server), so uvicorn is kept from installing its own handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Generator

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from mesobot.config import listen_address

logger = logging.getLogger(__name__)
STOP_SECONDS = 5.0  # in-flight requests get this long once the bot stops


class _Embedded(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield  # the host application handles signals


class WebServer:
    """A running uvicorn server and its task."""

    def __init__(self, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        self._server, self._task = server, task

    async def stop(self) -> None:
        """Stop accepting, finish the requests in flight (at most STOP_SECONDS), and return."""
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_SECONDS)
        except TimeoutError:
            self._server.force_exit = True
            await self._task


async def start_web_server(routes: list[BaseRoute], listen: str) -> WebServer:
    """Serve `routes` on `listen` (host:port) until `stop()`; raises if it cannot bind."""
    host, port = listen_address(listen)
    config = uvicorn.Config(
        Starlette(routes=routes),
        host=host,
        port=port,
        log_config=None,  # the bot's logging, masked, one line per event
        access_log=False,  # feed paths hold secrets
        lifespan="off",
        server_header=False,
    )
    server = _Embedded(config)
    task = asyncio.create_task(_serve(server))
    while not server.started:
        if task.done():
            await task  # the bind error, as an exception
            raise RuntimeError(f"MESOBOT_LISTEN: cannot listen on {listen}")
        await asyncio.sleep(0.02)
    logger.info("web server listening on %s", listen)
    return WebServer(server, task)


async def _serve(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit:  # uvicorn's answer to a port it cannot bind
        raise RuntimeError("the web server could not start") from None
