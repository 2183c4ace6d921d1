"""Matching a freed place with the waiting patients, in order of joining.

A place freed up on a local day; a waiting patient matches when their range holds that day
(a weekday, if they asked for weekdays only) and their whole course now fits from a first
session that day, in the morning or afternoon if they asked. "Fits" is the calendar's own
answer: `ScreenCache.free_times` of mesobot.scheduling.cache over one booking snapshot, the
same planner and cache the booking calendar uses, then the course is planned from that slot as
the calendar's preview plans it. Entries of one treatment and number of sessions share that
answer, so 10,000 entries cost a query for the treatments and numbers of sessions waited for,
one snapshot of the bookings for each, and one query for the first entry those times suit.

Patients without the current consent are skipped (their offers are paused, not lost), and so
is anyone with an offer out, or already offered this opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, exists, or_
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from mesobot.booking import day_free_times, plan_from_database
from mesobot.calendar_cache import clinic_calendar
from mesobot.clinic import Clinic
from mesobot.flow.steps import CONSENT_VERSION, plan_digest
from mesobot.models import Course, CourseState, Patient
from mesobot.scheduling.calendar import Calendar
from mesobot.scheduling.series import PlannedSeries, SeriesRule
from mesobot.waitlist.entries import AFTERNOON_HOUR
from mesobot.waitlist.models import (
    EntryState,
    OfferState,
    PartOfDay,
    WaitlistEntry,
    WaitlistOffer,
)


@dataclass(frozen=True)
class Match:
    """The first waiting patient whose course fits, and the first slot of that course."""

    entry_id: int
    patient_id: int
    first_day: date
    first_minute: int
    digest: str


def suits(row: Any, day: date, wall: time) -> bool:
    """Whether a first session at `day`, `wall` is one the entry's patient asked for."""
    if row.weekdays_only and day.weekday() >= 5:
        return False
    if row.part_of_day == PartOfDay.MORNING:
        return wall.hour < AFTERNOON_HOUR
    if row.part_of_day == PartOfDay.AFTERNOON:
        return wall.hour >= AFTERNOON_HOUR
    return True


def _waiting_here(clinic: Clinic, opening_id: int, day: date) -> list[Any]:
    """Waiting entries whose range holds the freed day (weekdays-only ones not on a weekend),
    whose patient has consent, not already offered this opening and with no offer out."""
    offered_here = exists().where(
        col(WaitlistOffer.entry_id) == col(WaitlistEntry.id),
        or_(
            col(WaitlistOffer.opening_id) == opening_id,
            col(WaitlistOffer.state) == OfferState.OPEN,
        ),
    )
    conditions = [
        col(WaitlistEntry.clinic_id) == clinic.clinic.id,
        col(WaitlistEntry.state) == EntryState.WAITING,
        col(WaitlistEntry.first_day) <= day,
        col(WaitlistEntry.last_day) >= day,
        col(Patient.consent_version) == CONSENT_VERSION,
        col(Patient.adult_confirmed_at).is_not(None),
        ~offered_here,
        # Moving a treatment earlier: only while it is still booked.
        col(WaitlistEntry.course_id).is_(None)
        | exists().where(
            col(Course.id) == col(WaitlistEntry.course_id),
            col(Course.state).in_([CourseState.REQUESTED, CourseState.CONFIRMED]),
        ),
    ]
    if day.weekday() >= 5:
        conditions.append(col(WaitlistEntry.weekdays_only).is_(False))
    return conditions


def _parts(times: tuple[time, ...]) -> set[str]:
    """The parts of the day an entry may ask for and still fit one of `times`."""
    parts = {PartOfDay.ANY.value} if times else set()
    if any(wall.hour < AFTERNOON_HOUR for wall in times):
        parts.add(PartOfDay.MORNING.value)
    if any(wall.hour >= AFTERNOON_HOUR for wall in times):
        parts.add(PartOfDay.AFTERNOON.value)
    return parts


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    connection = await session.connection()
    return list((await connection.execute(query)).all())


async def _groups(session: AsyncSession, conditions: list[Any]) -> list[Any]:
    """The treatments and numbers of sessions the candidates wait for (one row each)."""
    query = (
        sa_select(col(WaitlistEntry.treatment), col(WaitlistEntry.session_count))
        .join(Patient, col(Patient.id) == WaitlistEntry.patient_id)
        .where(*conditions)
        .distinct()
    )
    return await _rows(session, query)


async def _first_fitting(
    session: AsyncSession, conditions: list[Any], parts: dict[tuple[str, int], set[str]]
) -> Any | None:
    """The first candidate to join whose treatment, number of sessions and part of the day
    fit, or None."""
    fitting = [
        and_(
            col(WaitlistEntry.treatment) == treatment,
            col(WaitlistEntry.session_count) == count,
            col(WaitlistEntry.part_of_day).in_(sorted(wanted)),
        )
        for (treatment, count), wanted in parts.items()
        if wanted
    ]
    if not fitting:
        return None
    query = (
        sa_select(
            col(WaitlistEntry.id),
            col(WaitlistEntry.patient_id),
            col(WaitlistEntry.treatment),
            col(WaitlistEntry.session_count),
            col(WaitlistEntry.weekdays_only),
            col(WaitlistEntry.part_of_day),
        )
        .join(Patient, col(Patient.id) == WaitlistEntry.patient_id)
        .where(*conditions, or_(*fitting))
        .order_by(col(WaitlistEntry.id))
        .limit(1)
    )
    rows = await _rows(session, query)
    return rows[0] if rows else None


async def find_match(
    *, session: AsyncSession, clinic: Clinic, opening_id: int, day: date, now: datetime
) -> Match | None:
    """The first waiting patient (in order of joining) whose range holds the freed `day` and
    whose whole course now fits from a first session that day, at a time they asked for;
    None if nobody's does. The free times are computed once per treatment and number of
    sessions waited for; then one query finds the first entry they suit."""
    conditions = _waiting_here(clinic, opening_id, day)
    calendar = await clinic_calendar(session, clinic)
    times: dict[tuple[str, int], tuple[time, ...]] = {}
    for treatment_key, count in await _groups(session, conditions):
        treatment = clinic.treatments.get(treatment_key)
        if treatment is not None:
            rule = treatment.series_rule()
            found = await day_free_times(
                session=session,
                calendar=calendar,
                rule=rule,
                session_count=count,
                day=day,
                now=now,
            )
            times[(treatment_key, count)] = found
    parts = {key: _parts(found) for key, found in times.items()}
    row = await _first_fitting(session, conditions, parts)
    if row is None:
        return None
    wall = next(w for w in times[(row.treatment, row.session_count)] if suits(row, day, w))
    rule = clinic.treatments[row.treatment].series_rule()
    return await _matched(session, calendar, rule, row, day, wall, now)


async def _matched(
    session: AsyncSession,
    calendar: Calendar,
    rule: SeriesRule,
    row: Any,
    first: date,
    wall: time,
    now: datetime,
) -> Match | None:
    """The match, with the digest of the course it offers (planned as the calendar would)."""
    plan = await plan_from_database(
        session=session,
        calendar=calendar,
        rule=rule,
        session_count=row.session_count,
        first_date=first,
        first_time=wall,
        now=now,
    )
    if not isinstance(plan, PlannedSeries):
        return None
    return Match(row.id, row.patient_id, first, wall.hour * 60 + wall.minute, plan_digest(plan))
