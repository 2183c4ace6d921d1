"""Staff deciding requests through the real application and the emulator."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, timedelta

from botapi_emulator.driver import TelegramUser
from botapi_emulator.state import Message
from mesobot.models import CourseState, SessionState
from tests.staff.conftest import HEALTH_WORDS, Clinic


async def _notice(user: TelegramUser, course_id: int) -> Message:
    return await user.next_bot_message(
        after=None, where=lambda m: f"Request #{course_id}" in (m.text or ""), within=10
    )


async def _answer(clinic: Clinic, query: object) -> dict[str, object]:
    return await clinic.emulator.wait_for(lambda: query.answer, within=10)  # type: ignore[attr-defined]


async def test_new_request_reaches_each_staff_privately_and_the_group_without_health_details(
    clinic: Clinic,
) -> None:
    """Both staff get every detail with the three decisions; the group initials and a code."""
    booked = await clinic.request()
    course_id = booked.course.id
    assert course_id is not None
    for staff in (clinic.rita, clinic.bob):
        notice = await _notice(staff, course_id)
        text = notice.text or ""
        assert "Facial rejuvenation" in text
        assert "lidocaine" in text  # the note, shown in full to staff
        assert "⚠️" in text  # flagged answers are marked
        for appointment in booked.appointments:
            assert appointment.code in text
        assert notice.button_labels == [
            "✅ Confirm all",
            "✏️ Confirm with changes",
            "❌ Decline",
        ]
    group_notice = await clinic.rita.next_bot_message(chat=clinic.group, after=None, within=10)
    assert "see your private messages" in (group_notice.text or "")
    assert "A. P." in (group_notice.text or "")
    assert booked.appointments[0].code in (group_notice.text or "")
    # A treatment next to initials can reveal a condition: the group is not told which.
    assert "rejuvenation" not in (group_notice.text or "").lower()
    for word in HEALTH_WORDS:
        assert word.lower() not in (group_notice.text or "").lower()


async def test_confirm_all_confirms_every_session_and_tells_the_patient_at_once(
    clinic: Clinic,
) -> None:
    booked = await clinic.request()
    course_id = booked.course.id
    assert course_id is not None
    notice = await _notice(clinic.rita, course_id)
    query = clinic.rita.press_button("✅ Confirm all", message=notice)
    told = await clinic.patient.next_bot_message(
        after=None, where=lambda m: "Confirmed" in (m.text or ""), within=10
    )
    assert "Confirmed" in (told.text or "")
    for appointment in booked.appointments:
        assert appointment.code in (told.text or "")
    await _answer(clinic, query)
    course = await clinic.course(course_id)
    assert course.state == CourseState.CONFIRMED
    assert course.decided_by == clinic.rita.id
    assert {a.state for a in await clinic.appointments(course_id)} == {SessionState.CONFIRMED}
    await clinic.emulator.wait_for(lambda: "Confirmed by Rita" in (notice.text or ""))
    assert notice.buttons == []


async def test_two_staff_pressing_confirm_at_once_one_wins_and_the_other_is_told(
    clinic: Clinic,
) -> None:
    booked = await clinic.request()
    course_id = booked.course.id
    assert course_id is not None
    rita_notice = await _notice(clinic.rita, course_id)
    bob_notice = await _notice(clinic.bob, course_id)
    rita_press = clinic.rita.press_button("✅ Confirm all", message=rita_notice)
    bob_press = clinic.bob.press_button("✅ Confirm all", message=bob_notice)
    answers = [await _answer(clinic, rita_press), await _answer(clinic, bob_press)]
    told = [str(a.get("text", "")) for a in answers]
    losers = [text for text in told if text.startswith("Already confirmed by")]
    assert len(losers) == 1, told
    # The clinic is in Madrid: 08:00 UTC is 09:00 there.
    assert losers[0] in (
        "Already confirmed by Rita at 09:00.",
        "Already confirmed by Bob at 09:00.",
    )
    course = await clinic.course(course_id)
    assert course.state == CourseState.CONFIRMED
    await asyncio.sleep(0)  # let the outbox see the single confirmation
    patient_messages = await clinic.emulator.wait_for(lambda: clinic.patient.bot_messages)
    assert len([m for m in patient_messages if "Confirmed" in (m.text or "")]) == 1


async def test_confirm_with_one_session_moved(clinic: Clinic) -> None:
    """Staff move session 2 to another allowed day, then confirm: the patient gets the new day."""
    booked = await clinic.request()
    course_id = booked.course.id
    assert course_id is not None
    notice = await _notice(clinic.rita, course_id)
    clinic.rita.press_button("✏️ Confirm with changes", message=notice)
    await clinic.emulator.wait_for(lambda: "✏️ 2:" in " ".join(notice.button_labels))
    label = next(label for label in notice.button_labels if label.startswith("✏️ 2:"))
    clinic.rita.press_button(label, message=notice)
    # Session 1 is Mon 7 Dec; session 2 may go 14-21 days later: pick Tue 22 Dec.
    await clinic.emulator.wait_for(lambda: "Tue, 22 Dec 2026" in notice.button_labels)
    clinic.rita.press_button("Tue, 22 Dec 2026", message=notice)
    await clinic.emulator.wait_for(lambda: "10:00" in notice.button_labels)
    clinic.rita.press_button("10:00", message=notice)
    await clinic.emulator.wait_for(lambda: "✅ Confirm" in notice.button_labels)
    appointments = await clinic.appointments(course_id)
    assert appointments[1].local_date == date(2026, 12, 22)
    gaps = [(b.local_date - a.local_date).days for a, b in itertools.pairwise(appointments)]
    assert all(14 <= gap <= 21 for gap in gaps), gaps
    assert appointments[0].local_date == date(2026, 12, 7)  # earlier sessions stay
    clinic.rita.press_button("✅ Confirm", message=notice)
    told = await clinic.patient.next_bot_message(
        after=None, where=lambda m: "Confirmed" in (m.text or ""), within=10
    )
    assert "Tue, 22 Dec 2026, 10:00" in (told.text or "")
    assert (await clinic.course(course_id)).state == CourseState.CONFIRMED


async def test_decline_with_a_reason_typed_through_force_reply(clinic: Clinic) -> None:
    booked = await clinic.request()
    course_id = booked.course.id
    assert course_id is not None
    notice = await _notice(clinic.rita, course_id)
    clinic.rita.press_button("❌ Decline", message=notice)
    await clinic.emulator.wait_for(lambda: "✍️ Type a reason" in notice.button_labels)
    clinic.rita.press_button("✍️ Type a reason", message=notice)
    prompt = await clinic.rita.next_bot_message(
        after=notice, where=lambda m: "Reply to this message" in (m.text or "")
    )
    call = next(c for c in reversed(clinic.emulator.calls) if c.method == "sendMessage")
    assert call.params["reply_markup"]["force_reply"] is True
    clinic.rita.send_text("Please call us first <about> the dates & times", reply_to=prompt)
    told = await clinic.patient.next_bot_message(after=None, within=10)
    assert "Please call us first <about> the dates & times" in (told.text or "")
    assert "/start" in (told.text or "")  # they can book again
    course = await clinic.course(course_id)
    assert course.state == CourseState.DECLINED
    assert {a.state for a in await clinic.appointments(course_id)} == {SessionState.CANCELLED}
    # The places are free again: the same series can be requested at once.
    again = await clinic.request()
    assert again.course.id != course_id


async def test_an_undecided_request_expires_and_the_patient_is_told(clinic: Clinic) -> None:
    booked = await clinic.request()
    course_id = booked.course.id
    assert course_id is not None
    notice = await _notice(clinic.rita, course_id)
    clinic.clock.advance(timedelta(hours=47))
    assert (await clinic.course(course_id)).state == CourseState.REQUESTED
    clinic.clock.advance(timedelta(hours=1, minutes=1))  # the sample clinic's 48 hours
    told = await clinic.patient.next_bot_message(after=None, within=10)
    assert "lapsed" in (told.text or "")
    assert (await clinic.course(course_id)).state == CourseState.EXPIRED
    assert {a.state for a in await clinic.appointments(course_id)} == {SessionState.CANCELLED}
    # A late press is told the request expired; nothing changes.
    query = clinic.bob.press_button("✅ Confirm all", message=await _notice(clinic.bob, course_id))
    answer = await _answer(clinic, query)
    assert answer.get("text") == "This request is already expired."
    assert notice.text is not None


async def test_no_message_to_the_staff_group_holds_a_health_detail(clinic: Clinic) -> None:
    """Whatever happens to a request, the group reads no answer, note or flag."""
    booked = await clinic.request()
    course_id = booked.course.id
    assert course_id is not None
    notice = await _notice(clinic.rita, course_id)
    clinic.rita.press_button("✅ Confirm all", message=notice)
    await clinic.patient.next_bot_message(
        after=None, where=lambda m: "Confirmed" in (m.text or ""), within=10
    )
    clinic.rita.send_command("agenda", "2026-12-07", chat=clinic.group)
    await clinic.rita.next_bot_message(
        chat=clinic.group, where=lambda m: "Agenda" in (m.text or "")
    )
    group_texts = [m.text or "" for m in clinic.group.bot_messages]
    assert len(group_texts) == 2
    for text in group_texts:
        for word in (*HEALTH_WORDS, "rejuvenation 1/4"):
            assert word.lower() not in text.lower(), (word, text)
