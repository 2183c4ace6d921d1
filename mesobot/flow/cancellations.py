"""A patient cancelling a session from /appointments: this one, or the rest of the course.

The question names the session's day and time; its buttons carry the session's version, so
that a session staff moved after the question was asked is asked about again, as it is now,
instead of being cancelled unseen.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from mesobot.flow import buttons as b
from mesobot.flow import late_steps
from mesobot.flow.appointments import changeable, course_screens, gone, keep_row
from mesobot.flow.machine import Flow, Outcome
from mesobot.notice_period import inside_notice
from mesobot.patient_changes import (
    PatientChangeMade,
    Refusal,
    Refused,
    cancel_one_session,
    cancel_rest_of_course,
)
from mesobot.screens import Row, Screen
from mesobot.session_moves import series_rule_of
from mesobot.staff.presence import no_staff_phone
from mesobot.texts import appointments as texts
from mesobot.texts import booking as booking_texts

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from mesobot.services import Services


async def on_ask_cancel(flow: Flow, data: b.AskCancel, lead: str | None = None) -> Outcome:
    """Ask whether to cancel this session only, or the rest of the course (`lead` above)."""
    found = await changeable(flow, data.appointment)
    if found is None:
        return await gone(flow)
    number = found.position(data.appointment)
    appointment = found.sessions[number - 1]
    if inside_notice(flow.services.clinic, appointment, flow.now):
        return late_steps.policy_screen(flow, found, data.appointment, cancel=True)
    t, version = flow.t, appointment.version
    rows: list[Row] = [
        [(booking_texts.label(t, "cancel_one"), b.CancelOne(data.appointment, version))]
    ]
    if number < len(found.sessions):
        rows.append(
            [(booking_texts.label(t, "cancel_rest"), b.CancelRest(data.appointment, version))]
        )
    rows.append(keep_row(flow, data.appointment))
    text = texts.ask_cancel(
        t,
        number=number,
        day=appointment.local_date,
        wall=appointment.local_time,
        language=flow.language,
    )
    return Outcome([Screen(text, flow.keyboard(rows)).led_by(lead)], notice=lead)


class Cancellation(Protocol):
    """`cancel_one_session` or `cancel_rest_of_course`: the same arguments, the same result."""

    async def __call__(
        self,
        *,
        session: AsyncSession,
        services: Services,
        patient_id: int,
        appointment_id: int,
        seen_version: int,
        now: datetime,
    ) -> PatientChangeMade | Refused: ...


async def cancelled(
    flow: Flow, cancel: Cancellation, appointment_id: int, seen_version: int
) -> PatientChangeMade | Refused:
    """The cancellation itself (`cancel_one_session` or `cancel_rest_of_course`), in a write
    transaction of the turn."""
    assert flow.patient.id is not None
    patient_id = flow.patient.id
    return await flow.write(
        lambda session: cancel(
            session=session,
            services=flow.services,
            patient_id=patient_id,
            appointment_id=appointment_id,
            seen_version=seen_version,
            now=flow.now,
        )
    )


async def not_cancelled(flow: Flow, result: Refused, appointment_id: int) -> Outcome:
    """A cancellation refused: the session changed (ask again, as it is now), or is gone."""
    if result.reason is Refusal.CHANGED:
        lead = texts.session_changed(flow.t)
        return await on_ask_cancel(flow, b.AskCancel(appointment_id), lead)
    if result.reason is Refusal.NOTICE:  # the notice period began since it was asked
        return await on_ask_cancel(flow, b.AskCancel(appointment_id))
    return await gone(flow)


async def on_cancel_one(flow: Flow, data: b.CancelOne) -> Outcome:
    """Cancel one session (later ones re-planned if needed), or say why not."""
    result = await cancelled(flow, cancel_one_session, data.appointment, data.version)
    if isinstance(result, PatientChangeMade):
        done = texts.cancelled_one(flow.t, no_staff_phone(flow.services))
        return Outcome(await course_screens(flow, done))
    if result.reason is Refusal.TOO_FEW:
        return await too_few(flow, data.appointment)
    return await not_cancelled(flow, result, data.appointment)


async def too_few(flow: Flow, appointment_id: int) -> Outcome:
    """One session cannot go alone: offer to cancel the rest, or keep it."""
    found = await changeable(flow, appointment_id)
    if found is None:
        return await gone(flow)
    rule = series_rule_of(flow.services.clinic, found.course)
    version = found.sessions[found.position(appointment_id) - 1].version
    t = flow.t
    rows: list[Row] = [
        [(booking_texts.label(t, "cancel_rest"), b.CancelRest(appointment_id, version))],
        keep_row(flow, appointment_id),
    ]
    text = texts.too_few(t, rule.min_sessions)
    return Outcome([Screen(text, flow.keyboard(rows))], notice=text[:190])


async def on_cancel_rest(flow: Flow, data: b.CancelRest) -> Outcome:
    """Cancel a session and all later ones of its course."""
    result = await cancelled(flow, cancel_rest_of_course, data.appointment, data.version)
    if isinstance(result, Refused):
        return await not_cancelled(flow, result, data.appointment)
    done = texts.cancelled_rest(flow.t, no_staff_phone(flow.services))
    return Outcome(await course_screens(flow, done))
