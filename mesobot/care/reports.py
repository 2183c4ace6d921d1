"""Reaction reports: stored against a session, alerted to staff, re-sent until acknowledged.

Nothing here imports Telegram: handlers call these inside `Database.write()`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.care.config import CareSettings, Severity
from mesobot.care.models import ReactionReport, ReportState
from mesobot.models import Appointment, Course, Patient, SessionState
from mesobot.outbox.api import Priority, cancel, enqueue, enqueue_to_staff

if TYPE_CHECKING:
    from mesobot.services import Services

REPORT_ALERT = "care.report_alert"  # to each staff member privately: may hold health details
REPORT_ADDITION = "care.report_addition"  # a photo or description added later, same readers
REPORT_GROUP = "care.report_group"  # to the staff group: never a health detail
REPORT_FOLLOW_UP = "care.report_follow_up"  # to the patient: never paused by /notifications

# The outbox lane of a report's alerts: before everything else, the most severe first.
ALERT_LANES = {
    Severity.EMERGENCY: Priority.ALERT_EMERGENCY,
    Severity.HIGH: Priority.ALERT_HIGH,
    Severity.MODERATE: Priority.ALERT_MODERATE,
    Severity.LOW: Priority.ALERT_LOW,
}

# Pressing a sign twice (a double tap, a retried update) within this time is one report.
_SAME_REPORT_WINDOW = timedelta(minutes=10)


def report_cause(report_id: int | None) -> str:
    """The outbox cause of every message about one report."""
    return f"report:{report_id}"


async def reported_session(
    *, session: AsyncSession, patient_id: int, now: datetime
) -> Appointment | None:
    """The session a report is about: the patient's latest one that has started."""
    query = (
        select(Appointment)
        .join(Course, col(Course.id) == col(Appointment.course_id))
        .where(
            Course.patient_id == patient_id,
            Appointment.start_utc <= now,
            col(Appointment.state).in_([SessionState.DONE, SessionState.CONFIRMED]),
        )
        .order_by(col(Appointment.start_utc).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def open_report_of_sign(
    *, session: AsyncSession, patient_id: int, sign: str
) -> ReactionReport | None:
    """The patient's report of `sign` that is not closed yet, if any: one per sign at most."""
    rows = (
        await session.exec(
            select(ReactionReport)
            .where(
                ReactionReport.patient_id == patient_id,
                ReactionReport.state != ReportState.CLOSED,
            )
            .order_by(col(ReactionReport.id))
        )
    ).all()
    return next((report for report in rows if sign in report.signs), None)


def same_press(report: ReactionReport, now: datetime) -> bool:
    """Whether the sign pressed again is the press that made `report` (a double tap, a
    retried update) rather than the patient reporting it again."""
    return now - report.created_at < _SAME_REPORT_WINDOW


async def create_report(
    *,
    session: AsyncSession,
    services: Services,
    patient: Patient,
    appointment_id: int | None,
    sign: str,
    now: datetime,
) -> ReactionReport:
    """Store a new report of `sign` and queue its staff alerts (see
    `mesobot.care.additions.report_sign`, which first looks for an open one)."""
    assert patient.id is not None
    level = services.clinic.care.signs[sign].level
    report = ReactionReport(
        patient_id=patient.id,
        appointment_id=appointment_id,
        signs=[sign],
        severity=int(level),
        state=ReportState.OPEN,
        created_at=now,
        submitted_at=now,
        emergency_advice_at=now if level.name == "EMERGENCY" else None,
    )
    session.add(report)
    await session.flush()
    await _enqueue_alerts(session=session, services=services, report=report, now=now)
    return report


async def _enqueue_alerts(
    *, session: AsyncSession, services: Services, report: ReactionReport, now: datetime
) -> None:
    care = services.clinic.care
    cause = report_cause(report.id)
    interval = timedelta(minutes=care.escalation_minutes)
    # Round 0 goes now, before any backlog; rounds 1..max go again to everyone unless someone
    # acknowledges, in the same lane: a report's alerts are few (one open report per sign),
    # and one nobody has acknowledged is no less urgent for it.
    lane = ALERT_LANES[Severity(report.severity)]
    for round_number in range(care.escalation_max_resends + 1):
        await enqueue_to_staff(
            session=session,
            staff_ids=services.settings.mesobot_staff_ids,
            kind=REPORT_ALERT,
            payload={"report_id": report.id, "round": round_number},
            due_at=now + interval * round_number,
            key_prefix=f"care.alert:{report.id}:{round_number}",
            now=now,
            cause=cause,
            priority=lane,
        )
    group = services.settings.mesobot_staff_chat_id
    if group is not None:
        await enqueue(
            session=session,
            recipient=group,
            kind=REPORT_GROUP,
            payload={"report_id": report.id},
            due_at=now,
            idempotency_key=f"care.group:{report.id}",
            now=now,
            cause=cause,
            priority=lane,
        )


async def latest_open_report(
    *, session: AsyncSession, patient_id: int, now: datetime
) -> ReactionReport | None:
    """The patient's newest report of the last day that is not closed, for added details."""
    query = (
        select(ReactionReport)
        .where(
            ReactionReport.patient_id == patient_id,
            ReactionReport.state != ReportState.CLOSED,
            ReactionReport.created_at >= now - timedelta(days=1),
        )
        .order_by(col(ReactionReport.created_at).desc(), col(ReactionReport.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def _cancel_resends(session: AsyncSession, report_id: int) -> None:
    await cancel(session=session, cause=report_cause(report_id), kinds=[REPORT_ALERT])


async def _tell_patient(
    session: AsyncSession, report: ReactionReport, *, call: bool, now: datetime
) -> None:
    patient = await session.get(Patient, report.patient_id)
    if patient is None:
        return
    await enqueue(
        session=session,
        recipient=patient.chat,
        kind=REPORT_FOLLOW_UP,
        payload={"report_id": report.id, "call": call},
        due_at=now,
        idempotency_key=f"care.follow-up:{report.id}:{'call' if call else 'seen'}",
        now=now,
        cause=report_cause(report.id),
    )


async def acknowledge(
    *, session: AsyncSession, report_id: int, staff_id: int, call: bool, now: datetime
) -> ReactionReport | None:
    """Acknowledge a report (first staff member wins); None if someone else already did.

    `call` also records this staff member as the one who will call the patient (allowed once,
    even after another's acknowledgement). Either way the re-sends stop and the patient is told.
    """
    won = await session.exec(
        update(ReactionReport)
        .where(col(ReactionReport.id) == report_id, col(ReactionReport.state) == ReportState.OPEN)
        .values(state=ReportState.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=staff_id)
        .execution_options(synchronize_session=False)
    )
    took_call = False
    if call:
        taken = await session.exec(
            update(ReactionReport)
            .where(
                col(ReactionReport.id) == report_id,
                col(ReactionReport.state) != ReportState.CLOSED,
                col(ReactionReport.caller).is_(None),
            )
            .values(caller=staff_id)
            .execution_options(synchronize_session=False)
        )
        took_call = taken.rowcount == 1
    if won.rowcount != 1 and not took_call:
        return None
    await _cancel_resends(session, report_id)
    report = await session.get(ReactionReport, report_id, populate_existing=True)
    if report is not None:
        await _tell_patient(session, report, call=took_call, now=now)
    return report


async def close_report(
    *, session: AsyncSession, report_id: int, staff_id: int, note: str, now: datetime
) -> ReactionReport | None:
    """Close a report with a note; None if it was already closed."""
    closed = await session.exec(
        update(ReactionReport)
        .where(
            col(ReactionReport.id) == report_id, col(ReactionReport.state) != ReportState.CLOSED
        )
        .values(
            state=ReportState.CLOSED, closed_at=now, closed_by=staff_id, close_note=note[:1000]
        )
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        return None
    await _cancel_resends(session, report_id)
    return await session.get(ReactionReport, report_id, populate_existing=True)


def escalation_exhausted(report: ReactionReport, *, care: CareSettings, now: datetime) -> bool:
    """Whether every re-send has gone without anyone acknowledging the report."""
    if report.state != ReportState.OPEN or report.submitted_at is None:
        return False
    last = report.submitted_at + timedelta(
        minutes=care.escalation_minutes * care.escalation_max_resends
    )
    return now >= last


async def open_reports(
    *, session: AsyncSession, care: CareSettings, now: datetime
) -> list[ReactionReport]:
    """Reports not closed: unacknowledged after every re-send first, then the most severe and
    newest."""
    rows = (
        await session.exec(
            select(ReactionReport).where(ReactionReport.state != ReportState.CLOSED)
        )
    ).all()
    return sorted(
        rows,
        key=lambda r: (
            not escalation_exhausted(r, care=care, now=now),
            r.state != ReportState.OPEN,
            -r.severity,
            -r.created_at.timestamp(),
        ),
    )
