"""The waitlist as part of a patient's data and care: exported, erased, paused by a consent
withdrawal; /unblock frees places; and moving a booked treatment earlier (the real
application, the emulator and the test clock). Staff's /waitlist in a group is covered by
tests/staff/test_group_privacy.py, which sends every command there."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlmodel import col, select

from mesobot.models import Appointment, CourseState, SessionState
from mesobot.staff.decisions import expire_due_requests
from mesobot.waitlist.models import EntryState, OfferState, WaitlistEntry, WaitlistOpening
from tests.booking.driver import courses_of
from tests.booking.test_flow import book_through_flow
from tests.waitlist.conftest import (
    WaitWorld,
    ben_cancels,
    entries_of,
    join,
    offers_of,
    offers_to,
    run_the_job,
    wait_for_offer,
)


async def test_a_withdrawn_consent_pauses_offers_and_the_entry_waits(world: WaitWorld) -> None:
    """Ana (first) withdraws consent: the freed place goes to Carla; Ana's entry stays."""
    await join(world.ana)
    await join(world.carla)
    await world.ana.command("consent")
    _notice, replies = await world.ana.tap("Withdraw consent")
    assert "Your consent is withdrawn" in replies[-1].text
    await ben_cancels(world)
    await run_the_job(world)
    await wait_for_offer(world, world.carla)
    assert offers_to(world.ana) == []
    [entry] = await entries_of(world.database, world.ana.user.id)
    assert entry.state is EntryState.WAITING


async def test_the_export_holds_the_entries_and_erasure_removes_them(world: WaitWorld) -> None:
    """/mydata's file has the waitlist (the schema test checks every column); /forget
    deletes it."""
    await join(world.ana)
    await world.ana.command("mydata")
    message = await world.ana.user.next_bot_message(
        where=lambda m: m.document is not None, within=10
    )
    assert message.document is not None
    exported = json.loads(message.document.content.decode())
    [entry] = exported["waitlist_entries"]
    assert (entry["treatment"], entry["first_day"]) == ("facial_rejuvenation", "2026-12-07")
    assert exported["waitlist_offers"] == []
    await world.ana.command("forget")
    await world.ana.tap("Yes, delete my data")
    async with world.database.read() as session:
        assert list(await session.exec(select(WaitlistEntry))) == []


async def test_unblock_frees_a_day_for_the_waitlist(world: WaitWorld) -> None:
    """Staff block 14 December; Ana waits from that day; /unblock offers it to her."""
    await world.marta.command("block", "2026-12-14")
    await join(world.ana, start="Mon, 14 Dec 2026")
    await world.marta.command("unblock", "2026-12-14")
    async with world.database.read() as session:
        days = [opening.local_date for opening in await session.exec(select(WaitlistOpening))]
    assert days == [date(2026, 12, 14)]
    await run_the_job(world)
    offer = await wait_for_offer(world, world.ana)
    assert "Mon, 14 Dec 2026" in offer


async def _sessions(world: WaitWorld, course_id: int | None) -> list[Appointment]:
    async with world.database.read() as session:
        query = select(Appointment).where(col(Appointment.course_id) == course_id)
        return list(await session.exec(query.order_by(col(Appointment.number))))


