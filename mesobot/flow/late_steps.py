"""/appointments inside the clinic's notice period: the policy instead of the cancel question
or the move calendar, and the request to staff it offers (`mesobot.late_changes`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesobot.flow import buttons as b
from mesobot.flow.machine import Flow, Outcome
from mesobot.late_changes import CANCEL, MOVE, request_late_change
from mesobot.notice_period import notice_hours
from mesobot.screens import Row, Screen
from mesobot.staff.presence import no_staff_phone
from mesobot.texts import booking as booking_texts
from mesobot.texts import policy as texts

if TYPE_CHECKING:
    from mesobot.session_moves import CourseSeries


def policy_screen(
    flow: Flow, found: CourseSeries, appointment_id: int, *, cancel: bool
) -> Outcome:
    """The policy, with "Ask the clinic to cancel / move" (unless nobody would read it)."""
    number = found.position(appointment_id)
    appointment = found.sessions[number - 1]
    phone = no_staff_phone(flow.services)
    text = texts.notice_policy(
        flow.t,
        cancel=cancel,
        hours=notice_hours(flow.services.clinic),
        number=number,
        day=appointment.local_date,
        wall=appointment.local_time,
        language=flow.language,
        no_staff_phone=phone,
    )
    rows: list[Row] = []
    if phone is None:
        ask = b.AskLateChange(appointment_id, CANCEL if cancel else MOVE)
        rows.append([(texts.ask_label(flow.t, cancel=cancel), ask)])
    rows.append([(booking_texts.label(flow.t, "keep"), b.KeepSession(appointment_id))])
    return Outcome([Screen(text, flow.keyboard(rows))])


async def on_ask_late_change(flow: Flow, data: b.AskLateChange) -> Outcome:
    """Send the request to staff; the session stays as it is."""
    from mesobot.flow.appointments import course_screens, gone

    assert flow.patient.id is not None
    patient_id = flow.patient.id
    stored = await flow.write(
        lambda session: request_late_change(
            session=session,
            services=flow.services,
            patient_id=patient_id,
            appointment_id=data.appointment,
            what=data.what,
            now=flow.now,
        )
    )
    if stored is None:
        return await gone(flow)
    sent = texts.request_sent(flow.t)
    return Outcome(await course_screens(flow, sent), notice=sent)
