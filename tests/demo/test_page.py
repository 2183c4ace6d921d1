"""The demo without a browser: what the page is sent is safe HTML, and its API drives the bot,
moves the clock and reports every Bot API violation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from botapi_emulator.html import parse_html
from mesobot.clinic import load_clinic
from mesobot.clock import ShiftedClock
from mesobot.config import DEFAULT_CLINIC_FILE
from mesobot_demo.render import to_html
from mesobot_demo.web import make_app
from mesobot_demo.world import DemoWorld
from tests.databases import SqliteDatabases

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_message_html_keeps_telegrams_tags_and_escapes_everything_else() -> None:
    parsed = parse_html(
        "<b>Hi &lt;script&gt;alert(1)&lt;/script&gt;</b> <i>a <u>b</u></i>\n"
        '<a href="javascript:alert(1)">x</a> <a href="https://example.org/?a=1&amp;b=2">y</a>'
    )
    html = to_html(parsed.text, parsed.entities)
    assert html == (
        "<b>Hi &lt;script&gt;alert(1)&lt;/script&gt;</b> <i>a <u>b</u></i><br>"
        'x <a href="https://example.org/?a=1&amp;b=2" target="_blank" '
        'rel="noopener noreferrer">y</a>'
    )


def test_a_users_text_is_never_markup() -> None:
    assert to_html('<img src=x onerror="alert(1)"> & 😀', []) == (
        '&lt;img src=x onerror="alert(1)"&gt; &amp; 😀'
    )


def test_commands_in_a_text_can_be_clicked() -> None:
    assert to_html("Send /report now, not a/b or //x", []) == (
        'Send <span class="command">/report</span> now, not a/b or //x'
    )


def test_offsets_count_utf16_units_as_telegram_does() -> None:
    parsed = parse_html("😀 <b>bold</b> ✓")
    assert to_html(parsed.text, parsed.entities) == "😀 <b>bold</b> ✓"


class DemoClient:
    """The page's side of the API, over HTTP."""

    def __init__(self, http: aiohttp.ClientSession, url: str, world: DemoWorld) -> None:
        self.http, self.url, self.world = http, url, world

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        headers = {"X-Mesobot-Demo": "1"}
        async with self.http.post(self.url + path, json=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def state(self, since: int | None = None) -> Any:
        query = "" if since is None else f"?since={since}"
        async with self.http.get(f"{self.url}/api/state{query}") as response:
            return await response.json()

    async def wait_for(self, pane: str, fragment: str) -> dict[str, Any]:
        """The first message in a pane containing fragment, waiting for the bot."""

        def found() -> Any:
            chat = self.world.who(pane)[1]
            return next(
                (m for m in chat.messages if fragment in (m.text or "") + str(m.button_labels)),
                None,
            )

        await self.world.emulator.wait_for(found, within=10)
        state = await self.state()
        return next(
            m
            for m in state["chats"][pane]["messages"]
            if fragment in m["html"] + str(m["buttons"])
        )


@pytest.fixture
async def demo(
    sqlite_databases: SqliteDatabases, migrated_sqlite_file: Any
) -> AsyncIterator[DemoClient]:
    """The demo world and its page, in this process, on a free port."""
    world = DemoWorld(
        database_url=sqlite_databases.copy_of(migrated_sqlite_file),
        clinic=load_clinic(DEFAULT_CLINIC_FILE),
        start=START,
    )
    await world.start()
    runner = web.AppRunner(make_app(world))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as http:
        yield DemoClient(http, f"http://127.0.0.1:{port}", world)
    await runner.cleanup()
    await world.stop()


async def test_the_page_drives_the_real_bot_and_shows_its_answer(demo: DemoClient) -> None:
    assert (await demo.post("/api/send", {"pane": "patient", "text": "/start"}))["ok"]
    consent = await demo.wait_for("patient", "Before you book")
    assert consent["html"].startswith("<b>Before you book</b>")
    agree = next(b for row in consent["buttons"] for b in row if b["text"] == "I agree")
    await demo.post(
        "/api/press", {"pane": "patient", "message_id": consent["id"], "data": agree["data"]}
    )
    await demo.wait_for("patient", "18 or older")
    state = await demo.state()
    assert state["violations"] == []
    assert state["chats"]["staff"]["started"] is True
    assert (await demo.state(since=-1))["version"] == state["version"]  # a change: at once


async def test_another_site_cannot_act_through_a_visitors_browser(demo: DemoClient) -> None:
    """A cross-site form can post, but cannot add the page's header."""
    body = '{"pane": "patient", "text": "/forget"}'
    headers = {"Content-Type": "text/plain"}
    async with demo.http.post(f"{demo.url}/api/send", data=body, headers=headers) as response:
        assert response.status == 403
    assert demo.world.who("patient")[1].messages == []


async def test_the_time_machine_moves_the_bots_clock(demo: DemoClient) -> None:
    before = demo.world.clock.now()
    await demo.post("/api/time", {"step": "day"})
    await demo.post("/api/time", {"step": "hour"})
    moved = demo.world.clock.now() - before
    assert timedelta(hours=25) <= moved < timedelta(hours=25, minutes=1)
    nothing = await demo.post("/api/time", {"step": "next"})
    assert nothing["note"] == "Nothing is waiting in the outbox."
    state = await demo.state()
    assert datetime.fromisoformat(state["now"]) >= START + timedelta(hours=25)


async def test_a_violation_is_shown_not_hidden(demo: DemoClient) -> None:
    emulator = demo.world.emulator
    patient = demo.world.who("patient")[0]
    patient.user.started_bot = True
    url = f"{emulator.base_url}{emulator.token}/sendMessage"
    body = {"chat_id": patient.id, "text": "<b>unclosed", "parse_mode": "HTML"}
    async with demo.http.post(url, json=body) as response:
        assert response.status == 400
    [violation] = (await demo.state())["violations"]
    assert violation["method"] == "sendMessage"
    assert "can't parse entities" in violation["description"]


def test_the_demo_clock_runs_at_the_real_pace_and_jumps_forward_only() -> None:
    clock = ShiftedClock(START)
    jumps: list[datetime] = []
    clock.subscribe(lambda: jumps.append(clock.now()))
    assert abs(clock.now() - START) < timedelta(seconds=5)
    clock.advance(timedelta(days=1))
    [jumped] = jumps
    assert jumped - START >= timedelta(days=1)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="timezone-aware"):
        ShiftedClock(datetime(2026, 11, 30, 8, 0))  # noqa: DTZ001