async def test_moving_a_booked_treatment_earlier(world: WaitWorld) -> None:
    """Carla's course starts on 22 December; she asks to move earlier; Ben's cancellation
    frees the 7th; Carla accepts: a new request from the 7th, her old sessions cancelled."""
    await book_through_flow(world.carla, "Facial rejuvenation", day=22, at="11:00")
    [(old, _)] = await courses_of(world.database, world.carla.user.id)
    await world.carla.command("appointments")
    await world.carla.tap("Move me earlier")
    assert "From which day could you start?" in world.carla.last.text
    assert "Tue, 22 Dec 2026" not in world.carla.last.button_labels  # earlier days only
    await world.carla.tap("Mon, 7 Dec 2026")
    await world.carla.tap("4 weeks")
    assert "From Mon, 7 Dec 2026 to Mon, 21 Dec 2026" in world.carla.last.text  # the day before
    await world.carla.tap("Any time")
    assert "You are on the waitlist." in world.carla.last.text
    [entry] = await entries_of(world.database, world.carla.user.id)
    assert entry.course_id == old.id
    await ben_cancels(world)
    await run_the_job(world)
    offer = await wait_for_offer(world, world.carla)
    assert "Mon, 7 Dec 2026" in offer
    _notice, replies = await world.carla.tap("Accept")
    assert "Your request is sent" in replies[-1].text
    assert all(a.state is SessionState.CANCELLED for a in await _sessions(world, old.id))
    courses = [course for course, _ in await courses_of(world.database, world.carla.user.id)]
    assert [c.state for c in courses] == [CourseState.CANCELLED, CourseState.REQUESTED]
    [first, *_] = await _sessions(world, courses[1].id)
    assert first.local_date == date(2026, 12, 7)
    assert [o.state for o in await offers_of(world.database)] == [OfferState.ACCEPTED]


async def test_a_confirmed_treatment_moved_earlier_cancels_the_old_one(world: WaitWorld) -> None:
    """Ben's confirmed course (its calendar file published) starts on 7 December; he asks to
    move earlier; staff unblock the 3rd; he accepts: the new course is requested and every
    old session cancelled, the calendar file saying so."""
    await world.marta.command("block", "2026-12-03")
    await world.ben.command("appointments")
    await world.ben.tap("Move me earlier")
    await world.ben.tap("Tue, 1 Dec 2026")
    await world.ben.tap("2 weeks")
    assert "to Sun, 6 Dec 2026" in world.ben.last.text
    await world.ben.tap("Any time")
    assert "You are on the waitlist." in world.ben.last.text
    await world.marta.command("unblock", "2026-12-03")
    await run_the_job(world)
    offer = await wait_for_offer(world, world.ben)
    assert "Thu, 3 Dec 2026" in offer
    _notice, replies = await world.ben.tap("Accept")
    assert "Your request is sent" in replies[-1].text
    [(old, old_sessions), (new, new_sessions)] = await courses_of(
        world.database, world.ben.user.id
    )
    assert old.state is CourseState.CANCELLED
    assert all(a.state is SessionState.CANCELLED for a in old_sessions)
    assert new.state is CourseState.REQUESTED
    assert new_sessions[0].local_date == date(2026, 12, 3)


async def test_an_expired_request_frees_its_places(world: WaitWorld) -> None:
    """Carla's request nobody decided expires after 48 hours: its days become openings, and
    Ana, waiting for the 7th, is offered it."""
    await book_through_flow(world.carla, "Facial rejuvenation", day=7, at="09:00")
    await join(world.ana)
    world.clock.advance(timedelta(hours=49))
    services = world.app.bot_data.services
    async with services.database.write() as session:
        expired = await expire_due_requests(
            session=session, services=services, now=services.clock.now()
        )
    if expired:  # else the bot's own expiry job, started by the clock, was first
        assert len(expired) == 1
    [(course, _)] = await courses_of(world.database, world.carla.user.id)
    assert course.state is CourseState.EXPIRED
    async with world.database.read() as session:
        days = {opening.local_date for opening in await session.exec(select(WaitlistOpening))}
    assert date(2026, 12, 7) in days
    await run_the_job(world)
    assert "Mon, 7 Dec 2026" in await wait_for_offer(world, world.ana)


async def test_a_treatment_cancelled_meanwhile_is_not_moved_earlier(world: WaitWorld) -> None:
    """Carla asks to move her treatment earlier, then cancels it: the freed place goes to
    nobody on her behalf."""
    await book_through_flow(world.carla, "Facial rejuvenation", day=22, at="11:00")
    await world.carla.command("appointments")
    await world.carla.tap("Move me earlier")
    await world.carla.tap("Mon, 7 Dec 2026")
    await world.carla.tap("2 weeks")
    await world.carla.tap("Any time")
    await world.carla.command("appointments")
    await world.carla.tap("Cancel session 1")
    await world.carla.tap("Cancel this and all later sessions")
    await ben_cancels(world)
    await run_the_job(world)
    assert await offers_of(world.database) == []
