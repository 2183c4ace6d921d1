"""Webhook mode (`bot.py --webhook`): the application behind one uvicorn server, PTB's
custom-webhook pattern. Every process receives; the dispatcher leader registers the webhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import uvicorn
from starlette.routing import BaseRoute

from mesobot.migrate import head_revision
from mesobot.web.app import build_web_app, metrics_routes
from mesobot.web.health import Readiness, health_routes
from mesobot.web.webhook import webhook_routes

if TYPE_CHECKING:
    from mesobot.handlers.context import MesobotApplication

logger = logging.getLogger(__name__)

# What the bot handles; the same list `bot.py` polls with.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
REGISTER_EVERY = 1.0


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: `run_webhook` owns SIGTERM and SIGINT (uvicorn
    would raise the signal again once it stopped, ending the process before the bot stops)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _dispatcher_role(application: MesobotApplication) -> str | None:
    dispatcher = application.bot_data.dispatcher
    if dispatcher is None:
        return None
    return "leader" if dispatcher.leadership_held() else "standby"


def web_routes(application: MesobotApplication) -> list[BaseRoute]:
    """The webhook, health and metrics routes of this application."""
    services = application.bot_data.services
    settings = services.settings
    assert settings.mesobot_webhook_url
    assert settings.mesobot_webhook_secret
    readiness = Readiness(
        database=services.database,
        head=head_revision(settings.database_url),
        get_me=application.bot.get_me,
        dispatcher=lambda: _dispatcher_role(application),
    )

    def stored() -> None:
        if application.bot_data.inbox_wake is not None:
            application.bot_data.inbox_wake()

    return [
        *webhook_routes(
            path=urlsplit(settings.mesobot_webhook_url).path or "/",
            secret=settings.mesobot_webhook_secret.get_secret_value(),
            database=services.database,
            clock=services.clock,
            stored=stored,
        ),
        *health_routes(readiness),
        *metrics_routes(services.database, lambda: _dispatcher_role(application) == "leader"),
    ]


async def register_while_leader(application: MesobotApplication) -> None:
    """The dispatcher leader sets the webhook (again after each takeover)."""
    settings = application.bot_data.services.settings
    assert settings.mesobot_webhook_url
    assert settings.mesobot_webhook_secret
    registered = False
    while True:
        leader = _dispatcher_role(application) == "leader"
        if leader and not registered:
            try:
                await application.bot.set_webhook(
                    url=settings.mesobot_webhook_url,
                    secret_token=settings.mesobot_webhook_secret.get_secret_value(),
                    allowed_updates=ALLOWED_UPDATES,
                )
                registered = True
                logger.info("Webhook registered as the dispatcher leader")
            except Exception:
                logger.exception("Could not register the webhook; trying again")
        registered = registered and leader
        await asyncio.sleep(REGISTER_EVERY)


@contextlib.asynccontextmanager
async def serving(
    application: MesobotApplication, *, extra_routes: Sequence[BaseRoute] = ()
) -> AsyncIterator[asyncio.Task[None]]:
    """The application started and its web server listening (the server's task, which ends
    early only when it cannot listen); on leaving, stop receiving, finish the updates in
    flight, and stop the bot."""
    settings = application.bot_data.services.settings
    assert application.post_init
    assert application.post_stop
    assert application.post_shutdown
    loop = asyncio.get_running_loop()
    async with application:
        await application.post_init(application)
        await application.start()
        config = uvicorn.Config(
            build_web_app(web_routes(application), extra_routes),
            host=settings.listen_host,
            port=settings.listen_port,
            log_config=None,
            lifespan="off",
            timeout_graceful_shutdown=5,
        )
        server = _Server(config)
        serve = loop.create_task(server.serve())
        registering = loop.create_task(register_while_leader(application))
        try:
            while not server.started and not serve.done():  # noqa: ASYNC110 (a flag)
                await asyncio.sleep(0.01)
            yield serve
        finally:
            server.should_exit = True
            registering.cancel()
            await asyncio.gather(serve, registering, return_exceptions=True)
            await application.stop()
            await application.post_stop(application)
    await application.post_shutdown(application)


async def run_webhook(
    application: MesobotApplication, *, extra_routes: Sequence[BaseRoute] = ()
) -> None:
    """Serve until SIGTERM or SIGINT (`bot.py --webhook`)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    async with serving(application, extra_routes=extra_routes) as serve:
        stopped = loop.create_task(stop.wait())
        await asyncio.wait({serve, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
