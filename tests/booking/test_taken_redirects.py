"""A date taken while a patient looks at its times or its preview: the calendar again, stored.

The screens are rendered in a read transaction; when the times or the preview find the date
gone, the turn moves the draft back to the calendar and stores that, so the next step goes
on from the calendar. Bo takes the last place of a Friday while Ana is on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import select

from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.db import Database
from mesobot.models import FlowDraft
from tests.app_harness import running_bot, settings_for
from tests.booking.driver import PatientAtKeyboard, clinic_staff, courses_of
from tests.booking.test_changes_flow import FRIDAY, book_until_calendar, fill_but_one_place

TAKEN = "no longer free"


@dataclass
class LastPlace:
    """Ana and Bo at the running bot, with one place left on the Friday."""

    ana: PatientAtKeyboard
    bo: PatientAtKeyboard

    async def bo_takes_it(self) -> None:
        """Bo books the Friday's last place."""
        await book_until_calendar(self.bo)
        await self.bo.tap(str(FRIDAY.day))
        await self.bo.tap(self.bo.last.button_labels[0])
        await self.bo.tap("Confirm")
        assert "Your request is sent" in self.bo.last.text


@pytest.fixture
async def last_place(
    emulator: BotApiEmulator, database_url: str, database: Database, clock: ManualClock
) -> AsyncIterator[LastPlace]:
    """Ana at the calendar, the Friday's last place still free."""
    await fill_but_one_place(database, FRIDAY, clock.now())
    settings = settings_for(emulator, database_url=database_url, staff_ids=clinic_staff(emulator))
    async with running_bot(settings, clock=clock) as app:
        ana = PatientAtKeyboard(emulator, app, emulator.create_user("Ana"))
        await book_until_calendar(ana)
        yield LastPlace(ana, PatientAtKeyboard(emulator, app, emulator.create_user("Bo")))


async def stored_step(database: Database) -> list[str]:
    """The steps of the drafts left (Bo's ended with his booking)."""
    async with database.read() as session:
        return [draft.step for draft in (await session.exec(select(FlowDraft))).all()]


def shows_the_calendar_without_the_friday(text: str, labels: list[str]) -> None:
    """The calendar again, explained, the Friday gone and other dates still there."""
    assert TAKEN in text
    assert str(FRIDAY.day) not in labels
    assert str(FRIDAY.day - 1) in labels


async def test_the_times_shown_again_after_the_date_went_lead_to_the_calendar(
    last_place: LastPlace, database: Database
) -> None:
    """Ana looks at the Friday's times; it fills up; her typed text re-shows her step: the
    calendar comes instead, and the draft is back at the calendar."""
    ana = last_place.ana
    await ana.tap(str(FRIDAY.day))
    assert "choose a time" in ana.last.text
    await last_place.bo_takes_it()
    [reply] = await ana.text("hello")
    shows_the_calendar_without_the_friday(reply.text, reply.button_labels)
    assert await stored_step(database) == ["date"]
    await ana.tap(str(FRIDAY.day - 1))
    assert "Thu, 10 Dec 2026: choose a time" in ana.last.text


async def test_an_old_time_button_of_a_date_that_went_leads_to_the_calendar(
    last_place: LastPlace, database: Database
) -> None:
    """Ana taps the Friday's time after Bo took it: a notice, and the calendar."""
    ana = last_place.ana
    await ana.tap(str(FRIDAY.day))
    times = ana.last
    await last_place.bo_takes_it()
    notice, replies = await ana.tap(times.button_labels[0], message=times)
    assert notice is not None
    assert TAKEN in notice
    shows_the_calendar_without_the_friday(replies[-1].text, replies[-1].button_labels)
    assert await stored_step(database) == ["date"]


async def test_confirming_a_preview_whose_date_went_leads_to_the_calendar(
    last_place: LastPlace, database: Database
) -> None:
    """Ana's preview of the Friday; Bo books it; her Confirm books nothing and says why."""
    ana = last_place.ana
    await ana.tap(str(FRIDAY.day))
    await ana.tap(ana.last.button_labels[0])
    assert "Your treatment" in ana.last.text
    await last_place.bo_takes_it()
    notice, replies = await ana.tap("Confirm")
    assert notice is not None
    assert "changed" in notice
    shows_the_calendar_without_the_friday(replies[-1].text, replies[-1].button_labels)
    assert await stored_step(database) == ["date"]
    assert await courses_of(database, ana.user.id) == []
