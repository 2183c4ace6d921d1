"""Which care messages a session should have, and keeping the outbox in line with that.

Each session's care messages are derived from its state and time alone (`planned_messages`).
Whenever a session changes, `sync_session_messages` compares that plan with the session's
queued care messages: those no longer wanted are cancelled, moved ones are rescheduled to
their new time, and a message already sent (or dropped) for a slot is never queued twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.timing import local_instant, out_of_quiet_hours
from mesobot.clinic import Clinic
from mesobot.lifecycle import SessionChange, session_cause
from mesobot.models import Appointment, Course, Patient, SessionState
from mesobot.outbox.api import (
    MessageState,
    QueuedMessage,
    cancel,
    enqueue,
    messages_for_cause,
    reschedule,
)

if TYPE_CHECKING:
    from mesobot.services import Services

REMINDER_PREFIX = "care.reminder."  # one kind per offset: "care.reminder.24h"
PREPARATION = "care.preparation"
# The treatment's own preparation, early: at confirmation and `preparation_days_before` days
# ahead, so that a prescription (cortisone for blepharoplasty) can be got in time.
EARLY_PREPARATION = "care.early_preparation"
AFTERCARE = "care.aftercare"
CHECK_IN = "care.check_in"
CHECK_IN_SILENCE = "care.check_in_silence"  # to staff: two check-ins in a row unanswered
NO_SHOW = "care.no_show"


def reminder_kind(hours: int) -> str:
    """The message kind of the reminder `hours` before a session."""
    return f"{REMINDER_PREFIX}{hours}h"


def session_kinds(clinic: Clinic) -> frozenset[str]:
    """Every kind this module queues about a session."""
    reminders = {reminder_kind(hours) for hours in clinic.care.reminder_hours_before}
    return frozenset(
        {
            *reminders,
            PREPARATION,
            EARLY_PREPARATION,
            AFTERCARE,
            CHECK_IN,
            CHECK_IN_SILENCE,
            NO_SHOW,
        }
    )


@dataclass(frozen=True)
class PlannedMessage:
    """One care message a session should have; `slot` names it across re-plans."""

    slot: str
    kind: str
    recipient: int
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


def check_in_due(appointment: Appointment, day: int, *, clinic: Clinic) -> datetime:
    """Day `day` after the session, at the session's wall time, moved out of quiet hours."""
    at = local_instant(
        appointment.local_date + timedelta(days=day), appointment.local_time, clinic=clinic
    )
    return out_of_quiet_hours(at, clinic=clinic)


def _early_preparation(
    appointment: Appointment, treatment: str, patient_chat: int, clinic: Clinic, now: datetime
) -> list[PlannedMessage]:
    # Once when the session is confirmed, and again N days ahead unless that time has passed.
    known = clinic.treatments.get(treatment)
    days = known.preparation_days_before if known is not None else None
    if days is None:
        return []
    base = {"appointment_id": appointment.id}
    plan = [
        PlannedMessage("early_preparation:confirmed", EARLY_PREPARATION, patient_chat, now, base)
    ]
    due = local_instant(
        appointment.local_date - timedelta(days=days),
        clinic.care.preparation_local_time,
        clinic=clinic,
    )
    if due >= now:
        slot = f"early_preparation:{days}:{appointment.start_utc.isoformat()}"
        plan.append(
            PlannedMessage(slot, EARLY_PREPARATION, patient_chat, due, base | {"days": days})
        )
    return plan


