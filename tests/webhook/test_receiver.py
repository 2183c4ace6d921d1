"""One receiver in webhook mode: the secret, the size limit, the inbox, health and metrics."""

from __future__ import annotations

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import Clock
from mesobot.db import Database
from mesobot.inbox.models import InboxUpdate
from tests.webhook.harness import (
    PATH,
    SECRET,
    free_port,
    post_update,
    running_receiver,
    webhook_settings,
)

pytestmark = pytest.mark.usefixtures("backend")


async def _rows(database_url: str) -> list[InboxUpdate]:
    database = Database(database_url)
    try:
        async with database.read() as session:
            return list((await session.exec(select(InboxUpdate))).all())
    finally:
        await database.dispose()


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def _counter(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def test_updates_come_by_webhook_and_are_answered_through_the_outbox(
    emulator: BotApiEmulator, database_url: str
) -> None:
    """Telegram (the emulator) posts with the secret; the reply comes, each update once."""
    port = free_port()
    settings = webhook_settings(emulator, database_url=database_url, port=port)
    async with running_receiver(settings, clock=Clock()):
        await emulator.wait_for(lambda: emulator.world.updates.webhook_url, within=15)
        patient = emulator.create_user("Ana")
        patient.send_command("/help")
        update = dict(emulator.world.updates.pending[-1])
        await emulator.wait_for(lambda: patient.bot_messages, within=15)
        _status, first = await _get(f"http://127.0.0.1:{port}/metrics")
        # The same update again, as Telegram sends when it missed the answer: a no-op.
        emulator.world.updates.deliver_again(update)
        patient.send_command("/help")
        await emulator.wait_for(lambda: len(patient.bot_messages) >= 2, within=15)
        await emulator.wait_until_delivered(within=10)
        status, second = await _get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    assert len(patient.bot_messages) == 2  # not three: the second delivery changed nothing
    rows = await _rows(database_url)
    assert len(rows) == 2
    assert all(row.handled_at is not None for row in rows)
    assert all(row.payload == {} for row in rows)  # the content goes once handled
    assert emulator.world.updates.webhook_errors == []
    handled = "mesobot_updates_handled_total"
    assert (
        _counter(second, handled, kind="message") == _counter(first, handled, kind="message") + 1
    )
    assert _counter(second, "mesobot_handler_seconds_count") >= 2
    assert _counter(second, "mesobot_dispatcher_leader") == 1
    lateness = "mesobot_send_lateness_seconds_count"
    assert _counter(second, lateness, kind="outbox.call") >= (
        _counter(first, lateness, kind="outbox.call") + 1
    )


async def test_a_missing_or_wrong_secret_gets_403_and_stores_nothing(
    emulator: BotApiEmulator, database_url: str
) -> None:
    """Only Telegram, which knows the secret, can post; a body over 1 MiB gets 413."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{PATH}"
    update = {"update_id": 77, "message": {"message_id": 1, "date": 0, "text": "hi"}}
    async with running_receiver(
        webhook_settings(emulator, database_url=database_url, port=port), clock=Clock()
    ):
        missing = await post_update(url, update, secret=None)
        wrong = await post_update(url, update, secret=SECRET[:-1] + "X")
        huge = await post_update(url, {**update, "padding": "x" * (1024 * 1024)})
        garbage = await post_update(url, {"no": "update_id"})
        metrics_page = await _get(f"http://127.0.0.1:{port}/metrics")
    assert (missing[0], wrong[0], huge[0], garbage[0]) == (403, 403, 413, 400)
    assert await _rows(database_url) == []
    assert metrics_page[0] == 200


async def test_health_and_readiness_answer_json(
    emulator: BotApiEmulator, database_url: str
) -> None:
    """/healthz is 200 while the loop runs; /readyz checks database, Telegram, dispatcher."""
    port = free_port()
    async with running_receiver(
        webhook_settings(emulator, database_url=database_url, port=port), clock=Clock()
    ):
        await emulator.wait_for(lambda: emulator.world.updates.webhook_url, within=15)
        health = await _get(f"http://127.0.0.1:{port}/healthz")
        ready = await _get(f"http://127.0.0.1:{port}/readyz")
    assert health == (200, '{"status":"ok"}')
    assert ready[0] == 200, ready[1]
    assert '"dispatcher":"leader"' in ready[1]
