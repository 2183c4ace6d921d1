"""Calendar files in the real application, through the emulator: every file every parser
reads the same, UIDs stay, SEQUENCE grows, the chat says what changed, and staff get initials
and codes only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, time

import pytest

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from tests.app_harness import running_bot, settings_for, started_user
from tests.calendar_delivery.helpers import (
    MADRID,
    assert_instants_are_stored,
    booked_course,
    by_uid,
    cancel,
    confirm,
    events_of,
    move,
    sessions_of,
)

# Madrid sets its clocks forward on 2027-03-28: this course has sessions on both sides.
FIRST = date(2027, 3, 15)


@dataclass
class Clinic:
    application: MesobotApplication
    anna: TelegramUser
    staff: TelegramUser


@pytest.fixture
async def clinic(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[Clinic]:
    anna = started_user(emulator, "Anna", "García")
    staff = started_user(emulator, "Sam", "Staff")
    settings = settings_for(emulator, database_url=database_url, staff_ids=[staff.id])
    async with running_bot(settings, clock=clock) as application:
        yield Clinic(application, anna, staff)


async def test_a_course_confirmed_moved_and_cancelled_reaches_the_patients_calendar(
    clinic: Clinic,
) -> None:
    app, anna = clinic.application, clinic.anna
    course_id = await booked_course(app, anna.id, first=FIRST)
    assert anna.bot_messages == []  # a request has no calendar file

    await confirm(app, course_id)
    first = await anna.next_bot_message(within=10)
    appointments = await sessions_of(app, course_id)
    events = events_of(first)
    assert [event.uid for event in events] == sorted(s.calendar_uid for s in appointments)
    assert {event.sequence for event in events} == {0}
    assert {event.status for event in events} == {"CONFIRMED"}
    assert_instants_are_stored(events, appointments)
    # Across the clock change, 10:00 in Madrid every time, at two different UTC hours.
    assert {event.start_utc.astimezone(MADRID).time() for event in events} == {time(10, 0)}
    assert len({event.start_utc.time() for event in events}) == 2
    assert first.caption is not None
    assert "Open this file" in first.caption
    content = first.document.content if first.document else b""
    assert b"Facial" not in content  # the treatment is not named by default

    await move(app, course_id, {2: (date(2027, 3, 30), time(11, 30))})
    second = await anna.next_bot_message(after=first, within=10)
    appointments = await sessions_of(app, course_id)
    moved = by_uid(events_of(second))
    assert list(moved) == [event.uid for event in events]  # the same UIDs
    assert [moved[s.calendar_uid].sequence for s in appointments] == [0, 1, 0, 0]
    assert [s.calendar_sequence for s in appointments] == [0, 1, 0, 0]  # stored
    assert_instants_are_stored(list(moved.values()), appointments)
    assert second.caption is not None
    assert "Session 2 moved from Mon, 29 Mar 2027, 10:00 to Tue, 30 Mar 2027, 11:30" in (
        second.caption.replace("\u202f", " ")
    )

    await cancel(app, course_id, 3)
    third = await anna.next_bot_message(after=second, within=10)
    appointments = await sessions_of(app, course_id)
    cancelled = by_uid(events_of(third))
    third_uid = appointments[2].calendar_uid
    assert cancelled[third_uid].status == "CANCELLED"
    assert cancelled[third_uid].sequence == 1
    assert cancelled[third_uid].alarms == 0
    assert [cancelled[s.calendar_uid].sequence for s in appointments] == [0, 1, 1, 0]
    assert_instants_are_stored(list(cancelled.values()), appointments)
    assert third.caption is not None
    assert "Session 3 on" in third.caption
    assert "is cancelled" in third.caption

    anna.send_command("calendar")
    again = await anna.next_bot_message(within=10)
    resent = by_uid(events_of(again))
    assert {uid: (e.sequence, e.status, e.start_utc) for uid, e in resent.items()} == {
        uid: (e.sequence, e.status, e.start_utc) for uid, e in cancelled.items()
    }
    assert len(anna.bot_messages) == 4  # one file per change, none doubled


async def test_staff_calendar_has_initials_and_codes_only(clinic: Clinic) -> None:
    app, anna, staff = clinic.application, clinic.anna, clinic.staff
    course_id = await booked_course(
        app, anna.id, first=date(2026, 12, 2), treatment="cellulite", session_count=3
    )
    await confirm(app, course_id)
    await anna.next_bot_message(within=10)
    await cancel(app, course_id, 2)
    await anna.next_bot_message(within=10, where=lambda m: "cancelled" in (m.caption or ""))

    staff.send_command("calendar")
    reply = await staff.next_bot_message(within=10)
    appointments = await sessions_of(app, course_id)
    events = events_of(reply)
    in_30_days = [s for s in appointments if s.local_date < date(2026, 12, 30)]
    assert len(events) == len(in_30_days) >= 2
    assert_instants_are_stored(events, appointments)
    for event in events:
        appointment = next(s for s in appointments if f"staff-{s.calendar_uid}" == event.uid)
        assert event.summary.removeprefix("Cancelled: ") == f"A.G. · {appointment.code}"
        assert event.status == ("CANCELLED" if appointment.number == 2 else "CONFIRMED")
        assert event.alarms == 0
    assert reply.document is not None
    text = reply.document.content.decode()
    for private in ("Anna", "García", "Garc", "ellulite", str(anna.id)):
        assert private not in text
    assert reply.caption is not None
    assert "initials and session codes only" in reply.caption


async def test_calendar_before_any_confirmation_says_there_is_nothing_yet(clinic: Clinic) -> None:
    clinic.anna.send_command("calendar")
    reply = await clinic.anna.next_bot_message(within=10)
    assert reply.document is None
    assert reply.text is not None
    assert "no confirmed sessions" in reply.text
