"""Each tap is one turn: screens computed once and outside writes, a write only for a change.

The real application through the emulator; `screen_log` (tests/booking/conftest.py) sees
every calendar, times, preview and move computation, and fails any test that makes one inside
a write transaction.
"""

from __future__ import annotations

import traceback
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.models import FlowDraft, Patient
from tests.app_harness import running_bot, settings_for
from tests.booking.conftest import ScreenLog
from tests.booking.driver import PatientAtKeyboard, clinic_staff
from tests.booking.test_flow import book_through_flow, through_consent

TURN_MODULE = "mesobot/flow/turn.py"


@pytest.fixture
def turn_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each write transaction a turn of the flow opens (not the outbox's, nor the test's),
    by the function that opened it."""
    writes: list[str] = []
    original = Database.write

    def write(self: Database) -> Any:
        stack = traceback.extract_stack()
        if any(Path(frame.filename).as_posix().endswith(TURN_MODULE) for frame in stack):
            writes.append(stack[-2].name)
        return original(self)

    monkeypatch.setattr(Database, "write", write)
    return writes


async def test_booking_a_course_computes_each_screen_once_and_never_in_a_write(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock, screen_log: ScreenLog
) -> None:
    """From /start to Confirm: the calendar, the times and the preview are each computed,
    none inside a write, and none twice in one update (tapping a date used to compute its
    times twice, sharing the phone its month twice)."""
    settings = settings_for(emulator, database_url=database_url, staff_ids=clinic_staff(emulator))
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_through_flow(ana, "Facial rejuvenation")
    assert {"month_free_dates", "day_free_times", "plan_from_database"} <= screen_log.names()
    assert [call for call in screen_log.calls if call.in_write] == []
    assert screen_log.repeated() == []


async def test_moving_a_session_computes_each_screen_once_and_never_in_a_write(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock, screen_log: ScreenLog
) -> None:
    """The move calendar, the day's times and the re-planned course: outside writes, once."""
    settings = settings_for(emulator, database_url=database_url, staff_ids=clinic_staff(emulator))
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_through_flow(ana, "Facial rejuvenation")
        screen_log.calls.clear()
        await ana.command("appointments")
        await ana.tap("Move session 2")
        await ana.tap("28")
        await ana.tap("10:00")
        await ana.tap("Confirm")
        assert "not confirmed yet" in ana.last.text
    assert {"move_finder", "plan_move"} <= screen_log.names()
    assert [call for call in screen_log.calls if call.in_write] == []
    assert screen_log.repeated() == []


async def last_seen(database: Database, patient: PatientAtKeyboard) -> datetime:
    """The patient's stored `last_seen_at`."""
    async with database.read() as session:
        query = select(Patient).where(Patient.telegram_user_id == patient.user.id)
        return (await session.exec(query)).one().last_seen_at


async def test_taps_that_change_nothing_open_no_write_transaction(
    emulator: BotApiEmulator,
    database_url: str,
    database: Database,
    clock: ManualClock,
    turn_writes: list[str],
) -> None:
    """Reading a treatment, going back, a re-prompt, /help, /appointments: no write. The
    visit is recorded at most hourly; a real step writes once."""
    settings = settings_for(emulator, database_url=database_url, staff_ids=clinic_staff(emulator))
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await through_consent(ana)
        first_seen = await last_seen(database, ana)
        clock.advance(timedelta(minutes=50))
        turn_writes.clear()
        await ana.tap("Facial rejuvenation")
        await ana.tap("Back to the treatments")
        assert "Please use the buttons below." in (await ana.text("hello"))[-1].text
        await ana.command("help")
        assert "no upcoming sessions" in (await ana.command("appointments"))[-1].text
        assert turn_writes == []
        assert await last_seen(database, ana) == first_seen
        clock.advance(timedelta(minutes=20))
        await ana.tap("Facial rejuvenation")
        assert len(turn_writes) == 1  # over an hour since the last visit was stored
        assert await last_seen(database, ana) == clock.now()
        turn_writes.clear()
        await ana.tap("Book this treatment")
        assert "Health question 1 of 5" in ana.last.text
        assert len(turn_writes) == 1


async def test_a_draft_left_for_a_day_is_forgotten_and_the_flow_starts_afresh(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> None:
    """An answer button tapped 25 hours later: the conversation has ended, the treatments
    come again, and booking goes on in the draft's old row (replaced, not duplicated)."""
    settings = settings_for(emulator, database_url=database_url, staff_ids=clinic_staff(emulator))
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await through_consent(ana)
        await ana.tap("Facial rejuvenation")
        await ana.tap("Book this treatment")
        question = ana.last
        clock.advance(timedelta(hours=25))
        notice, replies = await ana.tap("No known allergies", message=question)
        assert notice == "That conversation has ended. Let us start again."
        assert "Our treatments" in replies[-1].text
        await ana.tap("Facial rejuvenation")
        await ana.tap("Book this treatment")
        assert "Health question 1 of 5" in ana.last.text
    async with database.read() as session:
        [draft] = (await session.exec(select(FlowDraft))).all()
    assert draft.step == "q:allergies"
    assert draft.expires_at > clock.now()
