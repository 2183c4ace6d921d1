"""Closures staff set in Telegram (/block, /unblock), merged into the planner's calendar.

The clinic file's closures are fixed at start; these live in the database so that every
process sees them at once. Booking code must plan against `clinic_calendar()`, not
`Clinic.calendar()`, so that a blocked day is never offered. Every change here replaces the
clinic's closures token in the same transaction, which is what tells every process's calendar
cache (mesobot.calendar_cache) to read the closures again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import lock_resource_days
from mesobot.calendar_cache import bump_closure_version, clinic_calendar, span_of
from mesobot.models import Appointment
from mesobot.models.course import HOLDING_STATES
from mesobot.scheduling.calendar import Closure
from mesobot.scheduling.localtime import zone_named
from mesobot.staff.audit import StaffActor, record_action
from mesobot.staff.models import ClinicClosure
from mesobot.waitlist.openings import places_freed

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from mesobot.clinic import Clinic

__all__ = [
    "Blocked",
    "block_time",
    "clinic_calendar",
    "closure_span",
    "closure_window",
    "sessions_during",
    "unblock_day",
]

# How far back and ahead staff may set or remove a closure, in years: further is a typo (and
# 9999-12-31 has no next day to end on).
YEARS_BACK, YEARS_AHEAD = 1, 2


def _years_from(day: date, years: int) -> date:
    """The same day `years` later (earlier if negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def closure_window(today: date) -> tuple[date, date]:
    """The first and last local dates /block and /unblock accept, seen from `today`."""
    return _years_from(today, -YEARS_BACK), _years_from(today, YEARS_AHEAD)


def closure_span(row: ClinicClosure, zone: ZoneInfo) -> Closure:
    """The instants a stored closure covers in the clinic's zone."""
    return span_of(row.local_date, row.start_time, row.end_time, zone)


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
    """Close a day (or part of it) to new bookings; booked sessions stay and are listed.

    The day is locked like a booking's (PostgreSQL; SQLite is locked whole), so a booking of
    that day either commits first and is listed here, or waits and then sees the closure.
    """
    calendar = clinic.calendar()
    await lock_resource_days(
        session=session,
        clinic_id=calendar.clinic_id,
        days=[(resource, day) for resource in calendar.resource_ids],
    )
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
    await bump_closure_version(session, row.clinic_id)
    span = closure_span(row, calendar.zone)
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
        await bump_closure_version(session, clinic.clinic.id)
        await record_action(
            session=session,
            staff=staff,
            action="unblock",
            at=now,
            before={"date": day.isoformat(), "closures": removed},
        )
        zone = zone_named(clinic.clinic.timezone)
        await places_freed(
            session=session,
            clinic_id=clinic.clinic.id,
            days=[day],
            today=now.astimezone(zone).date(),
            now=now,
        )
    return removed


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None
