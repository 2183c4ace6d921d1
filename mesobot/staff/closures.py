"""Closures staff set in Telegram (/block, /unblock), merged into the planner's calendar.

The clinic file's closures are fixed at start; these live in the database so that every
process sees them at once. Booking code must plan against `clinic_calendar()`, not
`Clinic.calendar()`, so that a blocked day is never offered.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.models import Appointment
from mesobot.models.course import HOLDING_STATES
from mesobot.scheduling.calendar import Calendar, Closure
from mesobot.staff.audit import StaffActor, record_action
from mesobot.staff.models import ClinicClosure

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from mesobot.clinic import Clinic


def closure_span(row: ClinicClosure, zone: ZoneInfo) -> Closure:
    """The instants a stored closure covers in the clinic's zone."""
    if row.start_time is None or row.end_time is None:
        start = datetime.combine(row.local_date, time(0), tzinfo=zone)
        end = datetime.combine(row.local_date + timedelta(days=1), time(0), tzinfo=zone)
    else:
        start = datetime.combine(row.local_date, row.start_time, tzinfo=zone)
        end = datetime.combine(row.local_date, row.end_time, tzinfo=zone)
    return Closure(start=start, end=end)


async def stored_closures(*, session: AsyncSession, clinic_id: str) -> list[ClinicClosure]:
    """Every closure staff set for the clinic, by date."""
    query = select(ClinicClosure).where(ClinicClosure.clinic_id == clinic_id)
    return list(await session.exec(query.order_by(col(ClinicClosure.local_date))))


async def clinic_calendar(session: AsyncSession, clinic: Clinic) -> Calendar:
    """The clinic's calendar with the closures staff set in Telegram added to the file's."""
    calendar = clinic.calendar()
    rows = await stored_closures(session=session, clinic_id=calendar.clinic_id)
    extra = tuple(closure_span(row, calendar.zone) for row in rows)
    return dataclasses.replace(calendar, closures=calendar.closures + extra)


async def sessions_during(
    *, session: AsyncSession, clinic_id: str, start: datetime, end: datetime
) -> list[Appointment]:
    """Sessions holding a place that overlap [start, end), by time."""
    query = select(Appointment).where(
        Appointment.clinic_id == clinic_id,
        col(Appointment.state).in_(HOLDING_STATES),
        Appointment.start_utc < end,
        Appointment.end_utc > start,
    )
    return list(await session.exec(query.order_by(col(Appointment.start_utc))))


@dataclass(frozen=True)
class Blocked:
    """A closure stored; `affected` are the booked sessions inside it, for staff to move."""

    closure: ClinicClosure
    affected: list[Appointment]


async def block_time(
    *,
    session: AsyncSession,
    clinic: Clinic,
    day: date,
    start: time | None,
    end: time | None,
    reason: str,
    staff: StaffActor,
    now: datetime,
) -> Blocked:
    """Close a day (or part of it) to new bookings; booked sessions stay and are listed."""
    row = ClinicClosure(
        clinic_id=clinic.clinic.id,
        local_date=day,
        start_time=start,
        end_time=end,
        reason=reason[:200],
        created_by=staff.telegram_id,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    span = closure_span(row, clinic.calendar().zone)
    affected = await sessions_during(
        session=session, clinic_id=row.clinic_id, start=span.start, end=span.end
    )
    await record_action(
        session=session,
        staff=staff,
        action="block",
        at=now,
        after={"closure": row.id, "date": day.isoformat(), "from": _hhmm(start), "to": _hhmm(end)},
    )
    return Blocked(row, affected)


async def unblock_day(
    *, session: AsyncSession, clinic: Clinic, day: date, staff: StaffActor, now: datetime
) -> int:
    """Remove every closure staff set on `day`; returns how many were removed."""
    result = await session.exec(
        delete(ClinicClosure).where(
            col(ClinicClosure.clinic_id) == clinic.clinic.id,
            col(ClinicClosure.local_date) == day,
        )
    )
    removed = int(result.rowcount)
    if removed:
        await record_action(
            session=session,
            staff=staff,
            action="unblock",
            at=now,
            before={"date": day.isoformat(), "closures": removed},
        )
    return removed


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None
