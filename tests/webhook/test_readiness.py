"""/readyz turns 503 when PostgreSQL cannot be reached, and 200 again when it can.

The database is cut with a TCP proxy in front of it: the shared server is never stopped.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import Clock
from tests.webhook.harness import free_port, running_receiver, webhook_settings
from tests.webhook.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


async def _readyz(port: int) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/readyz") as response,
    ):
        return response.status, await response.text()


async def _until(port: int, status: int, within: float) -> tuple[int, str]:
    deadline = time.monotonic() + within
    answer = await _readyz(port)
    while answer[0] != status and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        answer = await _readyz(port)
    return answer


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_readyz_follows_the_database(emulator: BotApiEmulator, database_url: str) -> None:
    """Cut: 503 naming the database; restored: 200, with no restart."""
    direct = make_url(database_url)
    proxy = await TcpProxy([(direct.host or "127.0.0.1", direct.port or 5432)]).start()
    through = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    port = free_port()
    settings = webhook_settings(emulator, database_url=through, port=port)
    try:
        async with running_receiver(settings, clock=Clock()):
            before = await _until(port, 200, within=15)
            await proxy.cut()
            cut = await _until(port, 503, within=10)
            await proxy.start()
            after = await _until(port, 200, within=20)
    finally:
        await proxy.stop()
    assert before[0] == 200, before[1]
    assert cut[0] == 503, cut[1]
    assert '"database":"unreachable' in cut[1]
    assert after[0] == 200, after[1]
