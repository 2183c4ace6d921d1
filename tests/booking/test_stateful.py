"""A random patient at the keyboard: taps, old buttons, text, unicode, commands, forged data.

Any call of the error handler fails the test, and after every step the database must hold
exactly the courses the test's own model says the patient has booked.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from botapi_emulator.server import BotApiEmulator
from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.handlers import errors
from mesobot.handlers.context import MesobotApplication
from mesobot.texts.dates import clock_label, day_label
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard, courses_of
from tests.databases import SqliteDatabases

T = TypeVar("T")
STEPS_PER_RUN = 50
RUNS = 12
MIN_TOTAL_STEPS = 200
# Button kinds of /appointments: this machine books and looks, it does not move or cancel.
CHANGE_KINDS = {"br", "brc", "brd", "brt", "brk", "bxa", "bxo", "bxr", "bxk", "bp"}
BACKWARD_LABELS = {
    "Cancel",
    "No, thanks",
    "« Previous",
    "Back to the treatments",
    "Other date",
}


def kind_of(data: str) -> str:
    """The kind code of callback data such as '1bk.20261207.…'."""
    return data.split(".", 1)[0][1:]


def flow_buttons(message: Message) -> list[dict[str, Any]]:
    """The booking flow's buttons of a message."""
    return [b for b in message.buttons if kind_of(b["callback_data"]) not in CHANGE_KINDS]


