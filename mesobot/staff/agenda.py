"""What /agenda, /week, /session and /patient read: sessions by day, by code, by patient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import Appointment, Course, Patient, SessionState, StateEvent
from mesobot.privacy.models import ClinicalIdentity
from mesobot.staff.models import AuditEntry


@dataclass(frozen=True)
class AgendaEntry:
    """One session with what the agenda shows of it."""

    appointment: Appointment
    course: Course
    patient: Patient
    position: int  # k of n among the course's sessions that were not cancelled
    total: int


async def _entries(session: AsyncSession, appointments: list[Appointment]) -> list[AgendaEntry]:
    entries = []
    for appointment in appointments:
        course = await session.get(Course, appointment.course_id)
        assert course is not None
        patient = await session.get(Patient, course.patient_id)
        assert patient is not None
        siblings = list(
            await session.exec(
                select(Appointment.id)
                .where(
                    Appointment.course_id == course.id,
                    Appointment.state != SessionState.CANCELLED,
                )
                .order_by(col(Appointment.number))
            )
        )
        position = siblings.index(appointment.id) + 1 if appointment.id in siblings else 0
        entries.append(AgendaEntry(appointment, course, patient, position, len(siblings)))
    return entries


async def agenda(
    *, session: AsyncSession, clinic_id: str, first: date, last: date
) -> list[AgendaEntry]:
    """Sessions from `first` to `last` (local dates, included), by date and time."""
    query = (
        select(Appointment)
        .where(
            Appointment.clinic_id == clinic_id,
            col(Appointment.local_date) >= first,
            col(Appointment.local_date) <= last,
            Appointment.state != SessionState.CANCELLED,
        )
        .order_by(col(Appointment.local_date), col(Appointment.local_time), col(Appointment.id))
    )
    return await _entries(session, list(await session.exec(query)))


async def session_by_code(*, session: AsyncSession, code: str) -> AgendaEntry | None:
    """The session with a short code (as typed: case and spaces forgiven)."""
    query = select(Appointment).where(Appointment.code == code.strip().upper())
    found = (await session.exec(query)).first()
    return (await _entries(session, [found]))[0] if found else None


async def session_by_id(*, session: AsyncSession, appointment_id: int) -> AgendaEntry | None:
    """The session with an id, with what the agenda shows of it; None when there is none."""
    found = await session.get(Appointment, appointment_id)
    return (await _entries(session, [found]))[0] if found else None


@dataclass(frozen=True)
class LastChange:
    """The latest recorded change of a session's state: when, and who ("patient", "system",
    or a staff member with the name the audit log has for them)."""

    at: datetime
    actor: str
    staff_name: str | None


async def last_change(*, session: AsyncSession, appointment_id: int) -> LastChange | None:
    """Who last changed a session's state, and when (moves that keep the state are not
    events, so the caller says only what the session is now for those)."""
    query = select(StateEvent).where(StateEvent.appointment_id == appointment_id)
    event = (
        await session.exec(query.order_by(col(StateEvent.at).desc(), col(StateEvent.id).desc()))
    ).first()
    if event is None:
        return None
    name = None
    if event.actor.startswith("staff:") and event.actor[6:].isdigit():
        by_staff = select(AuditEntry.staff_name).where(AuditEntry.staff_id == int(event.actor[6:]))
        name = (await session.exec(by_staff.order_by(col(AuditEntry.at).desc()))).first()
    return LastChange(event.at, event.actor, name)


async def find_patients(*, session: AsyncSession, text: str, limit: int = 5) -> list[Patient]:
    """Patients by id, Telegram id, @username (as of their latest turn) or part of their name.

    The name is matched literally: % and _ typed by staff are escaped, not LIKE's wildcards
    (otherwise "/patient %%" would list everyone).
    """
    text = text.strip()
    conditions: list[ColumnElement[bool]] = []
    if text.lstrip("-").isdigit():
        conditions += [col(Patient.id) == int(text), col(Patient.telegram_user_id) == int(text)]
    if text.startswith("@") and len(text) > 1:
        conditions.append(func.lower(col(Patient.username)) == text[1:].lower())
    if not text.startswith("@") and len(text) >= 2:
        name = func.lower(col(Patient.display_name))
        conditions.append(name.contains(text.lower(), autoescape=True))
        # An erased patient's name is only in the identity kept for their clinical record.
        kept = func.lower(col(ClinicalIdentity.display_name))
        erased = select(ClinicalIdentity.patient_id).where(
            kept.contains(text.lower(), autoescape=True)
        )
        conditions.append(col(Patient.id).in_(erased))
    if not conditions:
        return []
    query = select(Patient).where(or_(*conditions)).order_by(col(Patient.id)).limit(limit)
    return list(await session.exec(query))


async def courses_of(*, session: AsyncSession, patient_id: int) -> list[Course]:
    """A patient's courses, newest first."""
    query = select(Course).where(Course.patient_id == patient_id)
    return list(await session.exec(query.order_by(col(Course.requested_at).desc())))
