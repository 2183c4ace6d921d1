"""The waitlist end to end: patients join from the calendar, Ben's cancellation frees a place,
and the bot offers it, in order of joining, through the outbox (the real application, the
emulator and the test clock; SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlmodel import select

from mesobot.models import Course, CourseState, Patient
from mesobot.waitlist.models import EntryState, OfferState
from tests.booking.test_flow import through_consent, through_contact, through_questions
from tests.waitlist.conftest import (
    FREED_DAY,
    WaitWorld,
    ben_cancels,
    entries_of,
    holding_on,
    join,
    offers_of,
    offers_to,
    run_the_job,
    wait_for_offer,
)


async def courses_requested(world: WaitWorld, telegram_id: int) -> list[Course]:
    async with world.database.read() as session:
        patient = (
            await session.exec(select(Patient).where(Patient.telegram_user_id == telegram_id))
        ).first()
        if patient is None:
            return []
        query = select(Course).where(
            Course.patient_id == patient.id, Course.state == CourseState.REQUESTED
        )
        return list(await session.exec(query))


async def test_a_freed_place_is_offered_accepted_booked_and_sent_to_staff(
    world: WaitWorld,
) -> None:
    """Ana joins; Ben cancels; Ana is offered the course from 7 December, accepts, and the
    course is requested; Marta gets the request."""
    confirmation = await join(world.ana)
    assert "You are on the waitlist." in confirmation
    assert "Facial rejuvenation: from Mon, 7 Dec 2026 to Sun, 20 Dec 2026 (Mornings)" in (
        confirmation
    )
    assert "holds for 60 minutes" in confirmation
    [entry] = await entries_of(world.database, world.ana.user.id)
    assert entry.state is EntryState.WAITING
    await run_the_job(world)
    assert await offers_of(world.database) == []  # nothing freed yet
    await ben_cancels(world)
    requests_before = len(world.marta.user.bot_messages)
    await run_the_job(world)
    offer = await wait_for_offer(world, world.ana)
    assert "Mon, 7 Dec 2026" in offer
    assert "Accept within 60 minutes" in offer
    _notice, replies = await world.ana.tap("Accept")
    assert "Your request is sent" in replies[-1].text
    [course] = await courses_requested(world, world.ana.user.id)
    assert course.treatment == "facial_rejuvenation"
    assert course.answers["name"] == "Ana"
    assert [a.course_id for a in await holding_on(world.database, FREED_DAY)] == [course.id]
    [entry] = await entries_of(world.database, world.ana.user.id)
    assert entry.state is EntryState.BOOKED
    request = await world.emulator.wait_for(
        lambda: next(
            (m for m in world.marta.user.bot_messages[requests_before:] if "Ana" in m.text), None
        ),
        within=10,
    )
    assert "Facial rejuvenation" in request.text
    # The offer's button is spent now.
    notice, _ = await world.ana.tap("Accept")
    assert notice is not None
    assert "This offer has ended" in notice


async def test_an_offer_and_a_calendar_booking_race_for_one_place_and_one_wins(
    world: WaitWorld,
) -> None:
    """Ana accepts her offer at the moment Carla confirms the same first slot from the
    calendar: exactly one of them holds the place, the other is told."""
    await join(world.ana)
    await ben_cancels(world)
    await run_the_job(world)
    await wait_for_offer(world, world.ana)
    [offer] = await offers_of(world.database)
    slot = f"{offer.first_minute // 60:02d}:{offer.first_minute % 60:02d}"
    await through_consent(world.carla)
    await world.carla.tap("Facial rejuvenation")
    await world.carla.tap("Book this treatment")
    await through_questions(world.carla)
    await through_contact(world.carla, name="Carla")
    await world.carla.tap(str(offer.first_day.day))
    await world.carla.tap(slot)
    assert "Your treatment" in world.carla.last.text
    accept = world.ana.user.press_button("Accept")
    confirm = world.carla.user.press_button("Confirm")
    await world.emulator.wait_for(lambda: accept.answered and confirm.answered, within=10)
    for patient in (world.ana, world.carla):
        await patient._settle()
    booked = [
        *await courses_requested(world, world.ana.user.id),
        *await courses_requested(world, world.carla.user.id),
    ]
    assert len(booked) == 1
    holding = await holding_on(world.database, offer.first_day)
    assert [
        a.course_id
        for a in holding
        if a.local_time.hour * 60 + a.local_time.minute == (offer.first_minute)
    ] == [booked[0].id]
    [offer] = await offers_of(world.database)
    if booked[0].patient_id == offer.patient_id:
        assert offer.state is OfferState.ACCEPTED
    else:
        assert offer.state is OfferState.TAKEN
        assert "that place was just taken: you stay on the waitlist" in world.ana.last.text
        [entry] = await entries_of(world.database, world.ana.user.id)
        assert entry.state is EntryState.WAITING


async def test_an_expired_offer_goes_to_the_next_patient(world: WaitWorld) -> None:
    """Ana (first to join) lets her offer run out; an hour after delivery it goes to Carla."""
    await join(world.ana)
    await join(world.carla)
    await ben_cancels(world)
    await run_the_job(world)
    await wait_for_offer(world, world.ana)
    await asyncio.sleep(0)
    assert offers_to(world.carla) == []  # one offer per freed place at a time
    await run_the_job(world, minutes=30)
    assert [offer.state for offer in await offers_of(world.database)] == [OfferState.OPEN]
    await run_the_job(world, minutes=31)
    await wait_for_offer(world, world.carla)
    notice, _ = await world.ana.tap("Accept")
    assert notice is not None
    assert "This offer has ended" in notice
    assert await courses_requested(world, world.ana.user.id) == []
    _notice, replies = await world.carla.tap("Accept")
    assert "Your request is sent" in replies[-1].text
    states = [offer.state for offer in await offers_of(world.database)]
    assert states == [OfferState.EXPIRED, OfferState.ACCEPTED]


async def test_a_declined_offer_goes_to_the_next_patient(world: WaitWorld) -> None:
    """No, thanks passes the place on at once."""
    await join(world.ana)
    await join(world.carla)
    await ben_cancels(world)
    await run_the_job(world)
    await wait_for_offer(world, world.ana)
    notice, _ = await world.ana.tap("No, thanks")
    assert notice is not None
    assert "you stay on the waitlist" in notice
    await run_the_job(world)
    await wait_for_offer(world, world.carla)


async def test_an_entry_expires_at_the_end_of_its_range(world: WaitWorld) -> None:
    """Ana waits from 7 to 20 December; on the 21st her entry has ended and /appointments
    no longer lists it."""
    await join(world.ana)
    replies = await world.ana.command("appointments")
    assert any("Waitlist" in reply.text for reply in replies)
    await run_the_job(world, minutes=60 * 24 * 20)  # Sunday 20 December, 09:00 in Madrid
    [entry] = await entries_of(world.database, world.ana.user.id)
    assert entry.state is EntryState.WAITING
    await run_the_job(world, minutes=60 * 24)  # Monday 21 December
    [entry] = await entries_of(world.database, world.ana.user.id)
    assert entry.state is EntryState.EXPIRED
    replies = await world.ana.command("appointments")
    assert not any("Waitlist" in reply.text for reply in replies)


async def test_a_patient_who_leaves_gets_no_offer(world: WaitWorld) -> None:
    """Ana leaves the list from /appointments before Ben cancels: the place goes to Carla."""
    await join(world.ana)
    await join(world.carla)
    await world.ana.command("appointments")
    notice, _ = await world.ana.tap("Leave the waitlist")
    assert notice == "You have left the waitlist."
    await ben_cancels(world)
    await run_the_job(world)
    await wait_for_offer(world, world.carla)
    assert offers_to(world.ana) == []
    assert {offer.patient_id for offer in await offers_of(world.database)} == {
        (await entries_of(world.database, world.carla.user.id))[0].patient_id
    }


async def test_staff_list_and_remove_entries_in_private(world: WaitWorld) -> None:
    """/waitlist lists Ana's entry with Remove; removing it ends it."""
    await join(world.ana)
    [reply] = await world.marta.command("waitlist")
    assert "1 patient waiting" in reply.text
    assert "Ana" in reply.text
    [entry] = await entries_of(world.database, world.ana.user.id)
    notice, _ = await world.marta.tap(f"Remove #{entry.id}")
    assert notice == f"Entry #{entry.id} removed from the waitlist."
    assert "Nobody is on the waitlist." in world.marta.last.text
    [entry] = await entries_of(world.database, world.ana.user.id)
    assert entry.state is EntryState.REMOVED


