"""What a patient adds to a report after making it, through the emulator: merged into one
staff message a minute at most, about ten an hour, the rest in /reports; one open report per
sign; and no outbox row holding what the patient typed."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import JSON, bindparam, text
from sqlmodel import select

from botapi_emulator.driver import TelegramUser
from botapi_emulator.state import Message
from mesobot.care.additions import DIGESTS_PER_WINDOW
from mesobot.clock import ManualClock
from mesobot.db import Database, UTCDateTime
from mesobot.handlers.context import MesobotApplication
from mesobot.migrate import alembic_config
from mesobot.outbox.models import OutboxMessage
from tests.care.conftest import CareWorld
from tests.care.test_reports import _reported, _text

_PHOTO = re.compile(r"photo (\d+)\b")


def _digests(member: TelegramUser) -> list[Message]:
    return [m for m in member.bot_messages if "the patient" in _text(m) and "added" in _text(m)]


def _alerts(member: TelegramUser) -> list[Message]:
    """The alerts (not /reports entries, which show the same report with other buttons)."""
    return [
        m
        for m in member.bot_messages
        if "Reaction report #" in _text(m) and "I'll call the patient" in m.button_labels
    ]


async def _settled(app: MesobotApplication, world: CareWorld) -> None:
    """Every update handled and every message due now sent."""
    await world.emulator.wait_until_delivered()
    dispatcher = app.bot_data.dispatcher
    assert dispatcher is not None
    await dispatcher.drain()


async def _send_photos(world: CareWorld, numbers: range) -> None:
    """The patient sends captioned photos, and waits for the bot to have thanked each."""
    patient = world.patient
    for number in numbers:
        sent = patient.send_photo(caption=f"photo {number}")
        await patient.next_bot_message(after=sent, where=lambda m: "Thank you" in _text(m))


async def test_a_burst_of_photos_reaches_each_staff_member_once_merged_a_minute_apart(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """30 photos sent at once: staff get the first at once and whatever followed merged into
    one message a minute later, each photo in exactly one of them, the latest attached."""
    await _reported(app, world, clock, "skin_colour")
    await _send_photos(world, range(30))
    await _settled(app, world)
    for member in world.staff:
        assert len(_digests(member)) == 1
    clock.advance(timedelta(seconds=59))
    await _settled(app, world)
    for member in world.staff:
        assert len(_digests(member)) == 1  # not before the minute is up
    clock.advance(timedelta(seconds=1))
    await _settled(app, world)
    for member in world.staff:
        digests = _digests(member)
        # Two, unless all 30 came before the first left (then it shows them all).
        assert len(digests) <= 2
        shown = [int(n) for m in digests for n in _PHOTO.findall(_text(m))]
        assert sorted(shown) == list(range(30))
        # The latest photo with each (a text too long for a caption follows its photo); the
        # alert shows the first photo too if it left after it came.
        alerts = _alerts(member)
        assert len(alerts) == 1  # the photos never raised another alert
        photos = [m for m in member.bot_messages if m.photo and m not in alerts]
        assert len(photos) == len(digests)


async def test_past_ten_an_hour_additions_wait_in_reports(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """One photo a minute for twelve minutes: ten messages, the tenth saying the rest go to
    /reports; /reports counts all twelve, and Additions shows every one."""
    await _reported(app, world, clock, "infection")
    for number in range(12):
        await _send_photos(world, range(number, number + 1))
        await _settled(app, world)
        clock.advance(timedelta(minutes=1))
    await _settled(app, world)
    marta = world.staff[0]
    digests = _digests(marta)
    assert len(digests) == DIGESTS_PER_WINDOW
    assert "Further additions within the hour go to /reports only." in _text(digests[-1])
    assert not any("Further additions" in _text(m) for m in digests[:-1])
    marta.send_command("reports")
    entry = await marta.next_bot_message(where=lambda m: "Additions (12)" in m.button_labels)
    assert "Added by the patient since: 12 (12 photos)." in _text(entry)
    marta.press_button("Additions (12)", message=entry)
    listing = await marta.next_bot_message(
        after=entry, where=lambda m: "Everything added to report #" in _text(m)
    )
    assert sorted(int(n) for n in _PHOTO.findall(_text(listing))) == list(range(12))
    note = await marta.next_bot_message(
        after=listing, where=lambda m: "latest 10 of 12" in _text(m)
    )
    following = marta.chat.messages
    # Ten photos to one chat: at Telegram's one a second per chat, after a short burst.
    await world.emulator.wait_for(
        lambda: len([m for m in following[following.index(note) :] if m.photo]) == 10,
        within=30,
    )
    photos = [m for m in following[following.index(note) :] if m.photo]
    assert [int(_PHOTO.findall(_text(m))[0]) for m in photos] == list(range(2, 12))


async def test_one_open_report_per_sign(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """The same sign again while its report is open adds to it (no second alert); another
    sign makes its own report; once closed, the sign makes a new one."""
    await _reported(app, world, clock, "swelling")
    marta = world.staff[0]
    await marta.next_bot_message(where=lambda m: "Reaction report #" in _text(m))
    # Every alert out before the clock jumps: a jump past the lease of one still being sent
    # would let the outbox claim it again and send it twice.
    await _settled(app, world)
    clock.advance(timedelta(minutes=20))
    signs = app.bot_data.services.clinic.care.signs

    async def press(sign: str) -> None:
        world.patient.send_command("report")
        asked = await world.patient.next_bot_message(where=lambda m: "What do you see" in _text(m))
        world.patient.press_button(signs[sign].label.in_language("en"), message=asked)
        await world.patient.next_bot_message(
            after=asked, where=lambda m: "send a photo" in _text(m)
        )
        await _settled(app, world)

    await press("swelling")
    assert len(_alerts(marta)) == 1
    again = await marta.next_bot_message(where=lambda m: "reported again" in _text(m))
    assert signs["swelling"].staff_label.in_language("en") in _text(again)
    await press("nausea")
    assert len(_alerts(marta)) == 2
    number = int(re.findall(r"#(\d+)", _text(_alerts(marta)[0]))[0])
    marta.send_command("reports")
    first = await marta.next_bot_message(
        where=lambda m: f"Reaction report #{number}," in _text(m) and "Close" in m.button_labels
    )
    marta.press_button("Close", message=first)
    prompt = await marta.next_bot_message(after=first, where=lambda m: "note to close" in _text(m))
    marta.send_text("Seen, settling", reply_to=prompt)
    await marta.next_bot_message(where=lambda m: "is closed" in _text(m))
    await press("swelling")
    assert len(_alerts(marta)) == 3


async def test_no_outbox_row_holds_what_the_patient_typed(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """A description and a photo's caption reach staff, read from the report at send time;
    the outbox rows (kept, and exported) hold ids and parameters only."""
    _question, replies = await _reported(app, world, clock, "other")
    typed = ["Zebra-striped rash since Monday", "Left cheek, burning"]
    world.patient.send_text(typed[0], reply_to=replies[-1])
    await world.patient.next_bot_message(where=lambda m: "Thank you" in _text(m))
    world.patient.send_photo(caption=typed[1])
    await world.patient.next_bot_message(where=lambda m: "Thank you" in _text(m))
    clock.advance(timedelta(minutes=1))
    await _settled(app, world)
    marta = world.staff[0]
    received = " ".join(_text(m) for m in _digests(marta))
    assert all(words in received for words in typed)
    async with app.bot_data.services.database.read() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    kept = json.dumps([row.payload for row in rows]) + " ".join(str(r.last_error) for r in rows)
    for words in typed:
        assert words not in kept
        assert words.split()[0] not in kept


def test_the_migration_takes_typed_text_out_of_queued_additions(
    empty_database_url: str,
) -> None:
    """Additions queued before digests held the patient's text: the migration leaves their
    report's id only, and one still to go says where to read it."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "a635ed82b744")  # the revision before additions were stored
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    payload = {"report_id": 1, "photo_file_id": "AgAD", "description": "Burning since Monday"}
    insert = text(
        "INSERT INTO outbox_message (recipient, kind, payload, due_at, next_attempt_at, state, "
        "attempts, priority, idempotency_key, created_at) VALUES "
        "(7, 'care.report_addition', :payload, :now, :now, 'sent', 1, 100, 'addition', :now)"
    ).bindparams(
        bindparam("payload", payload, type_=JSON()), bindparam("now", now, type_=UTCDateTime())
    )

    async def queue() -> None:
        database = Database(empty_database_url)
        async with database.write() as session:
            await session.exec(insert)
        await database.dispose()

    async def read() -> list[dict[str, object]]:
        database = Database(empty_database_url)
        async with database.read() as session:
            rows = (await session.exec(select(OutboxMessage))).all()
        await database.dispose()
        return [dict(row.payload) for row in rows]

    asyncio.run(queue())
    command.upgrade(config, "head")
    assert asyncio.run(read()) == [{"report_id": 1}]
