"""Calendar feeds through the real application and the emulator: a patient asks /calendar for
a link, their calendar app fetches it over HTTP (uvicorn on a loopback port), every parser
reads it the same as the files, SEQUENCE follows changes, ETag gives 304, and a replaced link
or an erased patient answers 404."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, time, timedelta

import httpx
import pytest
from sqlmodel import select

from botapi_emulator.driver import TelegramUser
from botapi_emulator.server import BotApiEmulator
from mesobot.calendar_feeds.links import FEED_PATH
from mesobot.calendar_feeds.models import PatientFeed
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from mesobot.models import Patient
from mesobot.privacy.erasure import erase_patient
from mesobot.web.feeds import feed_routes
from mesobot.web.serve import start_web_server
from tests.app_harness import running_bot, settings_for, started_user
from tests.calendar_delivery.helpers import (
    assert_instants_are_stored,
    booked_course,
    by_uid,
    cancel,
    confirm,
    events_of,
    move,
    sessions_of,
)
from tests.calendar_files.parsers import ParsedEvent, read_with_all

FIRST = date(2027, 3, 15)
PUBLIC = "https://clinic.example.org"
LINK = re.compile(r"^(https://clinic\.example\.org/feeds/[A-Za-z0-9_-]{43}\.ics)$", re.MULTILINE)


@dataclass
class Clinic:
    application: MesobotApplication
    anna: TelegramUser
    staff: TelegramUser
    http: httpx.AsyncClient


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def clinic(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> AsyncIterator[Clinic]:
    anna = started_user(emulator, "Anna", "García")
    staff = started_user(emulator, "Sam", "Staff")
    settings = settings_for(emulator, database_url=database_url, staff_ids=[staff.id])
    # The feeds are served below; MESOBOT_LISTEN only has to be set for the links to be offered.
    settings = settings.model_copy(
        update={"mesobot_public_url": PUBLIC, "mesobot_listen": "127.0.0.1:1"}
    )
    async with running_bot(settings, clock=clock) as application:
        # Served as the bot serves it: uvicorn on a loopback port, the feed routes alone.
        listen = f"127.0.0.1:{_free_port()}"
        server = await start_web_server(feed_routes(application.bot_data.services), listen)
        try:
            async with httpx.AsyncClient(base_url=f"http://{listen}") as http:
                yield Clinic(application, anna, staff, http)
        finally:
            await server.stop()


async def _link(user: TelegramUser, *, replace: bool = False) -> str:
    """Ask /calendar for the subscription link (or replace it), and read it from the reply."""
    user.send_command("calendar")
    reply = await user.next_bot_message(within=10)
    assert "🔗 Subscription link" in reply.button_labels
    user.press_button("🔗 Subscription link", message=reply)
    answer = await user.next_bot_message(after=reply, within=10)
    if replace:
        assert answer.text is not None
        assert "cannot show it again" in answer.text
        user.press_button("🔄 Make a new link", message=answer)
        answer = await user.next_bot_message(after=answer, within=10)
    assert answer.text is not None, answer
    found = LINK.search(answer.text)
    assert found is not None, answer.text
    assert f"webcal://clinic.example.org{FEED_PATH}/" in answer.text
    # Telegram's URL buttons take http(s) only: the links are text, not buttons.
    assert not any("url" in button for button in answer.buttons)
    return found.group(1).removeprefix(PUBLIC)


async def _feed(clinic: Clinic, path: str, etag: str | None = None) -> httpx.Response:
    headers = {"If-None-Match": etag} if etag else {}
    return await clinic.http.get(path, headers=headers)


def _events(response: httpx.Response) -> dict[str, ParsedEvent]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert "private" in response.headers["cache-control"]
    return by_uid(read_with_all(response.content))


async def test_a_patients_feed_follows_their_sessions(clinic: Clinic) -> None:
    app, anna = clinic.application, clinic.anna
    course_id = await booked_course(app, anna.id, first=FIRST)
    await confirm(app, course_id)
    file_message = await anna.next_bot_message(within=10)
    path = await _link(anna)

    first = await _feed(clinic, path)
    events = _events(first)
    # The same events as the file: UIDs, SEQUENCE, status and instants.
    assert events == by_uid(events_of(file_message))
    assert_instants_are_stored(list(events.values()), await sessions_of(app, course_id))
    assert b"Facial" not in first.content  # no treatment name without the clinic's opt-in
    assert b"Anna" not in first.content
    assert b"Garc" not in first.content
    etag = first.headers["etag"]
    unchanged = await _feed(clinic, path, etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    await move(app, course_id, {2: (date(2027, 3, 30), time(11, 30))})
    moved = await _feed(clinic, path, etag)
    assert moved.status_code == 200
    after = _events(moved)
    appointments = await sessions_of(app, course_id)
    assert [after[s.calendar_uid].sequence for s in appointments] == [0, 1, 0, 0]
    assert moved.headers["etag"] != etag

    await cancel(app, course_id, 3)
    third = appointments[2].calendar_uid
    cancelled = _events(await _feed(clinic, path))
    assert cancelled[third].status == "CANCELLED"
    assert cancelled[third].sequence == 1
    assert cancelled[third].alarms == 0

    # A cancelled session stays for 30 days after its cancellation, then drops out.
    clock = app.bot_data.services.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(days=29))
    assert third in _events(await _feed(clinic, path))
    clock.advance(timedelta(days=2))
    later = _events(await _feed(clinic, path))
    assert third not in later
    assert set(later) == {s.calendar_uid for s in appointments} - {third}


async def test_a_replaced_link_answers_404_and_the_new_one_works(clinic: Clinic) -> None:
    app, anna = clinic.application, clinic.anna
    course_id = await booked_course(app, anna.id, first=FIRST)
    await confirm(app, course_id)
    await anna.next_bot_message(within=10)
    old = await _link(anna)
    assert (await _feed(clinic, old)).status_code == 200

    new = await _link(anna, replace=True)
    assert new != old
    gone = await _feed(clinic, old)
    assert gone.status_code == 404
    assert gone.text == "Not found\n"
    assert len(_events(await _feed(clinic, new))) == 4
    # Only a hash of the secret is stored.
    async with app.bot_data.services.database.read() as session:
        row = await session.get(PatientFeed, await _patient_id(app, anna))
    assert row is not None
    assert new.removeprefix(f"{FEED_PATH}/").removesuffix(".ics") not in row.token_hash
    # Malformed and made-up secrets look the same as a replaced one.
    for wrong in (f"{FEED_PATH}/x.ics", f"{FEED_PATH}/{'A' * 43}.ics", f"{old[:-5]}B.ics"):
        assert (await _feed(clinic, wrong)).status_code == 404


async def _patient_id(app: MesobotApplication, user: TelegramUser) -> int:
    async with app.bot_data.services.database.read() as session:
        patient = (
            await session.exec(select(Patient).where(Patient.telegram_user_id == user.id))
        ).one()
    assert patient.id is not None
    return patient.id


async def test_erasing_a_patient_revokes_their_feed(clinic: Clinic) -> None:
    app, anna = clinic.application, clinic.anna
    course_id = await booked_course(app, anna.id, first=FIRST)
    await confirm(app, course_id)
    await anna.next_bot_message(within=10)
    path = await _link(anna)
    assert (await _feed(clinic, path)).status_code == 200
    services = app.bot_data.services
    patient_id = await _patient_id(app, anna)
    async with services.database.write() as session:
        erased = await erase_patient(
            session=session,
            services=services,
            patient_id=patient_id,
            actor="patient",
            now=services.clock.now(),
        )
    assert erased is not None
    assert (await _feed(clinic, path)).status_code == 404
    async with services.database.read() as session:
        assert await session.get(PatientFeed, patient_id) is None


async def test_the_staff_feed_has_initials_and_codes_only(clinic: Clinic) -> None:
    app, anna, staff = clinic.application, clinic.anna, clinic.staff
    clock = app.bot_data.services.clock
    assert isinstance(clock, ManualClock)
    course_id = await booked_course(app, anna.id, first=FIRST)
    await confirm(app, course_id)
    await anna.next_bot_message(within=10)
    clock.set(clock.now().replace(year=2027, month=3, day=10))
    path = await _link(staff)
    response = await _feed(clinic, path)
    events = _events(response)
    appointments = await sessions_of(app, course_id)
    in_window = [a for a in appointments if a.local_date < date(2027, 4, 9)]
    assert sorted(events) == sorted(f"staff-{a.calendar_uid}" for a in in_window)
    for appointment in in_window:
        event = events[f"staff-{appointment.calendar_uid}"]
        assert event.summary == f"A.G. · {appointment.code}"
    for personal in (b"Anna", b"Garc", b"Facial", b"facial"):
        assert personal not in response.content
    # Same bytes, same ETag: a calendar app polling every hour gets 304s.
    again = await _feed(clinic, path, response.headers["etag"])
    assert again.status_code == 304


async def test_a_link_asked_before_any_confirmed_session_is_an_empty_feed(clinic: Clinic) -> None:
    app, anna = clinic.application, clinic.anna
    course_id = await booked_course(app, anna.id, first=FIRST)  # requested, not confirmed
    path = await _link(anna)
    empty = await _feed(clinic, path)
    assert _events(empty) == {}
    assert b"X-WR-CALNAME:" in empty.content
    assert b"my sessions" in empty.content
    await confirm(app, course_id)
    assert len(_events(await _feed(clinic, path))) == 4


async def test_without_a_public_url_calendar_offers_no_link(
    emulator: BotApiEmulator, database_url: str, clock: ManualClock
) -> None:
    anna = started_user(emulator, "Anna", "García")
    settings = settings_for(emulator, database_url=database_url)
    assert not settings.feeds_enabled
    async with running_bot(settings, clock=clock) as application:
        course_id = await booked_course(application, anna.id, first=FIRST)
        await confirm(application, course_id)
        await anna.next_bot_message(within=10)
        anna.send_command("calendar")
        reply = await anna.next_bot_message(within=10)
    assert reply.document is not None
    assert reply.button_labels == []