async def test_a_patient_holds_three_entries_at_most(world: WaitWorld) -> None:
    """The clinic file's waitlist_max_entries (3 in the sample)."""
    assert "You are on the waitlist." in await join(world.ana, start="Tue, 1 Dec 2026")
    for start in ("Mon, 7 Dec 2026", "Mon, 14 Dec 2026"):
        assert "You are on the waitlist." in await join(world.ana, start=start, again=True)
    assert "3 times at most" in await join(world.ana, start="Mon, 21 Dec 2026", again=True)
    assert len(await entries_of(world.database, world.ana.user.id)) == 3


async def test_an_offer_waits_out_the_quiet_hours_and_holds_from_its_delivery(
    world: WaitWorld,
) -> None:
    """A place freed at 22:30 in Madrid is offered at 09:00, and holds an hour from then."""
    await join(world.ana)
    world.clock.set(datetime(2026, 11, 30, 21, 30, tzinfo=UTC))  # 22:30 in Madrid
    await ben_cancels(world)
    await run_the_job(world)
    [offer] = await offers_of(world.database)
    assert offer.state is OfferState.OPEN
    await asyncio.sleep(0.05)
    assert offers_to(world.ana) == []  # quiet hours (21:00-09:00)
    world.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))  # 09:00 in Madrid
    await wait_for_offer(world, world.ana)
    await run_the_job(world, minutes=59)
    [offer] = await offers_of(world.database)
    assert offer.state is OfferState.OPEN  # 11 hours after it was made, 59 minutes delivered
    _notice, replies = await world.ana.tap("Accept")
    assert "Your request is sent" in replies[-1].text