def planned_messages(
    *,
    appointment: Appointment,
    treatment: str,
    patient_chat: int,
    clinic: Clinic,
    staff_ids: Sequence[int],
    now: datetime,
) -> list[PlannedMessage]:
    """The care messages a session in its current state should have (sent ones included)."""
    care = clinic.care
    base = {"appointment_id": appointment.id}
    start = appointment.start_utc
    stamp = start.isoformat()
    plan: list[PlannedMessage] = []
    if appointment.state == SessionState.NO_SHOW:
        return [PlannedMessage("no_show", NO_SHOW, patient_chat, now, base)]
    if appointment.state not in (SessionState.CONFIRMED, SessionState.DONE):
        return []
    if appointment.state == SessionState.CONFIRMED and start > now:
        for hours in care.reminder_hours_before:
            due = start - timedelta(hours=hours)
            if due >= now:  # a reminder whose time has passed at confirmation is not sent
                plan.append(
                    PlannedMessage(
                        f"reminder:{hours}:{stamp}", reminder_kind(hours), patient_chat, due, base
                    )
                )
        due = local_instant(
            appointment.local_date - timedelta(days=1),
            care.preparation_local_time,
            clinic=clinic,
        )
        plan.append(
            PlannedMessage(f"preparation:{stamp}", PREPARATION, patient_chat, max(due, now), base)
        )
        plan += _early_preparation(appointment, treatment, patient_chat, clinic, now)
    # Aftercare goes when staff mark the session Done, or at its end if they have not.
    aftercare_due = now if appointment.state == SessionState.DONE else appointment.end_utc
    plan.append(PlannedMessage("aftercare", AFTERCARE, patient_chat, aftercare_due, base))
    days = care.check_in_days_for(treatment)
    previous: int | None = None
    for day in days:
        due = check_in_due(appointment, day, clinic=clinic)
        plan.append(
            PlannedMessage(f"check_in:{day}", CHECK_IN, patient_chat, due, base | {"day": day})
        )
        if previous is not None:
            silence_due = due + timedelta(hours=care.check_in_answer_hours)
            payload = base | {"day": day, "previous_day": previous}
            plan += [
                PlannedMessage(
                    f"silence:{day}:{staff}", CHECK_IN_SILENCE, staff, silence_due, payload
                )
                for staff in staff_ids
            ]
        previous = day
    return plan


async def _queued_by_slot(
    session: AsyncSession, cause: str, clinic: Clinic
) -> tuple[dict[str, QueuedMessage], set[str]]:
    # The session's care messages by slot: those still pending, and the slots already done.
    pending: dict[str, QueuedMessage] = {}
    finished: set[str] = set()
    for message in await messages_for_cause(
        session=session, cause=cause, kinds=session_kinds(clinic)
    ):
        slot = str(message.payload.get("slot", ""))
        if message.pending:
            pending[slot] = message
        elif message.state != MessageState.CANCELLED:
            finished.add(slot)  # sent, in flight, dropped or failed: never queued again
    return pending, finished


async def sync_session_messages(
    *, session: AsyncSession, services: Services, appointment: Appointment, now: datetime
) -> None:
    """Bring the session's queued care messages in line with its plan (same transaction)."""
    course = await session.get(Course, appointment.course_id)
    patient = await session.get(Patient, course.patient_id) if course is not None else None
    if course is None or patient is None or appointment.id is None:
        return
    cause = session_cause(appointment.id)
    pending, finished = await _queued_by_slot(session, cause, services.clinic)
    plan = planned_messages(
        appointment=appointment,
        treatment=course.treatment,
        patient_chat=patient.chat,
        clinic=services.clinic,
        staff_ids=services.settings.mesobot_staff_ids,
        now=now,
    )
    for wanted in plan:
        if wanted.slot in finished:
            continue
        queued = pending.pop(wanted.slot, None)
        if queued is not None and queued.recipient == wanted.recipient:
            if queued.due_at != wanted.due_at:  # the session moved: so does the message
                await reschedule(session=session, ids=[queued.id], due_at=wanted.due_at)
            continue
        if queued is not None:
            pending[wanted.slot] = queued  # to someone else now: cancelled below
        await enqueue(
            session=session,
            recipient=wanted.recipient,
            kind=wanted.kind,
            payload=wanted.payload | {"slot": wanted.slot},
            due_at=wanted.due_at,
            # A fresh key each time: a slot cancelled once may be wanted again after a move.
            idempotency_key=f"care:{appointment.id}:{wanted.slot}:{uuid.uuid4().hex[:12]}",
            now=now,
            cause=cause,
        )
    await cancel(session=session, ids=[message.id for message in pending.values()])


async def on_sessions_changed(
    session: AsyncSession,
    services: Services,
    changes: Sequence[SessionChange],
    now: datetime,
) -> None:
    """The care observer: every change of a session re-plans its care messages."""
    seen: set[int] = set()
    for change in changes:
        appointment = change.appointment
        if appointment.id is None or appointment.id in seen:
            continue
        seen.add(appointment.id)
        await sync_session_messages(
            session=session, services=services, appointment=appointment, now=now
        )
