"""Reaction reports end to end through the emulator: each sign, the staff alert with the photo,
acknowledgement stopping re-sends, re-sends on time, and emergency advice first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from botapi_emulator.state import Message
from mesobot.clock import ManualClock
from mesobot.handlers.context import MesobotApplication
from tests.care.conftest import CareWorld, add_patient, booked_and_confirmed
from tests.care.test_schedule import madrid
from tests.factories import sample_clinic

SIGNS = list(sample_clinic().care.signs)


def _text(message: Message) -> str:
    return message.text or message.caption or ""


async def _reported(
    app: MesobotApplication, world: CareWorld, clock: ManualClock, sign: str
) -> tuple[Message, list[Message]]:
    """The patient reports `sign` after their session; returns the sign question and the
    patient's messages that followed."""
    services = app.bot_data.services
    patient_id = await add_patient(
        services.database, world.patient.id, language="en", now=clock.now()
    )
    await booked_and_confirmed(services, patient_id)
    # The calendar file of the confirmation comes first: waited for, so that it cannot arrive
    # between the report's messages (seen under load).
    await world.patient.next_bot_message(where=lambda m: m.document is not None)
    clock.set(madrid(2026, 12, 3, 11, 0))  # Thursday, an hour after the session: open
    await world.emulator.wait_until_delivered()
    world.patient.send_command("report")
    question = await world.patient.next_bot_message(where=lambda m: "What do you see" in _text(m))
    label = sample_clinic().care.signs[sign].label.in_language("en")
    world.patient.press_button(label, message=question)
    prompt = await world.patient.next_bot_message(
        after=question, where=lambda m: "send a photo" in _text(m)
    )
    following = world.patient.chat.messages
    return question, following[following.index(question) + 1 : following.index(prompt) + 1]


@pytest.mark.parametrize("sign", SIGNS)
async def test_a_report_of_each_sign_reaches_staff_and_one_acknowledgement_stops_resends(
    app: MesobotApplication, world: CareWorld, clock: ManualClock, sign: str
) -> None:
    _question, replies = await _reported(app, world, clock, sign)
    config = sample_clinic().care.signs[sign]
    if config.severity == "emergency":
        assert "call emergency services now on 112" in _text(replies[0])
    else:
        assert not any("emergency services now" in _text(m) for m in replies)
    assert any("have your report now" in _text(m) for m in replies)  # open: honest and short
    marta, rui = world.staff
    for member in world.staff:
        alert = await member.next_bot_message(where=lambda m: "Reaction report #" in _text(m))
        assert config.staff_label.in_language("en") in _text(alert)
        assert "Session: Facial rejuvenation, 1/4" in _text(alert)
        assert alert.button_labels == ["Acknowledge", "I'll call the patient"]
    notice = await marta.next_bot_message(chat=world.group, where=lambda m: "Report #" in _text(m))
    assert config.staff_label.in_language("en") not in _text(notice)
    assert config.label.in_language("en") not in _text(notice)
    world.patient.send_photo(caption="since this morning")
    addition = await marta.next_bot_message(where=lambda m: m.photo is not None)
    assert "since this morning" in _text(addition)
    rui.press_button("Acknowledge")
    seen = await world.patient.next_bot_message(
        where=lambda m: "have seen your report" in _text(m)
    )
    assert seen is not None
    clock.advance(timedelta(minutes=31))
    await world.emulator.wait_until_delivered()
    for member in world.staff:
        assert not any("sent again" in _text(m) for m in member.bot_messages)
    # The patient never sees what staff read as a possible reaction.
    assert not any(
        config.staff_label.in_language("en") in _text(m) for m in world.patient.bot_messages
    )


async def test_an_unacknowledged_alert_goes_again_on_time_then_tops_reports(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    await _reported(app, world, clock, "skin_colour")
    marta, rui = world.staff
    for member in world.staff:
        await member.next_bot_message(where=lambda m: "Reaction report #" in _text(m))
    clock.advance(timedelta(minutes=29))
    await world.emulator.wait_until_delivered()
    assert not any("sent again" in _text(m) for m in marta.bot_messages)
    clock.advance(timedelta(minutes=1))
    for member in world.staff:
        again = await member.next_bot_message(where=lambda m: "sent again (1 of 4)" in _text(m))
        assert again.button_labels == ["Acknowledge", "I'll call the patient"]
    for round_number in (2, 3, 4):
        clock.advance(timedelta(minutes=30))
        # Both: a re-send still on its way to Marta would otherwise answer her /reports below.
        for member in world.staff:
            await member.next_bot_message(
                where=lambda m, n=round_number: f"sent again ({n} of 4)" in _text(m)
            )
    clock.advance(timedelta(hours=2))
    await world.emulator.wait_until_delivered()
    assert not any("sent again (5" in _text(m) for m in rui.bot_messages)
    marta.send_command("reports")
    top = await marta.next_bot_message(where=lambda m: bool(m.buttons))
    assert "NOBODY HAS ACKNOWLEDGED" in _text(top)
    marta.press_button("I'll call the patient", message=marta.bot_messages[0])
    told = await world.patient.next_bot_message(where=lambda m: "will call you" in _text(m))
    assert told is not None


async def test_closing_a_report_with_a_note(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    await _reported(app, world, clock, "nausea")
    marta = world.staff[0]
    await marta.next_bot_message(where=lambda m: "Reaction report #" in _text(m))
    marta.send_command("reports")
    entry = await marta.next_bot_message(where=lambda m: "Close" in m.button_labels)
    assert entry.button_labels == ["Acknowledge", "Contact patient", "Close"]
    marta.press_button("Close", message=entry)
    prompt = await marta.next_bot_message(after=entry, where=lambda m: "note to close" in _text(m))
    reply = marta.send_text("Called her, settling", reply_to=prompt)
    closed = await marta.next_bot_message(after=reply)
    assert "is closed" in _text(closed)
    marta.send_command("reports")
    empty = await marta.next_bot_message(after=closed)
    assert "No open reports" in _text(empty)


async def test_a_description_or_photo_for_a_report_gets_one_answer_only(
    app: MesobotApplication, world: CareWorld, clock: ManualClock
) -> None:
    """Replying to the report prompt, or sending a photo, is care's alone: the booking flow
    (which takes any private text as an answer to its step) does not answer it as well."""
    _question, replies = await _reported(app, world, clock, SIGNS[0])
    prompt = replies[-1]
    before = len(world.patient.chat.messages)
    world.patient.send_text("It is darker since this morning", reply_to=prompt)
    world.patient.send_photo(caption="the left cheek")
    # One patient's updates are handled in order, so whatever answers the two messages above
    # arrives before the answer to this /help.
    world.patient.send_command("help")
    await world.patient.next_bot_message(where=lambda m: "What I can do" in _text(m))
    # The confirmation's calendar file may arrive in between; it answers nothing.
    # Care's own messages (the aftercare, late) may arrive in between too, at Telegram's pace.
    answers = [
        _text(m)
        for m in world.patient.chat.messages[before:]
        if m.from_bot and m.document is None and "a little late" not in _text(m)
    ]
    assert answers[:-1] == ["Thank you, the clinic's staff have it with your report."] * 2
