"""The application in webhook mode against the emulator, in this process or in its own."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from botapi_emulator.server import BotApiEmulator
from mesobot.app import build_application
from mesobot.clock import Clock
from mesobot.config import Settings
from mesobot.handlers.context import MesobotApplication
from mesobot.web.webhook_mode import serving
from tests.app_harness import quick_pacer, settings_for

SECRET = "test-secret_0123456789"
PATH = "/telegram/updates"


def free_port() -> int:
    """A TCP port nothing listens on (at the moment of asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(
    emulator: BotApiEmulator, *, database_url: str, port: int, webhook_url: str | None = None
) -> Settings:
    """Settings for a receiver listening on `port`; Telegram posts to `webhook_url`."""
    base = settings_for(emulator, database_url=database_url)
    return base.model_copy(
        update={
            "mesobot_webhook_url": webhook_url or f"http://127.0.0.1:{port}{PATH}",
            "mesobot_webhook_secret": base.telegram_bot_token.__class__(SECRET),
            "mesobot_listen": f"127.0.0.1:{port}",
        }
    )


@asynccontextmanager
async def running_receiver(
    settings: Settings, *, clock: Clock
) -> AsyncIterator[MesobotApplication]:
    """The application in webhook mode, listening, until the block ends."""
    application = build_application(settings, clock=clock, pacer=quick_pacer(), webhook=True)
    async with serving(application):
        yield application


async def post_update(
    url: str, update: dict[str, object], *, secret: str | None = SECRET
) -> tuple[int, str]:
    """POST an update as Telegram would; the status and body of the answer."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = io.BytesIO(json.dumps(update).encode())  # a large body streams, as aiohttp asks
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.text()