class World:
    """An event loop in a thread with the emulator and the running bot, shared by the runs."""

    def __init__(self, database_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.errors: list[BaseException | None] = []
        self.database = Database(database_url)
        self.stack = AsyncExitStack()
        self.clock = ManualClock(datetime(2026, 11, 30, 8, tzinfo=UTC))
        self.emulator, self.app = self.run(self._start(database_url))
        self.steps = 0
        self.bookings = 0

    async def _start(self, database_url: str) -> tuple[BotApiEmulator, MesobotApplication]:
        emulator = await self.stack.enter_async_context(BotApiEmulator())
        settings = settings_for(emulator, database_url=database_url)
        app = await self.stack.enter_async_context(running_bot(settings, clock=self.clock))
        return emulator, app

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the world's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def close(self) -> None:
        """Stop the bot and the emulator, then the loop."""
        self.run(self.stack.aclose())
        self.run(self.database.dispose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def make_machine(world: World) -> type[RuleBasedStateMachine]:
    """The state machine class, bound to a running world."""

    class PatientMachine(RuleBasedStateMachine):
        """One new patient per run; the model is the list of courses they have booked."""

        def __init__(self) -> None:
            super().__init__()
            user = world.emulator.create_user("Zoë")
            self.patient = PatientAtKeyboard(world.emulator, world.app, user)
            self.booked: list[list[str]] = []  # per course: "Mon, 7 Dec 2026, 10:00" lines
            self.live: tuple[str, list[str]] | None = None  # the Confirm that would book

        # Observing the bot

        def observe(self, messages: list[Message]) -> None:
            """Update the model from the bot's new messages."""
            for message in messages:
                if not flow_buttons(message):
                    continue
                confirm = [b for b in message.buttons if kind_of(b["callback_data"]) == "bk"]
                self.live = (
                    (confirm[0]["callback_data"], session_lines(message.text or ""))
                    if confirm
                    else None
                )

        # Rules

        @rule(choice=st.integers(min_value=0, max_value=40))
        def advance(self, choice: int) -> None:
            """Do what moves the flow forward on the latest screen."""
            latest = self.patient.last if self.patient.user.bot_messages else None
            if latest is None:
                self.command_now("start")
                return
            forward = [
                b
                for b in flow_buttons(latest)
                if b["text"] not in BACKWARD_LABELS
                and kind_of(b["callback_data"]) != "bx"
                and not b["callback_data"].startswith("1bj.0")
            ]
            text = latest.text or ""
            if forward:
                confirm = [b for b in forward if b["text"] == "Confirm"]
                self.tap_data(
                    (confirm or forward)[choice % len(confirm or forward)]["callback_data"], latest
                )
            elif "phone number" in text:
                self.run_and_observe(self.patient.contact("+34 600 111 222"))
            elif "Anything else" in text:
                self.run_and_observe(self.patient.text("Nothing, thanks"))
            else:
                self.command_now("start")

        @rule(choice=st.integers(min_value=0, max_value=60))
        def tap_latest(self, choice: int) -> None:
            """Tap any button of the latest screen."""
            screens = [m for m in self.patient.user.bot_messages if flow_buttons(m)]
            if screens:
                buttons = flow_buttons(screens[-1])
                self.tap_data(buttons[choice % len(buttons)]["callback_data"], screens[-1])

        @rule(which=st.integers(min_value=0, max_value=200), choice=st.integers(0, 60))
        def tap_old(self, which: int, choice: int) -> None:
            """Tap a button of an older screen."""
            screens = [m for m in self.patient.user.bot_messages if flow_buttons(m)]
            if screens:
                message = screens[which % len(screens)]
                buttons = flow_buttons(message)
                self.tap_data(buttons[choice % len(buttons)]["callback_data"], message)

        @rule(
            text=st.one_of(
                st.text(min_size=1, max_size=40).filter(
                    lambda s: s.strip() and not s.startswith("/")
                ),
                st.sampled_from(['<Ana & "Bo">', "+34 600 111 222", "Zoë Ñúñez 🙂", "12", " "]),
                st.just("é🙂<b>" * 800),
            )
        )
        def type_text(self, text: str) -> None:
            """Type anything: names, numbers, markup, emoji, very long text."""
            if not text.strip():
                text = "."
            self.run_and_observe(self.patient.text(text))

        @rule(name=st.sampled_from(["start", "help", "cancel", "appointments", "nonsense"]))
        def command(self, name: str) -> None:
            """Send a command."""
            self.command_now(name)

        @rule(phone=st.sampled_from(["34600111222", "+1 (555) 010-9999", "12"]))
        def share_contact(self, phone: str) -> None:
            """Share a contact, expected or not."""
            self.run_and_observe(self.patient.contact(phone))

        @rule(data=st.text(min_size=1, max_size=30))
        def forged(self, data: str) -> None:
            """Callback data the bot never issued: answered quietly, nothing else."""
            if not self.patient.user.bot_messages or len(data.encode()) > 64:
                return
            notice, replies = world.run(self.patient.tap(data=data, message=self.patient.last))
            world.steps += 1
            assert (notice, replies) == (None, [])

        # Helpers

        def command_now(self, name: str) -> None:
            if name == "cancel":
                self.live = None
            self.run_and_observe(self.patient.command(name))

        def tap_data(self, data: str, message: Message) -> None:
            expected = self.live if self.live is not None and data == self.live[0] else None
            if kind_of(data) == "bz":
                self.live = None
            self.run_and_observe(self.patient.tap(data=data, message=message))
            if expected is not None:
                self.booked.append(expected[1])
                world.bookings += 1
                self.live = None

        def run_and_observe(self, action: Coroutine[Any, Any, Any]) -> None:
            result = world.run(action)
            world.steps += 1
            self.observe(result[1] if isinstance(result, tuple) else result)

        # Invariants

        @invariant()
        def nothing_failed(self) -> None:
            """The error handler was never called and the emulator refused nothing."""
            assert world.errors == []
            assert world.emulator.violations == []
            assert world.emulator.unanswered_callback_queries() == []

        @invariant()
        def database_matches_the_model(self) -> None:
            """The patient's courses are exactly those the model booked, sessions as shown."""
            stored = world.run(courses_of(world.database, self.patient.user.id))
            actual = [
                [
                    f"{day_label(s.local_date, 'en')}, {clock_label(s.local_time)}"
                    for s in appointments
                ]
                for _course, appointments in stored
            ]
            assert actual == self.booked

    return PatientMachine


def session_lines(text: str) -> list[str]:
    """The sessions of a preview: '1. Mon, 7 Dec 2026, 10:00 (…)' -> 'Mon, 7 Dec 2026, 10:00'."""
    lines = []
    for line in text.splitlines():
        head, _, rest = line.partition(". ")
        if head.isdigit() and rest:
            lines.append(rest.split(" (", 1)[0])
    return lines


@pytest.mark.slow
def test_a_random_patient_never_breaks_the_bot(
    sqlite_databases: SqliteDatabases, migrated_sqlite_file: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At least 200 random steps over several patients: no error, the database as modelled."""
    world_holder: list[World] = []

    async def recording_error_handler(update: object, context: Any) -> None:
        world_holder[0].errors.append(context.error)
        await original(update, context)

    original = errors.on_error
    monkeypatch.setattr(errors, "on_error", recording_error_handler)
    world = World(sqlite_databases.copy_of(migrated_sqlite_file))
    world_holder.append(world)
    try:
        run_state_machine_as_test(
            make_machine(world),
            settings=settings(
                max_examples=RUNS,
                stateful_step_count=STEPS_PER_RUN,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            ),
        )
    finally:
        world.close()
    assert world.steps >= MIN_TOTAL_STEPS, world.steps
    assert world.bookings >= 1  # the model was put to the test by real bookings
