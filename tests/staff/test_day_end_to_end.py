"""Running the day through the emulator: /agenda, /block, session codes, and who may do it."""

from __future__ import annotations

from datetime import date, time

from sqlmodel import func, select

from mesobot.models import Appointment, Course, CourseState, SessionState, StateEvent
from mesobot.outbox.models import OutboxMessage
from mesobot.staff import buttons
from mesobot.staff.closures import clinic_calendar
from mesobot.staff.models import AuditEntry, ClinicClosure
from tests.factories import sample_clinic
from tests.staff.conftest import Clinic, answer_to, confirmed, started

STAFF_COMMANDS = ("pending", "agenda", "week", "block", "unblock", "patient", "session")


async def test_done_and_no_show_from_the_agenda_change_the_sessions_state(clinic: Clinic) -> None:
    first = await confirmed(clinic)
    second = await confirmed(clinic, at=time(11, 0))
    agenda = await answer_to(clinic.rita, "agenda", "2026-12-07")
    assert "10:00" in (agenda.text or "")
    assert first[0].code in (agenda.text or "")
    done = clinic.rita.press_button("Done 10:00", message=agenda)
    await clinic.emulator.wait_for(lambda: done.answer)
    row = [b for b in agenda.buttons if b["text"] == "Done 11:00"]
    assert row
    no_show_data = clinic.services.codec.encode(
        buttons.SessionAction(second[0].id or 0, second[0].version, "n")
    )
    no_show = clinic.rita.press_button(data=no_show_data, message=agenda)
    await clinic.emulator.wait_for(lambda: no_show.answer)
    states = {
        a.id: a.state
        for a in [
            *await clinic.appointments(first[0].course_id),
            *await clinic.appointments(second[0].course_id),
        ]
    }
    assert states[first[0].id] == SessionState.DONE
    assert states[second[0].id] == SessionState.NO_SHOW
    async with clinic.services.database.read() as session:
        actions = list(await session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["done", "no_show"]
    # Pressing Done on the same agenda after the no-show changes nothing and says so.
    again = clinic.rita.press_button("Done 11:00", message=agenda)
    answer = await clinic.emulator.wait_for(lambda: again.answer)
    assert f"Session {second[0].code} is already marked no-show: Rita at" in str(answer["text"])


async def test_block_over_a_booked_session_lists_it_and_keeps_it(clinic: Clinic) -> None:
    appointments = await confirmed(clinic)
    reply = await answer_to(clinic.rita, "block", "2026-12-07 09:00-12:00 Boiler repair")
    assert "Blocked Mon, 7 Dec 2026, 09:00-12:00" in (reply.text or "")
    assert appointments[0].code in (reply.text or "")
    assert f"Move {appointments[0].code}" in reply.button_labels
    after = await clinic.appointments(appointments[0].course_id)
    assert after[0].state == SessionState.CONFIRMED  # never silently dropped
    async with clinic.services.database.read() as session:
        calendar = await clinic_calendar(session, sample_clinic())
    assert len(calendar.closures) == len(sample_clinic().calendar().closures) + 1
    # The blocked morning is no longer offered to new bookings.
    from mesobot.booking import day_free_times

    async with clinic.services.database.read() as session:
        free = await day_free_times(
            session=session,
            calendar=calendar,
            rule=sample_clinic().treatments["facial_rejuvenation"].series_rule(),
            session_count=4,
            day=date(2026, 12, 7),
            now=clinic.clock.now(),
        )
    assert free
    assert all(at >= time(12, 0) for at in free)
    reply = await answer_to(clinic.rita, "unblock", "2026-12-07")
    assert "open again" in (reply.text or "")
    async with clinic.services.database.read() as session:
        count = (await session.exec(select(func.count()).select_from(ClinicClosure))).one()
    assert count == 0


async def test_moving_a_confirmed_session_from_its_code_tells_the_patient(clinic: Clinic) -> None:
    appointments = await confirmed(clinic)
    before = len(clinic.patient.bot_messages)
    card = await answer_to(clinic.bob, "session", appointments[3].code.lower())
    clinic.bob.press_button("Move", message=card)
    await clinic.emulator.wait_for(lambda: "Tue, 19 Jan 2027" in card.button_labels)
    clinic.bob.press_button("Tue, 19 Jan 2027", message=card)
    await clinic.emulator.wait_for(lambda: "12:00" in card.button_labels)
    clinic.bob.press_button("12:00", message=card)
    told = await clinic.patient.next_bot_message(
        after=clinic.patient.bot_messages[before - 1],
        where=lambda m: "moved" in (m.text or ""),
    )
    assert "Tue, 19 Jan 2027, 12:00" in (told.text or "")
    moved = (await clinic.appointments(appointments[0].course_id))[3]
    assert (moved.local_date, moved.local_time) == (date(2027, 1, 19), time(12, 0))
    assert moved.state == SessionState.CONFIRMED


async def test_cancelling_a_session_on_the_patients_behalf_tells_them(clinic: Clinic) -> None:
    appointments = await confirmed(clinic)
    before = len(clinic.patient.bot_messages)
    card = await answer_to(clinic.rita, "session", appointments[1].code)
    clinic.rita.press_button("Cancel", message=card)
    ask = await clinic.rita.next_bot_message(
        after=card, where=lambda m: "Cancel this session?" in (m.text or "")
    )
    clinic.rita.press_button("Yes, cancel it and tell the patient", message=ask)
    told = await clinic.patient.next_bot_message(
        after=clinic.patient.bot_messages[before - 1],
        where=lambda m: "cancelled" in (m.text or ""),
    )
    assert "cancelled your session on Mon, 21 Dec 2026 at 10:00" in (told.text or "")
    after = await clinic.appointments(appointments[0].course_id)
    assert after[1].state == SessionState.CANCELLED
    patient_view = await answer_to(clinic.rita, "patient", str(clinic.patient.id))
    assert "Rita: cancelled a session of" in (patient_view.text or "")


async def _snapshot(clinic: Clinic) -> tuple[object, ...]:
    async with clinic.services.database.read() as session:
        courses = [(c.id, c.state, c.version) for c in await session.exec(select(Course))]
        appointments = [
            (a.id, a.state, a.local_date) for a in await session.exec(select(Appointment))
        ]
        events = (await session.exec(select(func.count()).select_from(StateEvent))).one()
        audit = (await session.exec(select(func.count()).select_from(AuditEntry))).one()
        closures = (await session.exec(select(func.count()).select_from(ClinicClosure))).one()
        outbox = (await session.exec(select(func.count()).select_from(OutboxMessage))).one()
    return courses, appointments, events, audit, closures, outbox


async def test_a_non_staff_user_gets_nothing_from_staff_commands_or_buttons(
    clinic: Clinic,
) -> None:
    """Every staff command and every staff button, even with real data copied from a staff
    message, gives a patient the same refusal; nothing changes and nothing leaks."""
    appointments = await confirmed(clinic)
    requested = await clinic.request(first=date(2026, 12, 9))
    notice = await clinic.bob.next_bot_message(
        after=None,
        where=lambda m: f"Request #{requested.course.id}" in (m.text or ""),
        within=10,
    )
    snapshot = await _snapshot(clinic)
    mallory = started(clinic.emulator, "Mallory")
    for command in STAFF_COMMANDS:
        for arguments in ("", str(clinic.patient.id), appointments[0].code, "2026-12-07"):
            reply = await answer_to(mallory, command, arguments)
            assert reply.text == "This is for clinic staff.", (command, reply.text)
    codec = clinic.services.codec
    course_id, version = requested.course.id or 0, requested.course.version
    forged = [
        buttons.ConfirmAll(course_id, version),
        buttons.EditRequest(course_id, version),
        buttons.DeclineRequest(course_id, version),
        buttons.DeclineWith(course_id, version, "times"),
        buttons.SetCount(course_id, version, 4),
        buttons.MoveSession(appointments[0].id or 0, version),
        buttons.MoveTo(appointments[0].id or 0, version, date(2026, 12, 8), "1000"),
        buttons.SessionAction(appointments[0].id or 0, appointments[0].version, "d"),
        buttons.SessionAction(appointments[0].id or 0, appointments[0].version, "k"),
        buttons.UnversionedSessionAction(appointments[0].id or 0, "k"),
    ]
    target = mallory.bot_messages[-1]
    for data in forged:
        query = mallory.press_button(data=codec.encode(data), message=target)
        answer = await clinic.emulator.wait_for(lambda q=query: q.answer)
        assert answer.get("text") == "This is for clinic staff.", data
    # Data the bot never signed (an altered id) is answered quietly.
    altered = codec.encode(buttons.ConfirmAll(course_id, version)).replace(".", ".1", 1)
    query = mallory.press_button(data=altered, message=target)
    answer = await clinic.emulator.wait_for(lambda: query.answer)
    assert "text" not in answer
    # A staff notice forwarded to the patient: its buttons refuse them too.
    forwarded = clinic.rita.forward(notice, chat=mallory.chat)
    assert forwarded.reply_markup is None  # Telegram drops inline keyboards of forwards...
    query = mallory.press_button(data=notice.buttons[0]["callback_data"], message=notice)
    answer = await clinic.emulator.wait_for(lambda: query.answer)
    assert answer.get("text") == "This is for clinic staff."  # ...and copied data gets nothing
    assert await _snapshot(clinic) == snapshot
    for message in mallory.bot_messages:
        assert (message.text or "") == "This is for clinic staff."


async def test_staff_get_a_command_menu_of_their_own(clinic: Clinic) -> None:
    """Each staff member's chat has the staff menu; patients keep the patients' one."""
    scopes = [
        call.params.get("scope")
        for call in clinic.emulator.calls
        if call.method == "setMyCommands"
    ]
    chat_scopes = {scope["chat_id"] for scope in scopes if scope and scope["type"] == "chat"}
    assert chat_scopes == {clinic.rita.id, clinic.bob.id}
    staff_menu = next(
        call.params["commands"]
        for call in clinic.emulator.calls
        if call.method == "setMyCommands"
        and (call.params.get("scope") or {}).get("type") == "chat"
    )
    assert {c["command"] for c in staff_menu} >= {
        "pending",
        "agenda",
        "week",
        "block",
        "unblock",
        "patient",
    }


async def test_an_agenda_of_60_sessions_comes_in_several_clean_messages(clinic: Clinic) -> None:
    """60 sessions do not fit one message: each comes once, in messages Telegram accepts."""
    from mesobot.booking import new_calendar_uid, new_session_code
    from mesobot.models import Patient
    from mesobot.scheduling.localtime import utc_instant, zone_named

    zone = zone_named("Europe/Madrid")
    now = clinic.clock.now()
    codes = []
    async with clinic.services.database.write() as session:
        for n in range(60):
            patient = Patient(telegram_user_id=900_000 + n, created_at=now, last_seen_at=now)
            if hasattr(Patient, "display_name"):
                patient.display_name = f"<Ana & Bo> Pérez-{n} " * 4  # type: ignore[attr-defined]
            session.add(patient)
            await session.flush()
            course = Course(
                clinic_id="main",
                patient_id=patient.id or 0,
                treatment="fat_reduction",
                session_count=1,
                state=CourseState.CONFIRMED,
                requested_at=now,
                answers={},
            )
            session.add(course)
            await session.flush()
            at = time(9 + n // 10, n % 10 * 5)
            start = utc_instant(date(2026, 12, 7), at, zone)
            code = new_session_code()
            codes.append(code)
            session.add(
                Appointment(
                    course_id=course.id or 0,
                    number=1,
                    clinic_id="main",
                    resource_id="dr-lopez",
                    local_date=date(2026, 12, 7),
                    local_time=at,
                    zone="Europe/Madrid",
                    duration_minutes=30,
                    start_utc=start,
                    end_utc=start,
                    state=SessionState.CONFIRMED,
                    code=code,
                    calendar_uid=new_calendar_uid(),
                )
            )
    sent = clinic.rita.send_command("agenda", "2026-12-07")
    messages = await clinic.emulator.wait_for(
        lambda: (
            (
                found := [
                    m
                    for m in clinic.rita.chat.messages[clinic.rita.chat.messages.index(sent) :]
                    if m.from_bot
                ]
            )
            and len(found) >= 3
            and all(any(code in (m.text or "") for m in found) for code in codes)
            and found
        )
    )
    text = "\n".join(m.text or "" for m in messages)
    assert all(text.count(code) == 1 for code in codes)
    assert all(len(m.buttons) <= 100 for m in messages)
    assert sum(len(m.buttons) for m in messages) == 60 * 4
