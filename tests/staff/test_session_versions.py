"""Buttons acting on one session carry its version: one drawn before the session changed acts
on nothing and shows the session as it is now, with buttons that act on it."""

from __future__ import annotations

from datetime import date, time

from sqlmodel import col, select

from botapi_emulator.driver import TelegramUser
from botapi_emulator.state import Message
from mesobot.models import Appointment, SessionState
from mesobot.outbox.models import OutboxMessage
from mesobot.staff import buttons, patient_notices
from mesobot.staff.models import AuditEntry
from tests.staff.conftest import Clinic, answer_to, confirmed

LAST_DAY = date(2027, 1, 18)  # the fourth session of the course `confirmed` books


async def _bob_moves_the_last_session(clinic: Clinic, code: str) -> None:
    """Bob moves the course's fourth session to Tue, 19 Jan 2027, 12:00 from its /session card."""
    card = await answer_to(clinic.bob, "session", code)
    clinic.bob.press_button("Move", message=card)
    await clinic.emulator.wait_for(lambda: "Tue, 19 Jan 2027" in card.button_labels)
    clinic.bob.press_button("Tue, 19 Jan 2027", message=card)
    await clinic.emulator.wait_for(lambda: "12:00" in card.button_labels)
    query = clinic.bob.press_button("12:00", message=card)
    await clinic.emulator.wait_for(lambda: query.answered)


async def _session(clinic: Clinic, appointment_id: int | None) -> Appointment:
    async with clinic.services.database.read() as session:
        found = await session.get(Appointment, appointment_id)
    assert found is not None
    return found


async def _actions(clinic: Clinic) -> list[str]:
    """The staff changes recorded, in order (views of a patient's data left out)."""
    query = select(AuditEntry.action).where(col(AuditEntry.action).not_like("view:%"))
    async with clinic.services.database.read() as session:
        return list(await session.exec(query.order_by(col(AuditEntry.id))))


def _card_after(user: TelegramUser, pressed: Message) -> Message | None:
    """The bot's first message in the user's chat after the one pressed."""
    later = user.chat.messages[user.chat.messages.index(pressed) + 1 :]
    return next((m for m in later if m.from_bot), None)


async def test_done_on_an_agenda_drawn_before_the_session_moved_acts_on_nothing(
    clinic: Clinic,
) -> None:
    """Rita's agenda of 18 January, then Bob moves its session to the 19th at 12:00: Rita's
    Done marks nothing, tells her where the session is now, and gives her a card that acts."""
    last = (await confirmed(clinic))[3]
    agenda = await answer_to(clinic.rita, "agenda", LAST_DAY.isoformat())
    assert last.code in (agenda.text or "")
    await _bob_moves_the_last_session(clinic, last.code)
    press = clinic.rita.press_button("Done 10:00", message=agenda)
    answer = await clinic.emulator.wait_for(lambda: press.answer)
    assert answer["text"] == (
        f"Session {last.code} has changed meanwhile: it is now confirmed, Tue, 19 Jan 2027, "
        "12:00. Here it is as it is now."
    )
    assert answer.get("show_alert") is True
    card = await clinic.emulator.wait_for(lambda: _card_after(clinic.rita, agenda))
    assert "has changed meanwhile" in (card.text or "")
    assert f"Tue, 19 Jan 2027\n12:00 {last.code} Ana Pérez" in (card.text or "")
    after = await _session(clinic, last.id)
    assert (after.state, after.local_date, after.local_time) == (
        SessionState.CONFIRMED,
        date(2027, 1, 19),
        time(12, 0),
    )
    assert "done" not in await _actions(clinic)
    # The card shows the session as it is now: its Done acts.
    done = clinic.rita.press_button("Done 12:00", message=card)
    await clinic.emulator.wait_for(lambda: done.answer)
    assert (await _session(clinic, last.id)).state == SessionState.DONE


async def test_a_cancel_confirmed_after_someone_marked_the_session_done_cancels_nothing(
    clinic: Clinic,
) -> None:
    """Rita asks to cancel, Bob marks the session done, Rita says yes: nothing is cancelled
    and the patient hears nothing; Rita reads who marked it done and when."""
    first = (await confirmed(clinic))[0]
    card = await answer_to(clinic.rita, "session", first.code)
    clinic.rita.press_button("Cancel", message=card)
    ask = await clinic.rita.next_bot_message(
        after=card, where=lambda m: "Cancel this session?" in (m.text or "")
    )
    bobs = await answer_to(clinic.bob, "session", first.code)
    done = clinic.bob.press_button("Done 10:00", message=bobs)
    await clinic.emulator.wait_for(lambda: done.answer)
    told_before = len(clinic.patient.bot_messages)
    press = clinic.rita.press_button("Yes, cancel it and tell the patient", message=ask)
    answer = await clinic.emulator.wait_for(lambda: press.answer)
    assert answer["text"] == f"Session {first.code} is already marked done: Bob at 09:00."
    assert (await _session(clinic, first.id)).state == SessionState.DONE
    assert await _actions(clinic) == ["confirm", "done"]
    async with clinic.services.database.read() as session:
        kinds = list(await session.exec(select(OutboxMessage.kind)))
    assert patient_notices.SESSION_CANCELLED not in kinds
    # Bob's Done may still be sending the patient its aftercare, at Telegram's pace: what
    # matters is that nothing tells the patient of a cancellation.
    later = [m.text or m.caption or "" for m in clinic.patient.bot_messages[told_before:]]
    assert not [text for text in later if "cancel" in text.lower()]


async def test_a_move_begun_before_another_move_shows_the_session_as_it_is_now(
    clinic: Clinic,
) -> None:
    """Rita starts moving the last session; Bob moves it first: Rita's day shows the session
    where Bob put it, in place of the day's times, and moves nothing."""
    last = (await confirmed(clinic))[3]
    card = await answer_to(clinic.rita, "session", last.code)
    clinic.rita.press_button("Move", message=card)
    await clinic.emulator.wait_for(lambda: "Wed, 20 Jan 2027" in card.button_labels)
    await _bob_moves_the_last_session(clinic, last.code)
    press = clinic.rita.press_button("Wed, 20 Jan 2027", message=card)
    await clinic.emulator.wait_for(lambda: press.answer)
    await clinic.emulator.wait_for(lambda: "has changed meanwhile" in (card.text or ""))
    assert "Tue, 19 Jan 2027, 12:00" in (card.text or "")
    assert card.button_labels == ["Done 12:00", "No-show", "Move", "Cancel"]
    after = await _session(clinic, last.id)
    assert (after.local_date, after.local_time) == (date(2027, 1, 19), time(12, 0))


async def test_a_button_drawn_before_sessions_had_versions_acts_on_nothing(
    clinic: Clinic,
) -> None:
    """A Done button of an older bot (no version in it) shows the session, marks nothing."""
    first = (await confirmed(clinic))[0]
    card = await answer_to(clinic.rita, "session", first.code)
    old = clinic.services.codec.encode(buttons.UnversionedSessionAction(first.id or 0, "d"))
    press = clinic.rita.press_button(data=old, message=card)
    answer = await clinic.emulator.wait_for(lambda: press.answer)
    assert f"Session {first.code} has changed meanwhile: it is now confirmed" in answer["text"]
    assert (await _session(clinic, first.id)).state == SessionState.CONFIRMED
    assert "done" not in await _actions(clinic)
